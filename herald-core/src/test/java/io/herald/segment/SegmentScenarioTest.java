package io.herald.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Segment membership kept by the person processor, one scenario per condition kind, on a test clock. */
class SegmentScenarioTest {
    private static final String WS = Pipeline.WORKSPACE;

    @TempDir
    Path dir;

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    static String segment(Pipeline p, String name, String condition) {
        String id = p.segments().create(WS, json("{\"name\":\"" + name + "\",\"condition\":" + condition + "}")).id();
        p.settle();
        return id;
    }

    static void track(Pipeline p, String userId, String event, String props) {
        p.send(CallKind.TRACK, "{\"userId\":\"" + userId + "\",\"event\":\"" + event + "\",\"properties\":" + props
                + ",\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
    }

    static void identify(Pipeline p, String userId, String traits) {
        p.send(CallKind.IDENTIFY, "{\"userId\":\"" + userId + "\",\"traits\":" + traits + ",\"timestamp\":\""
                + p.clock().instant() + "\"}");
        p.settle();
    }

    static List<String> segmentsOf(Pipeline p, String userId) {
        var person = p.people().byUserId(WS, userId).orElseThrow();
        return p.segments().ofPerson(WS, person.id()).stream().map(Segments.Membership::name).toList();
    }

    static List<String> announcements(Pipeline p, String userId) {
        return p.people().events(WS, userId, 1000, null).data().stream()
                .filter(e -> e.event() != null && e.event().startsWith("segment."))
                .map(e -> e.event() + ":" + e.properties().path("segmentName").asText()).toList().reversed();
    }

    static void advance(Pipeline p, Duration d) {
        p.clock().advance(d);
        p.settle();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personEntersAndExitsAnAttributeSegmentAsTraitsChange(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            segment(p, "trial", "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}");
            identify(p, "u1", "{\"plan\":\"trial\"}");
            assertThat(segmentsOf(p, "u1")).containsExactly("trial");
            identify(p, "u1", "{\"plan\":\"pro\"}");
            assertThat(segmentsOf(p, "u1")).isEmpty();
            assertThat(announcements(p, "u1")).containsExactly("segment.entered:trial", "segment.exited:trial");
        }
    }

    /**
     * Regression: gt/lt between a date written as ISO-8601 and one written as an epoch number failed as "a number
     * against a word", though the docs make numbers dates too ("both dates → as instants").
     */
    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void isoDateAttributeComparedWithAnEpochNumberComparesAsInstants(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            // 1793491200 s = 2026-11-01T00:00:00Z
            segment(p, "signed up in november", "{\"attribute\":\"signed_up_at\",\"op\":\"gte\",\"value\":1793491200}");
            segment(p, "trial ends before december", """
                    {"attribute":"trial_ends_at","op":"lt","value":"2026-12-01T00:00:00Z"}""");
            identify(p, "nov", "{\"signed_up_at\":\"2026-11-01T00:00:00Z\",\"trial_ends_at\":1795996799000}");
            identify(p, "oct", "{\"signed_up_at\":\"2026-10-31T23:59:59Z\",\"trial_ends_at\":1796083200}");
            assertThat(segmentsOf(p, "nov")).containsExactlyInAnyOrder("signed up in november", "trial ends before december");
            assertThat(segmentsOf(p, "oct")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personEntersSegmentWhenThirdExportHappensWithinSevenDaysAndExitsWhenTheOldestLeaves(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-01T10:00:00Z"))) {
            segment(p, "power exporters", """
                    {"event":"export_clicked","count":{"op":"gte","value":3},"within":"P7D",
                     "where":[{"property":"format","op":"eq","value":"csv"}]}""");
            track(p, "u1", "export_clicked", "{\"format\":\"csv\"}");            // day 0
            advance(p, Duration.ofDays(2));
            track(p, "u1", "export_clicked", "{\"format\":\"pdf\"}");            // filtered out
            track(p, "u1", "export_clicked", "{\"format\":\"csv\"}");            // day 2
            assertThat(segmentsOf(p, "u1")).isEmpty();
            advance(p, Duration.ofDays(1));
            track(p, "u1", "export_clicked", "{\"format\":\"csv\"}");            // day 3: third in 7 days
            assertThat(segmentsOf(p, "u1")).containsExactly("power exporters");

            // The first export (day 0, 10:00) leaves the window at day 7, 10:00 exactly.
            p.clock().set(Instant.parse("2026-11-08T09:59:59.999Z"));
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactly("power exporters");
            p.clock().set(Instant.parse("2026-11-08T10:00:00Z"));
            p.settle();
            assertThat(segmentsOf(p, "u1")).isEmpty();
            assertThat(announcements(p, "u1")).containsExactly("segment.entered:power exporters",
                    "segment.exited:power exporters");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void noLoginInSevenDaysEntersExactlyWhenTheSeventhDayPasses(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-01T08:00:00Z"))) {
            segment(p, "lapsed", "{\"event\":\"login\",\"last\":{\"op\":\"before\",\"value\":\"P7D\"}}");
            segment(p, "inactive", "{\"not\":{\"event\":\"login\",\"within\":\"P7D\"}}");
            track(p, "u1", "login", "{}");
            assertThat(segmentsOf(p, "u1")).isEmpty();
            p.clock().set(Instant.parse("2026-11-08T07:59:59.999Z"));
            p.settle();
            assertThat(segmentsOf(p, "u1")).isEmpty();
            p.clock().set(Instant.parse("2026-11-08T08:00:00Z"));
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactly("inactive");
            p.clock().set(Instant.parse("2026-11-08T08:00:00.001Z"));
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("inactive", "lapsed");
            track(p, "u1", "login", "{}");
            assertThat(segmentsOf(p, "u1")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void backfilledEventsCountByTheirOwnTimestamp(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            segment(p, "recent buyer", "{\"event\":\"purchase\",\"within\":\"P30D\"}");
            p.send(CallKind.TRACK, """
                    {"userId":"old","event":"purchase","timestamp":"2026-09-01T00:00:00Z"}""");
            p.send(CallKind.TRACK, """
                    {"userId":"recent","event":"purchase","timestamp":"2026-11-20T00:00:00Z"}""");
            p.settle();
            assertThat(segmentsOf(p, "old")).isEmpty();
            assertThat(segmentsOf(p, "recent")).containsExactly("recent buyer");
            p.clock().set(Instant.parse("2026-12-20T00:00:00Z"));
            p.settle();
            assertThat(segmentsOf(p, "recent")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void spendTierFollowsTheSumOfPurchasesInTheWindow(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-01T00:00:00Z"))) {
            segment(p, "big spender", """
                    {"event":"purchase","aggregate":{"fn":"sum","property":"amount","op":"gte","value":100},"within":"P90D"}""");
            segment(p, "big basket", """
                    {"event":"purchase","aggregate":{"fn":"max","property":"amount","op":"gt","value":70}}""");
            track(p, "u1", "purchase", "{\"amount\":60}");
            assertThat(segmentsOf(p, "u1")).isEmpty();
            advance(p, Duration.ofDays(10));
            track(p, "u1", "purchase", "{\"amount\":\"45.5\"}");
            assertThat(segmentsOf(p, "u1")).containsExactly("big spender");
            track(p, "u1", "purchase", "{\"amount\":75}");
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("big spender", "big basket");
            p.clock().set(Instant.parse("2026-11-01T00:00:00Z").plus(Duration.ofDays(101)));
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactly("big basket");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aNewSegmentIsComputedOverExistingPeopleThenKeptCurrentWithoutDoubleCounting(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            for (int i = 0; i < 30; i++) {
                for (int k = 0; k <= i % 3; k++) track(p, "u" + i, "export", "{}");
            }
            identify(p, "u0", "{\"plan\":\"pro\"}");
            String id = p.segments().create(WS, json("""
                    {"name":"exporters","condition":{"event":"export","count":{"op":"gte","value":2}}}""")).id();
            assertThat(p.segments().get(WS, id).status()).isEqualTo("computing");
            p.settle();
            Segments.Segment s = p.segments().get(WS, id);
            assertThat(s.status()).isEqualTo("ready");
            assertThat(s.peopleDone()).isEqualTo(30);
            assertThat(p.segments().count(WS, id)).isEqualTo(20); // i % 3 in {1, 2}
            assertThat(announcements(p, "u1")).as("initial membership is not news").isEmpty();

            // u0 had one export: the second enters them (once, not counted twice from history and live)
            track(p, "u0", "export", "{}");
            assertThat(segmentsOf(p, "u0")).containsExactly("exporters");
            assertThat(announcements(p, "u0")).containsExactly("segment.entered:exporters");
            assertThat(p.segments().count(WS, id)).isEqualTo(21);

            // a person created after the segment is fully live
            track(p, "newcomer", "export", "{}");
            assertThat(segmentsOf(p, "newcomer")).isEmpty();
            track(p, "newcomer", "export", "{}");
            assertThat(segmentsOf(p, "newcomer")).containsExactly("exporters");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void editingTheConditionRecomputesMembership(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            identify(p, "a", "{\"plan\":\"trial\",\"seats\":3}");
            identify(p, "b", "{\"plan\":\"pro\",\"seats\":30}");
            String id = segment(p, "s", "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}");
            assertThat(segmentsOf(p, "a")).containsExactly("s");
            p.segments().update(WS, id, json("{\"condition\":{\"attribute\":\"seats\",\"op\":\"gte\",\"value\":10}}"));
            p.settle();
            assertThat(segmentsOf(p, "a")).isEmpty();
            assertThat(segmentsOf(p, "b")).containsExactly("s");
            identify(p, "a", "{\"seats\":12}");
            assertThat(segmentsOf(p, "a")).containsExactly("s");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anonymousVisitorsMembershipCarriesOverWhenTheyIdentify(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            segment(p, "pricing viewers", "{\"event\":\"pricing_viewed\",\"count\":{\"op\":\"gte\",\"value\":2}}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"anon-1\",\"event\":\"pricing_viewed\",\"timestamp\":\"2026-11-20T00:00:00Z\"}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"anon-1\",\"event\":\"pricing_viewed\",\"timestamp\":\"2026-11-20T00:01:00Z\"}");
            p.settle();
            p.send(CallKind.TRACK, "{\"userId\":\"known\",\"event\":\"pricing_viewed\",\"timestamp\":\"2026-11-19T00:00:00Z\"}");
            p.settle();
            assertThat(segmentsOf(p, "known")).isEmpty();
            // the visitor logs in as "known": their two views and the known person's one add up
            p.send(CallKind.IDENTIFY, "{\"userId\":\"known\",\"anonymousId\":\"anon-1\",\"traits\":{},\"timestamp\":\"2026-11-20T00:02:00Z\"}");
            p.settle();
            assertThat(segmentsOf(p, "known")).containsExactly("pricing viewers");
            var person = p.people().byUserId(WS, "known").orElseThrow();
            var members = p.segments().members(WS, p.segments().list(WS, 10, null).data().get(0).id(), 10, null).data();
            assertThat(members).extracting(Segments.Member::personId).containsExactly(person.id());
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void nestedSegmentsDeviceAndSubscriptionConditions(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String ios = segment(p, "ios push", "{\"device\":{\"platform\":\"ios\",\"pushEnabled\":true}}");
            segment(p, "ios trial", "{\"and\":[{\"segment\":\"" + ios + "\"},{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"},"
                    + "{\"subscribed\":{\"channel\":\"push\"}}]}");
            identify(p, "u1", "{\"plan\":\"trial\"}");
            assertThat(segmentsOf(p, "u1")).isEmpty();
            p.send(CallKind.DEVICE_REGISTER, "{\"userId\":\"u1\",\"token\":\"tok-1\",\"platform\":\"ios\",\"provider\":\"apns\"}");
            p.settle();
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("ios push", "ios trial");
            p.send(CallKind.DEVICE_REMOVE, "{\"token\":\"tok-1\"}");
            p.settle();
            assertThat(segmentsOf(p, "u1")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void freshnessTimesEachAnnouncedChangeFromTheEventsReceiptToItsCommit(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            segment(p, "trial", "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}");
            segment(p, "trial again", "{\"attribute\":\"plan\",\"op\":\"in\",\"value\":[\"trial\"]}");
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u1\",\"traits\":{\"plan\":\"trial\"}}");
            p.clock().advance(Duration.ofMillis(250)); // received, then processed a quarter of a second later
            p.settle();
            var freshness = p.meters().get("herald.segment.freshness").timer();
            assertThat(freshness.count()).isEqualTo(2);
            assertThat(freshness.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(250);
            identify(p, "u1", "{\"name\":\"Ann\"}"); // no change of membership: nothing timed
            assertThat(freshness.count()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void previewCountsWithoutSaving(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            for (int i = 0; i < 12; i++) track(p, "u" + i, "signup", "{\"source\":\"" + (i % 2 == 0 ? "ads" : "seo") + "\"}");
            Previews.Result r = p.segments().preview(WS, json("""
                    {"condition":{"event":"signup","where":[{"property":"source","op":"eq","value":"ads"}]}}"""));
            assertThat(r.count()).isEqualTo(6);
            assertThat(r.complete()).isTrue();
            assertThat(r.sample()).hasSize(6).allMatch(u -> Integer.parseInt(u.substring(1)) % 2 == 0);
            assertThat(p.segments().list(WS, 10, null).data()).isEmpty();
        }
    }

}
