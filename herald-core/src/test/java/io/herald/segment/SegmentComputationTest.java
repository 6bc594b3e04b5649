package io.herald.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A segment created while events keep arriving and four processors run: the background computation and the live
 * processing must between them count every event exactly once (no gap, no double count).
 */
class SegmentComputationTest {
    private static final String WS = Pipeline.WORKSPACE;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void segmentCreatedDuringIngestionCountsEveryEventExactlyOnce(Engine engine) throws Exception {
        Random random = new Random(7);
        Map<String, Integer> sent = new HashMap<>();
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"), 4)) {
            for (int i = 0; i < 1500; i++) send(p, "u" + random.nextInt(300), sent);
            p.settle();

            p.processor().start();
            p.segments().computations().start();
            String id = null;
            for (int i = 0; i < 3000; i++) {
                send(p, "u" + random.nextInt(400), sent); // some new people among them
                if (i == 500) {
                    id = p.segments().create(WS, SegmentScenarioTest.json("""
                            {"name":"exporters","condition":{"event":"export","count":{"op":"gte","value":6}}}""")).id();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!p.segments().get(WS, id).status().equals("ready")) {
                assertThat(System.nanoTime()).as("computation finishes").isLessThan(deadline);
                Thread.sleep(20); // waiting for background threads to finish real work, not for time to pass
            }
            p.processor().close(); // drains what is left, then stops
            p.settle();

            Map<String, Long> tallied = tallies(p);
            for (Map.Entry<String, Integer> e : sent.entrySet()) {
                String personId = p.people().byUserId(WS, e.getKey()).orElseThrow().id();
                assertThat(tallied.get(personId)).as("exports of %s", e.getKey()).isEqualTo(e.getValue().longValue());
                assertThat(p.segments().ofPerson(WS, personId)).extracting(Segments.Membership::id)
                        .as("membership of %s", e.getKey()).isEqualTo(e.getValue() >= 6 ? java.util.List.of(id)
                                : java.util.List.of());
            }
        }
    }

    private static void send(Pipeline p, String userId, Map<String, Integer> sent) {
        p.send(CallKind.TRACK, "{\"userId\":\"" + userId + "\",\"event\":\"export\",\"timestamp\":\"2026-11-22T09:00:00Z\"}");
        sent.merge(userId, 1, Integer::sum);
    }

    /** Each person's stored export count (the only tally there is). */
    private static Map<String, Long> tallies(Pipeline p) {
        return p.store().db().read(c -> {
            Map<String, Long> out = new HashMap<>();
            for (String[] r : Sql.query(c, "SELECT person_id, state FROM segment_state", rs -> new String[] {
                    rs.getString(1), rs.getString(2)})) {
                JsonNode t = Json.parse(r[1]).path("t");
                out.put(r[0], t.isEmpty() ? 0L : t.elements().next().path("c").asLong());
            }
            return out;
        });
    }
}
