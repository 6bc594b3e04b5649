package io.herald.person;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.Payload;
import io.herald.ingest.CallKind;
import io.herald.processor.Batch;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileTest {
    @TempDir
    Path dir;

    private static long millis(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private static void track(Pipeline p, String at) {
        p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"clicked\",\"timestamp\":\"" + at + "\"}");
        p.process();
    }

    private static Person person(Pipeline p) {
        return p.people().byUserId(Pipeline.WORKSPACE, "u1").orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void lastSeenIsStoredToTheMinuteAndExactlyWithAnyOtherChange(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            track(p, "2026-11-22T10:00:00Z");
            assertThat(person(p).lastSeenAt()).isEqualTo(millis("2026-11-22T10:00:00Z"));

            track(p, "2026-11-22T10:00:40Z");
            assertThat(person(p).lastSeenAt()).as("less than a minute later: not rewritten for that alone")
                    .isEqualTo(millis("2026-11-22T10:00:00Z"));

            track(p, "2026-11-22T10:01:05Z");
            assertThat(person(p).lastSeenAt()).isEqualTo(millis("2026-11-22T10:01:05Z"));

            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","traits":{"plan":"pro"},"timestamp":"2026-11-22T10:01:07Z"}""");
            p.process();
            assertThat(person(p).lastSeenAt()).as("the row is written anyway: exact").isEqualTo(
                    millis("2026-11-22T10:01:07Z"));
            assertThat(person(p).attributes().path("plan").asText()).isEqualTo("pro");

            track(p, "2026-11-22T10:00:30Z");
            assertThat(person(p).lastSeenAt()).as("an older event does not move it back")
                    .isEqualTo(millis("2026-11-22T10:01:07Z"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void timezoneAndLocaleFollowTheNewestValidContext(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            p.send(CallKind.TRACK, """
                    {"userId":"u1","event":"a","context":{"timezone":"Europe/Berlin","locale":"de-DE"}}""");
            p.send(CallKind.TRACK, """
                    {"userId":"u1","event":"b","context":{"timezone":"Not/AZone","locale":"not a locale!"}}""");
            p.process();
            assertThat(person(p).timezone()).isEqualTo("Europe/Berlin");
            assertThat(person(p).locale()).isEqualTo("de-DE");

            p.send(CallKind.TRACK, """
                    {"userId":"u1","event":"c","context":{"timezone":"Asia/Tokyo","locale":"ja_JP"}}""");
            p.process();
            assertThat(person(p).timezone()).isEqualTo("Asia/Tokyo");
            assertThat(person(p).locale()).isEqualTo("ja_JP");
        }
    }

    /** A stage that fails on an identify carrying the trait {@code poison}, after the profile stage ran. */
    static final class FailsOnPoison implements Stage {
        @Override
        public void handle(Batch batch, EventContext ctx) {
            if (ctx.event().payload() instanceof Payload.Identify id && id.traits().has("poison")) {
                throw new IllegalStateException("stage bug");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aFailedBatchLeavesNoChangeBehindInWhatTheProcessorRemembers(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"), new FailsOnPoison())) {
            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","traits":{"plan":"pro"}}""");
            p.process();
            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","traits":{"plan":"enterprise","poison":true}}""");
            p.process(); // fails, is retried alone, and is put aside
            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","traits":{"name":"Ana"}}""");
            p.process();

            assertThat(person(p).attributes().path("plan").asText()).isEqualTo("pro");
            assertThat(person(p).attributes().path("name").asText()).isEqualTo("Ana");
            assertThat(person(p).attributes().has("poison")).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anErasedPersonIsNotBroughtBackFromWhatTheProcessorRemembers(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","anonymousId":"a1","traits":{"plan":"pro"}}""");
            p.process();
            String before = person(p).id();

            p.people().erase(Pipeline.WORKSPACE, "u1", false);
            p.send(CallKind.IDENTIFY, """
                    {"userId":"u1","traits":{"name":"Ana"}}""");
            p.process();

            Person after = person(p);
            assertThat(after.id()).isNotEqualTo(before);
            assertThat(after.attributes().has("plan")).as("erased attributes").isFalse();
            assertThat(after.anonymousIds()).as("erased ids").isEmpty();
        }
    }
}
