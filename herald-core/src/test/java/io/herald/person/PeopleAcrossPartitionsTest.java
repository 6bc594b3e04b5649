package io.herald.person;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * People on a log of four partitions, processed by four processor threads at once: a person's events must all land
 * in one partition, whichever of their ids each event names, or two processors race on the same person (the bug:
 * a visitor's anonymous calls and their identified calls went to different partitions).
 */
class PeopleAcrossPartitionsTest {
    private static final int PARTITIONS = 4;

    @TempDir
    Path dir;

    private Pipeline pipeline(Engine engine) {
        return new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"), PARTITIONS);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyVisitorBecomesOnePersonWithAllTheirEventsWhileFourProcessorsRun(Engine engine) throws Exception {
        int visitors = 150;
        try (Pipeline p = pipeline(engine)) {
            p.processor().start();
            ExecutorService senders = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < visitors; i++) {
                    int v = i;
                    sent.add(senders.submit(() -> sendVisit(p, v)));
                }
                for (Future<?> f : sent) f.get(60, TimeUnit.SECONDS);
            } finally {
                senders.shutdown();
            }
            p.processor().close(); // each consumer finishes its partition, then stops
            assertThat(p.processor().lag()).isZero();

            assertThat(count(p, "SELECT COUNT(*) FROM dead_letters")).isZero();
            assertThat(count(p, "SELECT COUNT(*) FROM persons")).isEqualTo(visitors);
            for (int v = 0; v < visitors; v++) {
                Person person = p.people().byUserId(Pipeline.WORKSPACE, "u-" + v).orElseThrow();
                assertThat(person.anonymousIds()).containsExactly("a-" + v);
                assertThat(person.attributes().get("visitor").asInt()).isEqualTo(v);
                assertThat(person.devices()).extracting(Device::token).containsExactly("tok-" + v + "-kept");
                assertThat(p.people().export(Pipeline.WORKSPACE, "u-" + v).events()).extracting(PersonEvent::type)
                        .containsExactly("page", "page", "identify", "track", "track", "device_registered",
                                "device_registered");
            }
            Map<Integer, Set<Integer>> partitionsOfVisitor = new HashMap<>();
            for (Event e : logged(p)) {
                partitionsOfVisitor.computeIfAbsent(visitorOf(e), v -> new HashSet<>()).add(e.partition());
            }
            assertThat(partitionsOfVisitor).hasSize(visitors);
            partitionsOfVisitor.forEach((v, partitions) -> assertThat(partitions).as("visitor %d", v).hasSize(1));
            // Not all in one partition either: the routing still spreads people.
            assertThat(partitionsOfVisitor.values().stream().map(s -> s.iterator().next()).distinct())
                    .hasSize(PARTITIONS);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void erasingAPersonForgetsWhereTheirIdsRoute(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.PAGE, "{\"anonymousId\":\"a1\",\"name\":\"home\",\"messageId\":\"m1\"}");
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"a1\",\"userId\":\"u1\",\"messageId\":\"m2\"}");
            p.send(CallKind.DEVICE_REGISTER, "{\"userId\":\"u1\",\"token\":\"tok-1\",\"platform\":\"ios\"}");
            p.send(CallKind.IDENTIFY, "{\"userId\":\"someone-else\",\"messageId\":\"m3\"}");
            p.process();
            assertThat(countInLog(p, "SELECT COUNT(*) FROM routes")).isEqualTo(4);

            p.people().erase(Pipeline.WORKSPACE, "u1", false);

            assertThat(countInLog(p, "SELECT COUNT(*) FROM routes")).isEqualTo(1);
        }
    }

    private static void sendVisit(Pipeline p, int v) {
        String anon = "\"anonymousId\":\"a-" + v + "\"";
        String user = "\"userId\":\"u-" + v + "\"";
        p.send(CallKind.PAGE, "{" + anon + ",\"name\":\"home\",\"messageId\":\"v" + v + "-1\"}");
        p.send(CallKind.PAGE, "{" + anon + ",\"name\":\"pricing\",\"messageId\":\"v" + v + "-2\"}");
        p.send(CallKind.IDENTIFY, "{" + anon + "," + user + ",\"traits\":{\"visitor\":" + v
                + "},\"messageId\":\"v" + v + "-3\"}");
        p.send(CallKind.TRACK, "{" + user + ",\"event\":\"signed_up\",\"messageId\":\"v" + v + "-4\"}");
        p.send(CallKind.TRACK, "{" + user + ",\"event\":\"upgraded\",\"messageId\":\"v" + v + "-5\"}");
        p.send(CallKind.DEVICE_REGISTER, "{" + user + ",\"token\":\"tok-" + v + "-kept\",\"platform\":\"ios\"}");
        p.send(CallKind.DEVICE_REGISTER, "{" + user + ",\"token\":\"tok-" + v + "-gone\",\"platform\":\"android\"}");
        p.send(CallKind.DEVICE_REMOVE, "{\"token\":\"tok-" + v + "-gone\"}");
    }

    /** The visitor an event of {@link #sendVisit} came from, by the number in whichever id it names. */
    private static int visitorOf(Event e) {
        String id = e.routingKeys().get(0).substring(2); // a-7, u-7, tok-7-gone
        return Integer.parseInt(id.split("-")[1]);
    }

    private static List<Event> logged(Pipeline p) {
        return p.log().database().read(c -> Sql.query(c, "SELECT workspace_id, partition_no, seq, payload FROM event_log",
                rs -> EventCodec.decode(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getString(4))));
    }

    private static long count(Pipeline p, String sql) {
        return p.store().db().read(c -> Sql.queryOne(c, sql, rs -> rs.getLong(1)).orElseThrow());
    }

    private static long countInLog(Pipeline p, String sql) {
        return p.log().database().read(c -> Sql.queryOne(c, sql, rs -> rs.getLong(1)).orElseThrow());
    }
}
