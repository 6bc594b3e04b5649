package io.herald.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.Event;
import io.herald.event.Payload;
import io.herald.store.Engine;
import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JdbcEventLogTest {
    @TempDir
    Path dir;

    private static Event track(String messageId, String userId) {
        return new Event("ws", -1, -1, messageId, userId, null, 1_000, 2_000, null,
                new Payload.Track("clicked", io.herald.event.EventCodec.mapper().createObjectNode().put("n", 1)));
    }

    private static int append(EventLog log, List<Event> events) throws Exception {
        return log.append(events).get(10, TimeUnit.SECONDS);
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(e -> e.messageId() + "@" + e.position()).toList();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eventsHandedOverFromMemoryAreTheOnesTheTableHolds(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            JdbcEventLog log = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 1000);
            assertThat(append(log, List.of(track("m1", "u1"), track("m2", "u2")))).isEqualTo(2);
            // A repeat, in another request and inside one request: only m3 is new.
            assertThat(append(log, List.of(track("m2", "u2"), track("m3", "u3"), track("m3", "u3")))).isEqualTo(1);
            List<Event> fromMemory = log.read(0, 0, 100);

            // A second log over the same store has nothing in memory: it reads the table.
            JdbcEventLog reopened = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 1000);
            List<Event> fromTable = reopened.read(0, 0, 100);

            assertThat(ids(fromMemory)).hasSize(3).isEqualTo(ids(fromTable));
            assertThat(fromMemory).extracting(Event::messageId).containsExactly("m1", "m2", "m3");
            assertThat(fromMemory.get(0).payload()).isEqualTo(fromTable.get(0).payload());
            assertThat(log.read(0, fromMemory.get(1).position(), 100)).extracting(Event::messageId)
                    .containsExactly("m3");
            reopened.close();
            // The second log's own store (on SQLite its file's pool and checkpointer) too: left open, its checkpointer
            // could recreate the WAL while the temporary directory was being deleted.
            reopened.closeStore();
            log.close();
            log.closeStore();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aReaderFallenBehindWhatMemoryHoldsReadsTheTableWithoutAGap(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            JdbcEventLog log = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 10);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 35; i++) {
                append(log, List.of(track("m" + i, "u" + i)));
                sent.add("m" + i);
            }
            List<String> read = new ArrayList<>();
            long position = 0;
            List<Event> batch;
            while (!(batch = log.read(0, position, 4)).isEmpty()) {
                batch.forEach(e -> read.add(e.messageId()));
                position = batch.get(batch.size() - 1).position();
            }
            assertThat(read).isEqualTo(sent);
            log.close();
            log.closeStore();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theLagIsCountedUpToTheBoundAskedForFromMemoryAndFromTheTable(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            JdbcEventLog log = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 1000);
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 10; i++) events.add(track("m" + i, "u" + i));
            append(log, events);
            // The second log has nothing in memory: it counts in the table.
            JdbcEventLog reopened = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 1000);
            for (EventLog l : List.of(log, reopened)) {
                assertThat(l.countAfter(0, 0)).isEqualTo(10);
                assertThat(l.countAfter(0, 0, 3)).isEqualTo(3);
                assertThat(l.countAfter(0, 0, 100)).isEqualTo(10);
                assertThat(l.countAfter(0, 0, 0)).isZero();
            }
            reopened.close();
            reopened.closeStore(); // see the first test
            log.close();
            log.closeStore();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void forgottenEventsAreGoneFromMemoryAndTable(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            JdbcEventLog log = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 1000);
            append(log, List.of(track("m1", "u1"), track("m2", "u2"), track("m3", "u1")));
            log.forget("ws", List.of("m1", "m3"));

            assertThat(log.read(0, 0, 100)).extracting(Event::messageId).containsExactly("m2");
            JdbcEventLog reopened = JdbcEventLog.open(store.db(), store.config(), 1, 64, 100, 1000);
            assertThat(reopened.read(0, 0, 100)).extracting(Event::messageId).containsExactly("m2");
            reopened.close();
            // The second log's own store (on SQLite its file's pool and checkpointer) too: left open, its checkpointer
            // could recreate the WAL while the temporary directory was being deleted.
            reopened.closeStore();
            log.close();
            log.closeStore();
        }
    }
}
