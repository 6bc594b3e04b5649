package io.herald.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.Payload;
import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PersonProcessorTest {
    @TempDir
    Path dir;

    /** A stage that remembers what it saw, in order. */
    static final class Recorder implements Stage {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void handle(Batch batch, EventContext ctx) {
            if (ctx.event().payload() instanceof Payload.Track t) seen.add(t.event());
        }
    }

    /** A stage that fails on one event name, as a bug in a stage would. */
    static final class FailsOn implements Stage {
        final String poison;

        FailsOn(String poison) {
            this.poison = poison;
        }

        @Override
        public void handle(Batch batch, EventContext ctx) {
            if (ctx.event().payload() instanceof Payload.Track t && t.event().equals(poison)) {
                throw new IllegalStateException("stage bug on " + poison);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personsEventsAreProcessedOnceInLogOrder(Engine engine) {
        Recorder recorder = new Recorder();
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"), recorder)) {
            for (int i = 0; i < 250; i++) {
                p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"e" + i + "\",\"messageId\":\"m" + i + "\"}");
            }
            assertThat(p.process()).isEqualTo(250);
            assertThat(p.process()).isZero();

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 250; i++) expected.add("e" + i);
            assertThat(recorder.seen).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void restartedProcessorResumesWhereTheLastOneCommitted(Engine engine) {
        Recorder recorder = new Recorder();
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"), recorder)) {
            p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"before\",\"messageId\":\"m1\"}");
            p.process();
            p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"after\",\"messageId\":\"m2\"}");

            p.restartProcessor();
            p.process();

            assertThat(recorder.seen).containsExactly("before", "after");
            assertThat(p.processor().lag()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eventThatAStageCannotProcessIsKeptAsideAndTheRestGoOn(Engine engine) {
        Recorder recorder = new Recorder();
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"), new FailsOn("boom"), recorder)) {
            p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"one\",\"messageId\":\"m1\"}");
            p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"boom\",\"messageId\":\"m2\"}");
            p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"three\",\"messageId\":\"m3\"}");
            p.process();

            // The failed batch rolled back entirely, so "one" is seen twice by the recorder: once in the batch that
            // failed and once when retried alone. Its effects were committed once.
            assertThat(recorder.seen).containsSubsequence("one", "three").doesNotContain("boom");
            assertThat(p.people().export(Pipeline.WORKSPACE, "u1").events()).hasSize(2);
            List<String> dead = p.store().db().read(c -> Sql.query(c, "SELECT message_id FROM dead_letters",
                    rs -> rs.getString(1)));
            assertThat(dead).containsExactly("m2");
            assertThat(p.processor().lag()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void repeatedMessageIdIsAppendedAndProcessedOnce(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            var first = p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"paid\",\"messageId\":\"dup\"}");
            var again = p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"paid\",\"messageId\":\"dup\"}");
            var batch = p.send(CallKind.BATCH, "{\"batch\":[{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"x\","
                    + "\"messageId\":\"b1\"},{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"x\",\"messageId\":\"b1\"}]}");
            p.process();

            assertThat(first.fresh()).isEqualTo(1);
            assertThat(again.fresh()).isZero();
            assertThat(batch.fresh()).isEqualTo(1);
            assertThat(p.people().export(Pipeline.WORKSPACE, "u1").events()).hasSize(2);
        }
    }
}
