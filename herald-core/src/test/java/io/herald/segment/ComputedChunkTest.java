package io.herald.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A chunk of the background computation is read while batches go on and written while none runs: whoever a batch
 * touched in between is computed again from what is committed, or their state would miss that batch's events.
 */
class ComputedChunkTest {
    private static final String WS = Pipeline.WORKSPACE;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonABatchTouchedAfterTheReadIsComputedAgainWhenTheChunkIsWritten(Engine engine) {
        for (boolean toldOfTheTouch : new boolean[] {false, true}) {
            try (Pipeline p = new Pipeline(engine, dir.resolve(toldOfTheTouch ? "told" : "not-told"),
                    TestClock.at("2026-11-20T00:00:00Z"))) {
                SegmentScenarioTest.track(p, "u1", "export", "{}");
                SegmentScenarioTest.track(p, "u2", "export", "{}");
                SegmentScenarioTest.track(p, "u2", "export", "{}");
                String id = p.segments().create(WS, SegmentScenarioTest.json("""
                        {"name":"exporters","condition":{"event":"export","count":{"op":"gte","value":2}}}""")).id();
                SegmentIndex idx = p.segments().indexes().of(WS);
                long now = p.clock().millis();
                ComputedChunk chunk = p.store().db().read(c -> ComputedChunk.read(c, WS, idx, "", 100,
                        ComputedChunk.FROM_STORE, now));

                // u1's second export is processed between the chunk's read and its write (the computation itself is
                // not run: settle() would run it)
                p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"export\",\"timestamp\":\""
                        + p.clock().instant() + "\"}");
                p.process();
                String u1 = p.people().byUserId(WS, "u1").orElseThrow().id();
                List<String> written = p.store().db().inTransaction(c -> chunk.write(c,
                        person -> toldOfTheTouch && person.equals(u1), false, now, ps -> 0));

                assertThat(written).hasSize(2);
                assertThat(p.segments().count(WS, id)).isEqualTo(toldOfTheTouch ? 2 : 1);
                if (toldOfTheTouch) assertThat(SegmentScenarioTest.segmentsOf(p, "u1")).containsExactly("exporters");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void scanningTheWholeHistoryTalliesExactlyWhatReadingEachPersonsHistoryDoes(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-01T00:00:00Z"))) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(5);
            for (int i = 0; i < 60; i++) {
                String event = random.nextBoolean() ? "purchase" : "export";
                p.send(CallKind.TRACK, "{\"userId\":\"u" + random.nextInt(12) + "\",\"event\":\"" + event
                        + "\",\"properties\":{\"amount\":" + random.nextInt(100) + ",\"format\":\""
                        + (random.nextBoolean() ? "csv" : "pdf") + "\"},\"timestamp\":\""
                        + p.clock().instant().minus(java.time.Duration.ofDays(random.nextInt(40))) + "\"}");
            }
            p.process();
            p.segments().create(WS, SegmentScenarioTest.json("""
                    {"name":"s","condition":{"or":[
                      {"event":"purchase","aggregate":{"fn":"sum","property":"amount","op":"gte","value":100},"within":"P30D"},
                      {"event":"export","count":{"op":"gte","value":2},"within":"P7D","where":[{"property":"format","op":"eq","value":"csv"}]},
                      {"event":"export","last":{"op":"after","value":"P3D"}},
                      {"event":"purchase","between":["2026-10-10T00:00:00Z","2026-10-20T00:00:00Z"]}]}}"""));
            SegmentIndex idx = p.segments().indexes().of(WS);
            long now = p.clock().millis();
            List<String> ids = p.store().db().read(c -> io.herald.store.Sql.query(c, "SELECT id FROM persons ORDER BY id",
                    rs -> rs.getString(1)));
            java.util.Map<String, String> byFill = new java.util.HashMap<>();
            java.util.Map<String, String> byScan = new java.util.HashMap<>();
            p.store().db().read(c -> {
                List<PersonSegments> read = new java.util.ArrayList<>();
                List<PersonSegments> scanned = new java.util.ArrayList<>();
                for (String id : ids) {
                    read.add(PersonSegments.fresh(id, WS, 0));
                    scanned.add(PersonSegments.fresh(id, WS, 0));
                }
                History.fill(c, WS, read, new java.util.ArrayList<>(idx.tallies.values()), now);
                History.scan(c, WS, idx.tallies.values(), 0, now, 1_000).fill(scanned);
                for (PersonSegments ps : read) byFill.put(ps.personId, ps.stateJson(idx, now));
                for (PersonSegments ps : scanned) byScan.put(ps.personId, ps.stateJson(idx, now));
                return null;
            });
            assertThat(byScan).isEqualTo(byFill);
            assertThat(byFill.values()).anyMatch(json -> json.contains("\"e\"")); // windows held entries
            History.Scanned tooMany = p.store().db().read(c -> History.scan(c, WS, idx.tallies.values(), 0, now, 5));
            assertThat(tooMany).as("more events than the limit").isNull();
        }
    }
}
