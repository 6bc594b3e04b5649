package io.herald.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The routing rules of a log with several partitions: every event that names an id of a person goes where that
 * person's ids already route. Ids are chosen so that, hashed on their own, they would land in different partitions.
 */
class RoutingTest {
    private static final String WS = "ws_test";
    private static final long T = 1_790_000_000_000L;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyCallOfAVisitorFollowsTheirFirstAnonymousPageView(Engine engine) throws Exception {
        String anon = idIn("a:", 0, "visitor");
        String user = idIn("u:", 1, "user");
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 4, 1000)) {
            l.append(page("m1", anon), identify("m2", user, anon), track("m3", user),
                    deviceRegistered("m4", user, "tok"), deviceRemoved("m5", "tok"));

            assertThat(l.partitionsOf("m1", "m2", "m3", "m4", "m5")).containsOnly(0);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void whenAnAnonymousIdWithAHistoryMeetsAKnownUserTheUsersPartitionWinsAndTheAnonymousIdFollows(Engine engine)
            throws Exception {
        String user = idIn("u:", 1, "user");
        String anon = idIn("a:", 2, "visitor");
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 4, 1000)) {
            l.append(track("m1", user), page("m2", anon));
            assertThat(l.partitionsOf("m1")).containsOnly(1);
            assertThat(l.partitionsOf("m2")).containsOnly(2);

            l.append(identify("m3", user, anon), page("m4", anon), track("m5", user));

            assertThat(l.partitionsOf("m3", "m4", "m5")).containsOnly(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aliasJoinsBothUsersWithAllTheirIdsWhereTheLargerGroupAlreadyIs(Engine engine) throws Exception {
        String old = idIn("u:", 2, "old");
        String phone = idIn("a:", 0, "phone");
        String laptop = idIn("a:", 1, "laptop");
        String fresh = idIn("u:", 3, "new");
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 4, 1000)) {
            l.append(identify("m1", old, phone), identify("m2", old, laptop), track("m3", fresh));
            assertThat(l.partitionsOf("m1", "m2")).containsOnly(2);

            l.append(alias("m4", old, fresh), track("m5", fresh), page("m6", laptop), page("m7", phone),
                    track("m8", old));

            // The old user's group has three ids, the new one's one: the small group moves.
            assertThat(l.partitionsOf("m4", "m5", "m6", "m7", "m8")).containsOnly(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTimerKeepsThePartitionItWasScheduledInAndStoresNoRoute(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 4, 1000)) {
            l.append(new Event(WS, 3, -1, "timer:1", null, null, T, T, null,
                    new Payload.TimerFired("person-1", "1", "delay", json())));

            assertThat(l.partitionsOf("timer:1")).containsOnly(3);
            assertThat(l.routeRows()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void idsEvictedFromTheBoundedCacheAreStillRoutedByTheTable(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 4, 3)) {
            int visitors = 40;
            String[] anon = new String[visitors];
            String[] user = new String[visitors];
            for (int i = 0; i < visitors; i++) {
                anon[i] = idIn("a:", i % 4, "visitor" + i + "-");
                user[i] = idIn("u:", (i + 1) % 4, "user" + i + "-");
                l.append(page("page-" + i, anon[i]));
            }
            for (int i = 0; i < visitors; i++) l.append(identify("identify-" + i, user[i], anon[i]));
            for (int i = 0; i < visitors; i++) l.append(track("track-" + i, user[i]));

            assertThat(l.log.cachedRoutes()).isLessThanOrEqualTo(3);
            for (int i = 0; i < visitors; i++) {
                assertThat(l.partitionsOf("page-" + i, "identify-" + i, "track-" + i)).as("visitor %d", i)
                        .containsOnly(i % 4);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void routesSurviveARestartOfTheLog(Engine engine) throws Exception {
        String anon = idIn("a:", 3, "visitor");
        String user = idIn("u:", 0, "user");
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            try (Log before = new Log(store, 4, 1000)) {
                before.append(page("m1", anon));
            }
            try (Log after = new Log(store, 4, 1000)) {
                after.append(identify("m2", user, anon), track("m3", user));

                assertThat(after.partitionsOf("m1", "m2", "m3")).containsOnly(3);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aLogWithFewerPartitionsThanBeforeKeepsEachGroupTogether(Engine engine) throws Exception {
        String anon = idIn8("a:", 6, "visitor");
        String user = idIn8("u:", 1, "user");
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            try (Log eight = new Log(store, 8, 1000)) {
                eight.append(page("m1", anon), identify("m2", user, anon));
                assertThat(eight.partitionsOf("m1", "m2")).containsOnly(6);
            }
            try (Log four = new Log(store, 4, 1000)) {
                four.append(track("m3", user), page("m4", anon), identify("m5", user, anon));

                assertThat(four.partitionsOf("m3", "m4", "m5")).containsOnly(2);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void oneLogPartitionLooksUpAndStoresNoRoutes(Engine engine) throws Exception {
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 1, 1000)) {
            l.append(page("m1", "a1"), identify("m2", "u1", "a1"), deviceRegistered("m3", "u1", "tok"));

            assertThat(l.partitionsOf("m1", "m2", "m3")).containsOnly(0);
            assertThat(l.routeRows()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void forgottenIdsAreRoutedAsNewcomersAfterwards(Engine engine) throws Exception {
        String anon = idIn("a:", 1, "visitor");
        String user = idIn("u:", 2, "user");
        try (TestDatabase store = TestDatabase.open(engine, dir); Log l = new Log(store, 4, 1000)) {
            l.append(page("m1", anon), identify("m2", user, anon));
            assertThat(l.routeRows()).isEqualTo(2);

            l.log.forgetRoutes(WS, List.of(Event.anonymousKey(anon), Event.userKey(user)));
            assertThat(l.routeRows()).isZero();

            l.append(track("m3", user));
            assertThat(l.partitionsOf("m3")).containsOnly(2);
        }
    }

    /** An id of the given kind that hashes, on its own, to {@code partition} of four. */
    private static String idIn(String kind, int partition, String prefix) {
        return idIn(kind, partition, prefix, 4);
    }

    private static String idIn8(String kind, int partition, String prefix) {
        return idIn(kind, partition, prefix, 8);
    }

    private static String idIn(String kind, int partition, String prefix, int partitions) {
        for (int i = 0; ; i++) {
            if (EventLog.partitionOf(WS, kind + prefix + i, partitions) == partition) return prefix + i;
        }
    }

    private static ObjectNode json() {
        return EventCodec.mapper().createObjectNode();
    }

    private static Event page(String messageId, String anonymousId) {
        return new Event(WS, -1, -1, messageId, null, anonymousId, T, T, null, new Payload.Page("home", json()));
    }

    private static Event track(String messageId, String userId) {
        return new Event(WS, -1, -1, messageId, userId, null, T, T, null, new Payload.Track("clicked", json()));
    }

    private static Event identify(String messageId, String userId, String anonymousId) {
        return new Event(WS, -1, -1, messageId, userId, anonymousId, T, T, null, new Payload.Identify(json()));
    }

    private static Event alias(String messageId, String previousId, String userId) {
        return new Event(WS, -1, -1, messageId, userId, null, T, T, null, new Payload.Alias(previousId));
    }

    private static Event deviceRegistered(String messageId, String userId, String token) {
        return new Event(WS, -1, -1, messageId, userId, null, T, T, null,
                new Payload.DeviceRegistered(token, "ios", "apns", null, true));
    }

    private static Event deviceRemoved(String messageId, String token) {
        return new Event(WS, -1, -1, messageId, null, null, T, T, null, new Payload.DeviceRemoved(token));
    }

    /** A log of a store with a given number of partitions and route cache size. */
    private static final class Log implements AutoCloseable {
        final JdbcEventLog log;

        Log(TestDatabase store, int partitions, int routeCacheSize) {
            this.log = JdbcEventLog.open(store.db(), store.config(), partitions, 1024, routeCacheSize, 20_000);
        }

        void append(Event... events) throws Exception {
            log.append(List.of(events)).get(10, TimeUnit.SECONDS);
        }

        List<Integer> partitionsOf(String... messageIds) {
            return log.database().read(c -> {
                List<Integer> out = new java.util.ArrayList<>();
                for (String id : messageIds) {
                    out.add(Sql.queryOne(c, "SELECT partition_no FROM event_log WHERE message_id = ?",
                            rs -> rs.getInt(1), id).orElseThrow(() -> new AssertionError(id + " is not in the log")));
                }
                return out;
            });
        }

        long routeRows() {
            return log.database().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM routes", rs -> rs.getLong(1))
                    .orElseThrow());
        }

        @Override
        public void close() {
            log.close();
            log.closeStore();
        }
    }
}
