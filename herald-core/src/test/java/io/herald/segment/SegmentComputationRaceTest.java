package io.herald.segment;

import static io.herald.segment.SegmentScenarioTest.announcements;
import static io.herald.segment.SegmentScenarioTest.identify;
import static io.herald.segment.SegmentScenarioTest.json;
import static io.herald.segment.SegmentScenarioTest.segment;
import static io.herald.segment.SegmentScenarioTest.segmentsOf;
import static io.herald.segment.SegmentScenarioTest.track;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Events processed for a person while the background computation of a new segment has yet to reach them: the
 * segments they were already computed for stay live. The cases share a tally (same event and filters) between an
 * older segment and a new one that looks further back, which the computation rebuilds from history.
 */
class SegmentComputationRaceTest {
    private static final String WS = Pipeline.WORKSPACE;

    @TempDir
    Path dir;

    /**
     * Regression: a new segment looking further back at an older one's events makes their shared tally one the
     * computation rebuilds from history; the processor skipped feeding it until then, so the older segment missed
     * the event live, and the computation (which re-evaluates only new and time-dependent segments) left it stale.
     */
    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anOlderSegmentStaysLiveWhileANewOneSharingItsTallyIsComputed(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            segment(p, "exporters", "{\"event\":\"export\"}");
            identify(p, "u1", "{}");
            p.segments().create(WS, json("""
                    {"name":"recent exporters","condition":{"event":"export","within":"P7D"}}"""));
            // the export is processed before the computation of the new segment reaches u1
            p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"export\",\"timestamp\":\"2026-11-20T00:00:00Z\"}");
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("exporters", "recent exporters");
            assertThat(announcements(p, "u1")).as("u1 was live in exporters: entering it is news")
                    .containsExactly("segment.entered:exporters");
        }
    }

    /** Regression: the same, when a visitor merges into the person before the computation reaches them. */
    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aMergeWhileANewSegmentSharingATallyIsComputedKeepsTheOlderSegment(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            segment(p, "exporters", "{\"event\":\"export\"}");
            track(p, "u1", "export", "{}");
            p.segments().create(WS, json("""
                    {"name":"recent exporters","condition":{"event":"export","within":"P7D"}}"""));
            p.send(CallKind.TRACK, "{\"anonymousId\":\"anon-1\",\"event\":\"pricing_viewed\",\"timestamp\":\"2026-11-20T00:00:00Z\"}");
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u1\",\"anonymousId\":\"anon-1\",\"traits\":{},\"timestamp\":\"2026-11-20T00:00:00Z\"}");
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("exporters", "recent exporters");
            assertThat(announcements(p, "u1")).as("no exit and re-entry").containsExactly("segment.entered:exporters");
        }
    }
}
