package io.herald.campaign;

import static io.herald.campaign.CampaignScenarioTest.advance;
import static io.herald.campaign.CampaignScenarioTest.identify;
import static io.herald.campaign.CampaignScenarioTest.json;
import static io.herald.campaign.CampaignScenarioTest.launch;
import static io.herald.campaign.CampaignScenarioTest.sent;
import static io.herald.campaign.CampaignScenarioTest.track;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** More journeys: milestones, contextual guides, update steps, identity merges. */
class JourneyBehaviourTest {
    static final String WS = Pipeline.WORKSPACE;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void celebrationAtTheTenthProjectOnlyOnce(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String milestone = p.segments().create(WS, json("""
                    {"name":"10 projects","condition":{"event":"project_created","count":{"op":"gte","value":10}}}""")).id();
            p.settle();
            launch(p, "{\"name\":\"celebrate\",\"trigger\":{\"segmentEntered\":\"" + milestone + "\"},\"start\":\"m\","
                    + "\"steps\":{\"m\":{\"type\":\"message\",\"channel\":\"in_app\",\"message\":{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"10 projects!\"}]}]},"
                    + "\"next\":\"x\"},\"x\":{\"type\":\"exit\"}}}");
            for (int i = 0; i < 9; i++) track(p, "maker", "project_created", "{}");
            assertThat(sent(p, "maker")).isEmpty();
            track(p, "maker", "project_created", "{}");
            track(p, "maker", "project_created", "{}");
            assertThat(sent(p, "maker")).containsExactly("in_app:m");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aUserWhoSkippedOnboardingAndFailsTheCoreWorkflowTwiceGetsAContextualGuide(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-01T09:00:00Z"))) {
            String struggling = p.segments().create(WS, json("""
                    {"name":"struggling without onboarding","condition":{"and":[
                      {"not":{"event":"onboarding_completed"}},
                      {"event":"workflow_failed","count":{"op":"gte","value":2},"within":"P1D"}]}}""")).id();
            p.settle();
            launch(p, "{\"name\":\"guide\",\"trigger\":{\"segmentEntered\":\"" + struggling + "\"},"
                    + "\"audience\":{\"attribute\":\"signed_up_at\",\"op\":\"before\",\"value\":\"P3D\"},\"start\":\"g\","
                    + "\"steps\":{\"g\":{\"type\":\"message\",\"channel\":\"in_app\",\"message\":{\"format\":\"tooltip\",\"anchor\":\"#export\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Try this\"}]}]},"
                    + "\"next\":\"x\"},\"x\":{\"type\":\"exit\"}}}");
            identify(p, "skipper", "{\"signed_up_at\":\"2026-11-01T09:00:00Z\"}");
            identify(p, "learner", "{\"signed_up_at\":\"2026-11-01T09:00:00Z\"}");
            track(p, "learner", "onboarding_completed", "{}");
            advance(p, Duration.ofDays(3).plusHours(1));
            track(p, "skipper", "workflow_failed", "{}");
            track(p, "learner", "workflow_failed", "{}");
            assertThat(sent(p, "skipper")).isEmpty();
            advance(p, Duration.ofMinutes(5));
            track(p, "skipper", "workflow_failed", "{}");
            track(p, "learner", "workflow_failed", "{}");
            assertThat(sent(p, "skipper")).containsExactly("in_app:g");
            assertThat(sent(p, "learner")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void updateStepSetsAnAttributeFromLiquidThatSegmentsSee(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String tagged = p.segments().create(WS, json("""
                    {"name":"tagged","condition":{"attribute":"last_plan_seen","op":"eq","value":"pro-annual"}}""")).id();
            p.settle();
            launch(p, """
                    {"name":"tagger","trigger":{"event":"pricing_viewed"},"start":"u",
                     "steps":{"u":{"type":"update","set":{"last_plan_seen":"{{ event.properties.plan }}-{{ journey.data.x | default: 'annual' }}"},"next":"x"},
                              "x":{"type":"exit"}}}""");
            track(p, "u1", "pricing_viewed", "{\"plan\":\"pro\"}");
            var person = p.people().byUserId(WS, "u1").orElseThrow();
            assertThat(person.attributes().path("last_plan_seen").asText()).isEqualTo("pro-annual");
            assertThat(p.segments().ofPerson(WS, person.id())).extracting(io.herald.segment.Segments.Membership::id)
                    .containsExactly(tagged);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anAnonymousVisitorsRunCarriesOverWhenTheySignIn(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            visitorSignsInDuringTheNudge(p, "a1", false);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aVisitorsRunMergedIntoAKnownPersonGoesOnAsTheirs(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            // "known" exists already: signing in merges the visitor (and their waiting run) into that person
            visitorSignsInDuringTheNudge(p, "a2", true);

            String known = p.people().byUserId(WS, "known").orElseThrow().id();
            List<String> owners = p.store().db().read(c -> Sql.query(c, "SELECT person_id FROM campaign_runs",
                    rs -> rs.getString(1)));
            assertThat(owners).containsExactly(known);
        }
    }

    /**
     * A visitor starts a nudge (an hour's delay, then an in-app message) and signs in as "known" during the delay: the
     * message reaches "known" and their run completes.
     */
    private static void visitorSignsInDuringTheNudge(Pipeline p, String anonymousId, boolean knownAlready) {
        String id = launch(p, """
                {"name":"nudge","trigger":{"event":"pricing_viewed"},"start":"w",
                 "steps":{"w":{"type":"delay","duration":"PT1H","next":"m"},
                          "m":{"type":"message","channel":"in_app","message":{"format":"modal","steps":[{"blocks":[{"type":"text","text":"Questions?"}]}]},"next":"x"},
                          "x":{"type":"exit"}}}""");
        if (knownAlready) p.send(CallKind.IDENTIFY, "{\"userId\":\"known\",\"traits\":{}}");
        p.send(CallKind.TRACK, "{\"anonymousId\":\"" + anonymousId
                + "\",\"event\":\"pricing_viewed\",\"timestamp\":\"2026-11-20T00:00:00Z\"}");
        p.settle();
        p.send(CallKind.IDENTIFY, "{\"userId\":\"known\",\"anonymousId\":\"" + anonymousId + "\",\"traits\":{}}");
        p.settle();
        advance(p, Duration.ofHours(1));
        assertThat(sent(p, "known")).containsExactly("in_app:m");
        assertThat(p.campaigns().runs(WS, id, "known", 10, null).data()).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo("completed"));
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aStepsWhenConditionSkipsItWithTheReasonOnThePath(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            String id = launch(p, """
                    {"name":"welcome","trigger":{"event":"signed_up"},"start":"push",
                     "steps":{"push":{"type":"message","channel":"push","when":{"device":{"pushEnabled":true}},
                                      "message":{"title":"Hi"},"next":"mail"},
                              "mail":{"type":"message","channel":"email","message":{"subject":"Hi","html":"<p>Hi</p>"},"next":"x"},
                              "x":{"type":"exit"}}}""");
            track(p, "u1", "signed_up", "{}");
            assertThat(sent(p, "u1")).containsExactly("email:mail");
            var path = p.campaigns().runs(WS, id, "u1", 10, null).data().get(0).path();
            assertThat(path).anySatisfy(e -> {
                assertThat(e.step()).isEqualTo("push");
                assertThat(e.outcome()).isEqualTo("skipped");
                assertThat(e.detail()).contains("when condition");
            });
        }
    }
}
