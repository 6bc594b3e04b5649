package io.herald.campaign;

import static io.herald.campaign.CampaignScenarioTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import io.herald.ingest.CallKind;
import io.herald.policy.Decision;
import io.herald.policy.Gate;
import io.herald.policy.GateRequest;
import io.herald.policy.QuietHoursAction;
import io.herald.policy.Settings;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A campaign's {@code policies.quietHours}: true or false (follow the workspace's quiet hours or not), or "defer" /
 * "skip" (follow them, with the campaign's own action), carried on each delivery to the policy gate.
 */
class CampaignQuietHoursPolicyTest {
    @TempDir
    Path dir;

    private static String campaign(String quietHours) {
        return "{\"name\":\"n\",\"trigger\":{\"event\":\"e\"},\"policies\":{\"quietHours\":" + quietHours + "},"
                + "\"start\":\"s1\",\"steps\":{\"s1\":{\"type\":\"message\",\"channel\":\"push\",\"message\":{\"title\":\"t\","
                + "\"body\":\"b\"},\"next\":\"done\"},\"done\":{\"type\":\"exit\"}}}";
    }

    @Test
    void quietHoursTakesABooleanOrTheCampaignsOwnAction() {
        assertThat(JourneyParser.parse(json(campaign("true"))).policies()).isEqualTo(new Journey.Policies(true, true, 50));
        assertThat(JourneyParser.parse(json(campaign("false"))).policies()).isEqualTo(new Journey.Policies(false, true, 50));
        assertThat(JourneyParser.parse(json(campaign("\"defer\""))).policies())
                .isEqualTo(new Journey.Policies(true, true, 50, "defer"));
        assertThat(JourneyParser.parse(json(campaign("\"skip\""))).policies())
                .isEqualTo(new Journey.Policies(true, true, 50, "skip"));
        for (String bad : new String[] {"\"never\"", "1", "null", "{}", "\"SKIP\""}) {
            Throwable t = catchThrowable(() -> JourneyParser.parse(json(campaign(bad))));
            assertThat(t).as(bad).isInstanceOf(ClientError.class);
            assertThat(((ClientError) t).field()).isEqualTo("policies.quietHours");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignsActionReachesTheGateThroughTheDelivery(Engine engine) {
        // 23:30Z: 00:30 in Berlin, the person's zone as their app reported it in the context of a call.
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T23:30:00Z"))) {
            Settings settings = new Settings(p.store().db(), p.clock());
            settings.putPolicies(Pipeline.WORKSPACE, json("{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\","
                    + "\"action\":\"defer\"}}"));
            String skipping = CampaignScenarioTest.launch(p, campaign("\"skip\"").replace("\"e\"", "\"e1\""));
            String following = CampaignScenarioTest.launch(p, campaign("true").replace("\"e\"", "\"e2\""));
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u1\",\"traits\":{},\"context\":{\"timezone\":\"Europe/Berlin\"},"
                    + "\"timestamp\":\"" + p.clock().instant() + "\"}");
            CampaignScenarioTest.track(p, "u1", "e1", "{}");
            CampaignScenarioTest.track(p, "u1", "e2", "{}");
            Gate gate = new Gate(settings);

            GateRequest skip = requestFor(p, skipping);
            assertThat(skip.quietHoursAction()).isEqualTo(QuietHoursAction.SKIP);
            Decision skipped = p.store().db().inTransaction(c -> gate.check(c, skip));
            assertThat(skipped).isEqualTo(new Decision.Suppress("quiet_hours"));

            GateRequest follow = requestFor(p, following);
            assertThat(follow.quietHoursAction()).isNull();
            Decision deferred = p.store().db().inTransaction(c -> gate.check(c, follow));
            assertThat(deferred).isEqualTo(new Decision.Defer(Instant.parse("2026-11-23T07:00:00Z").toEpochMilli(), "quiet_hours"));
        }
    }

    /** The request a dispatcher builds from the campaign's delivery row and its context. */
    private static GateRequest requestFor(Pipeline p, String campaignId) {
        Object[] row = p.store().db().read(c -> Sql.queryOne(c, "SELECT id, person_id, channel, context, priority "
                + "FROM deliveries WHERE campaign_id = ?", rs -> new Object[] {rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), rs.getInt(5)}, campaignId)).orElseThrow();
        JsonNode context = json((String) row[3]);
        JsonNode policies = context.path("policies");
        assertThat(policies.path("quietHours").isBoolean()).as("quietHours stays a boolean in the context").isTrue();
        return new GateRequest(Pipeline.WORKSPACE, (String) row[1], (String) row[0], (String) row[2], null, false,
                campaignId, policies.path("quietHours").booleanValue(), policies.path("frequencyCap").booleanValue(),
                (Integer) row[4], null, p.clock().millis()).withQuietHoursAction(GateRequest.quietHoursActionOf(context));
    }
}
