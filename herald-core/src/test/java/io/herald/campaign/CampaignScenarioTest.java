package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The journeys product teams build, run end to end by the person processor on a test clock. */
class CampaignScenarioTest {
    static final String WS = Pipeline.WORKSPACE;

    @TempDir
    Path dir;

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    static String launch(Pipeline p, String campaign) {
        String id = p.campaigns().create(WS, json(campaign)).id();
        p.campaigns().activate(WS, id);
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

    static void advance(Pipeline p, Duration d) {
        p.clock().advance(d);
        p.settle();
    }

    /** The person's deliveries as "channel:step@minutes since t0". */
    static List<String> sent(Pipeline p, String userId) {
        return p.store().db().read(c -> Sql.query(c, "SELECT d.channel, d.step FROM deliveries d JOIN identities i "
                + "ON i.person_id = d.person_id AND i.kind = 'user' WHERE i.value = ? ORDER BY d.created_at, d.id",
                rs -> rs.getString(1) + ":" + rs.getString(2), userId));
    }

    static Campaigns.RunView run(Pipeline p, String campaignId, String userId) {
        var runs = p.campaigns().runs(WS, campaignId, userId, 10, null).data();
        assertThat(runs).hasSize(1);
        return runs.get(0);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void tipThirtyMinutesAfterAnAbandonedSetupStepIsCancelledWhenTheStepIsFinished(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String id = launch(p, """
                    {"name":"setup tip","trigger":{"event":"setup_started"},"entry":{"reentry":"always"},"start":"wait",
                     "steps":{"wait":{"type":"wait_until","event":"setup_finished","timeout":"PT30M","next":"done","onTimeout":"tip"},
                              "tip":{"type":"message","channel":"in_app","message":{"title":"Need a hand?"},"next":"done"},
                              "done":{"type":"exit"}}}""");
            track(p, "quitter", "setup_started", "{}");
            track(p, "finisher", "setup_started", "{}");
            advance(p, Duration.ofMinutes(10));
            track(p, "finisher", "setup_finished", "{}");
            advance(p, Duration.ofMinutes(19));
            assertThat(sent(p, "quitter")).isEmpty();
            advance(p, Duration.ofMinutes(1));
            assertThat(sent(p, "quitter")).containsExactly("in_app:tip");
            assertThat(sent(p, "finisher")).isEmpty();
            assertThat(run(p, id, "finisher").path()).extracting(Campaigns.PathEntry::outcome)
                    .containsExactly("entered", "waiting", "done", "exit");
            assertThat(run(p, id, "quitter").path()).extracting(Campaigns.PathEntry::detail)
                    .contains("timed out");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void upgradePromptAtTheUsageLimitFallsBackToEmailAndStopsOnceTheyUpgrade(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String id = launch(p, """
                    {"name":"Usage-limit upgrade prompt",
                     "trigger":{"event":"limit_reached","where":[{"property":"resource","op":"eq","value":"contacts"}]},
                     "audience":{"attribute":"plan","op":"eq","value":"free"},
                     "entry":{"reentry":"after","after":"P7D"},
                     "exitWhen":{"event":"upgraded"},
                     "goal":{"event":"upgraded","within":"P3D"},
                     "start":"s1",
                     "steps":{
                       "s1":{"type":"message","channel":"in_app","message":{"title":"You hit the limit"},"next":"s2"},
                       "s2":{"type":"wait_until","event":"upgraded","timeout":"P1D","next":"done","onTimeout":"s3"},
                       "s3":{"type":"branch","condition":{"device":{"pushEnabled":true}},"yes":"s4","no":"s5"},
                       "s4":{"type":"message","channel":"push","message":{"title":"Upgrade?"},"next":"done"},
                       "s5":{"type":"message","channel":"email","message":{"subject":"Upgrade?"},"next":"done"},
                       "done":{"type":"exit"}}}""");
            identify(p, "free-no-push", "{\"plan\":\"free\"}");
            identify(p, "free-upgrader", "{\"plan\":\"free\"}");
            identify(p, "pro", "{\"plan\":\"pro\"}");
            track(p, "free-no-push", "limit_reached", "{\"resource\":\"contacts\"}");
            track(p, "free-upgrader", "limit_reached", "{\"resource\":\"seats\"}");
            track(p, "free-upgrader", "limit_reached", "{\"resource\":\"contacts\"}");
            track(p, "pro", "limit_reached", "{\"resource\":\"contacts\"}");
            assertThat(sent(p, "pro")).as("not in the audience").isEmpty();
            advance(p, Duration.ofHours(2));
            track(p, "free-upgrader", "upgraded", "{}");
            advance(p, Duration.ofDays(1));
            assertThat(sent(p, "free-no-push")).containsExactly("in_app:s1", "email:s5");
            assertThat(sent(p, "free-upgrader")).containsExactly("in_app:s1");
            Campaigns.RunView upgrader = run(p, id, "free-upgrader");
            assertThat(upgrader.convertedAt()).isNotNull();
            assertThat(upgrader.status()).isEqualTo("exited");
            Long credited = p.store().db().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE run_id = ? "
                    + "AND converted_at IS NOT NULL", rs -> rs.getLong(1), upgrader.id()).orElse(0L));
            assertThat(credited).as("the last delivery is credited").isEqualTo(1);

            // re-entry only after 7 days
            track(p, "free-no-push", "limit_reached", "{\"resource\":\"contacts\"}");
            assertThat(sent(p, "free-no-push")).hasSize(2);
            advance(p, Duration.ofDays(6));
            track(p, "free-no-push", "limit_reached", "{\"resource\":\"contacts\"}");
            assertThat(sent(p, "free-no-push")).hasSize(3);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void reEngagementPushAfterSevenInactiveDaysFallsBackToEmailWhenPushIsOff(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-01T08:00:00Z"))) {
            String inactive = p.segments().create(WS, json("""
                    {"name":"inactive 7d","condition":{"and":[{"event":"login"},{"not":{"event":"login","within":"P7D"}}]}}""")).id();
            p.settle();
            launch(p, "{\"name\":\"re-engage\",\"trigger\":{\"segmentEntered\":\"" + inactive + "\"},\"entry\":{\"reentry\":\"always\"},"
                    + "\"start\":\"b\",\"steps\":{\"b\":{\"type\":\"branch\",\"condition\":{\"device\":{\"pushEnabled\":true}},"
                    + "\"yes\":\"push\",\"no\":\"mail\"},"
                    + "\"push\":{\"type\":\"message\",\"channel\":\"push\",\"message\":{\"title\":\"We miss you\"},\"next\":\"end\"},"
                    + "\"mail\":{\"type\":\"message\",\"channel\":\"email\",\"message\":{\"subject\":\"We miss you\"},\"next\":\"end\"},"
                    + "\"end\":{\"type\":\"exit\"}}}");
            p.send(CallKind.DEVICE_REGISTER, "{\"userId\":\"phone\",\"token\":\"t1\",\"platform\":\"ios\",\"provider\":\"apns\"}");
            track(p, "phone", "login", "{}");
            track(p, "laptop", "login", "{}");
            p.clock().set(Instant.parse("2026-11-08T07:59:00Z"));
            p.settle();
            assertThat(sent(p, "phone")).isEmpty();
            p.clock().set(Instant.parse("2026-11-08T08:00:00Z"));
            p.settle();
            assertThat(sent(p, "phone")).containsExactly("push:push");
            assertThat(sent(p, "laptop")).containsExactly("email:mail");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void birthdayMessageAtNineLocalTimeInThreeTimezones(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            launch(p, """
                    {"name":"birthday","trigger":{"date":{"attribute":"birthday","at":"09:00","annual":true}},
                     "entry":{"reentry":"always"},"start":"m",
                     "steps":{"m":{"type":"message","channel":"push","message":{"title":"Happy birthday"},"next":"x"},
                              "x":{"type":"exit"}}}""");
            identify(p, "tokyo", "{\"birthday\":\"1990-11-22\",\"timezone\":\"Asia/Tokyo\"}");
            identify(p, "lisbon", "{\"birthday\":\"1985-11-22\",\"timezone\":\"Europe/Lisbon\"}");
            identify(p, "nyc", "{\"birthday\":\"2000-11-22\",\"timezone\":\"America/New_York\"}");
            p.clock().set(Instant.parse("2026-11-22T00:00:00Z")); // 09:00 in Tokyo
            p.settle();
            assertThat(sent(p, "tokyo")).containsExactly("push:m");
            assertThat(sent(p, "lisbon")).isEmpty();
            p.clock().set(Instant.parse("2026-11-22T09:00:00Z")); // 09:00 in Lisbon
            p.settle();
            assertThat(sent(p, "lisbon")).containsExactly("push:m");
            assertThat(sent(p, "nyc")).isEmpty();
            p.clock().set(Instant.parse("2026-11-22T14:00:00Z")); // 09:00 in New York
            p.settle();
            assertThat(sent(p, "nyc")).containsExactly("push:m");
            p.clock().set(Instant.parse("2027-11-22T00:00:00Z")); // a year on
            p.settle();
            assertThat(sent(p, "tokyo")).hasSize(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void abSplitWithHoldoutIsDeterministicAndNeverMessagesTheHoldout(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String id = launch(p, """
                    {"name":"ab","trigger":{"event":"signed_up"},"start":"split","goal":{"event":"activated","within":"P7D"},
                     "steps":{"split":{"type":"split","paths":[{"weight":45,"next":"a"},{"weight":45,"next":"b"}],"holdout":10},
                              "a":{"type":"message","channel":"in_app","message":{"title":"A"},"next":"x"},
                              "b":{"type":"message","channel":"in_app","message":{"title":"B"},"next":"x"},
                              "x":{"type":"exit"}}}""");
            for (int i = 0; i < 200; i++) p.send(CallKind.TRACK, "{\"userId\":\"u" + i + "\",\"event\":\"signed_up\"}");
            p.settle();
            var runs = p.campaigns().runs(WS, id, null, 1000, null).data();
            assertThat(runs).hasSize(200);
            long holdout = runs.stream().filter(Campaigns.RunView::holdout).count();
            long a = runs.stream().filter(r -> Integer.valueOf(0).equals(r.variant())).count();
            assertThat(holdout).isBetween(8L, 35L);
            assertThat(a).isBetween(60L, 120L);
            for (var r : runs) {
                List<String> s = sent(p, r.userId());
                if (r.holdout()) assertThat(s).isEmpty();
                else assertThat(s).containsExactly("in_app:" + (r.variant() == 0 ? "a" : "b"));
                assertThat(Runner.bucket(id, r.personId()) < 10).isEqualTo(r.holdout());
            }
            // holdout people still convert, for lift
            var held = runs.stream().filter(Campaigns.RunView::holdout).findFirst().orElseThrow();
            track(p, held.userId(), "activated", "{}");
            assertThat(run(p, id, held.userId()).convertedAt()).isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void pausingHoldsRunsAtTheirStepAndActivatingResumesThem(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String id = launch(p, """
                    {"name":"survey","trigger":{"event":"launch_succeeded"},"start":"wait",
                     "steps":{"wait":{"type":"delay","duration":"PT1H","next":"survey"},
                              "survey":{"type":"message","channel":"in_app","message":{"title":"How did it go?"},"next":"x"},
                              "x":{"type":"exit"}}}""");
            track(p, "u1", "launch_succeeded", "{}");
            p.campaigns().pause(WS, id);
            advance(p, Duration.ofHours(2));
            assertThat(sent(p, "u1")).isEmpty();
            assertThat(run(p, id, "u1").status()).isEqualTo("held");
            p.campaigns().activate(WS, id);
            p.settle();
            assertThat(sent(p, "u1")).containsExactly("in_app:survey");
            assertThat(run(p, id, "u1").status()).isEqualTo("completed");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void editingAnActiveCampaignMakesANewVersionWhileRunningPeopleFinishOnTheirs(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String v1 = """
                    {"name":"walkthrough","trigger":{"event":"feature_used","where":[{"property":"feature","op":"eq","value":"advanced"}]},
                     "start":"d","steps":{"d":{"type":"delay","duration":"PT5M","next":"m"},
                     "m":{"type":"message","channel":"in_app","message":{"title":"v1"},"next":"x"},"x":{"type":"exit"}}}""";
            String id = launch(p, v1);
            track(p, "early", "feature_used", "{\"feature\":\"advanced\"}");
            // v2 sends at once, without the delay
            p.campaigns().update(WS, id, json(v1.replace("\"v1\"", "\"v2\"").replace("\"start\":\"d\"", "\"start\":\"m\"")
                    .replace("\"d\":{\"type\":\"delay\",\"duration\":\"PT5M\",\"next\":\"m\"},", "")));
            track(p, "late", "feature_used", "{\"feature\":\"advanced\"}");
            track(p, "late", "feature_used", "{\"feature\":\"advanced\"}"); // once only
            advance(p, Duration.ofMinutes(5));
            assertThat(run(p, id, "early").version()).isEqualTo(1);
            assertThat(run(p, id, "late").version()).isEqualTo(2);
            String title = p.store().db().read(c -> Sql.queryOne(c, "SELECT message FROM deliveries WHERE run_id = ?",
                    rs -> json(rs.getString(1)).path("title").asText(), run(p, id, "early").id()).orElseThrow());
            assertThat(title).isEqualTo("v1");
            assertThat(sent(p, "late")).containsExactly("in_app:m");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignAndSegmentCreatedUnderChosenIdsRunUnderThemAndTheIdsStayUnique(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            p.segments().create(WS, "seg_pro", json("{\"name\":\"pro\",\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"pro\"}}"));
            p.settle();
            String campaign = """
                    {"name":"pro welcome","trigger":{"segmentEntered":"seg_pro"},"start":"m",
                     "steps":{"m":{"type":"message","channel":"in_app","message":{"title":"Welcome to Pro"},"next":"x"},
                              "x":{"type":"exit"}}}""";
            assertThat(p.campaigns().create(WS, "cmp_pro_welcome", json(campaign)).id()).isEqualTo("cmp_pro_welcome");
            p.campaigns().activate(WS, "cmp_pro_welcome");
            identify(p, "u1", "{\"plan\":\"pro\"}");
            assertThat(sent(p, "u1")).containsExactly("in_app:m");
            assertThat(run(p, "cmp_pro_welcome", "u1").campaignId()).isEqualTo("cmp_pro_welcome");

            var again = org.assertj.core.api.Assertions.catchThrowableOfType(io.herald.error.ClientError.class,
                    () -> p.campaigns().create("ws_other", "cmp_pro_welcome", json(campaign)));
            assertThat(again.status()).as("campaign ids are unique across workspaces").isEqualTo(409);
            var segmentAgain = org.assertj.core.api.Assertions.catchThrowableOfType(io.herald.error.ClientError.class,
                    () -> p.segments().create(WS, "seg_pro", json("{\"name\":\"x\",\"condition\":{\"event\":\"e\"}}")));
            assertThat(segmentAgain.status()).isEqualTo(409);
            assertThat(segmentAgain.field()).isEqualTo("id");
            var badId = org.assertj.core.api.Assertions.catchThrowableOfType(io.herald.error.ClientError.class,
                    () -> p.campaigns().create(WS, "not an id", json(campaign)));
            assertThat(badId.field()).isEqualTo("id");
        }
    }
}
