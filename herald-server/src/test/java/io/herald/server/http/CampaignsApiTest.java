package io.herald.server.http;

import static io.herald.server.http.Api.accepted;
import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.allPages;
import static io.herald.server.http.Api.count;
import static io.herald.server.http.Api.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin API's campaigns and a person's campaign history (API.md "Admin API → Campaigns"), on both engines. */
class CampaignsApiTest {
    /** Triggered by the API; greets the person with the trigger's data, waits a day, then ends. */
    static final String WELCOME = """
            {"name":"Welcome","key":"welcome","trigger":{"api":true},"start":"hello",
             "steps":{"hello":{"type":"message","channel":"in_app","message":{"format":"modal","steps":[{"blocks":[{"type":"text","text":"Hi {{ journey.data.plan }}"}]}]},"next":"wait"},
                      "wait":{"type":"delay","duration":"P1D","next":"done"},
                      "done":{"type":"exit"}}}""";
    /** Triggered by an event; its tip step is skipped for people on the free plan. */
    static final String TIPS = """
            {"name":"Tips","trigger":{"event":"signed_up"},"start":"tip",
             "steps":{"tip":{"type":"message","channel":"push","message":{"title":"A tip"},"next":"done",
                             "when":{"attribute":"plan","op":"neq","value":"free"}},
                      "done":{"type":"exit"}}}""";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T12:00:00Z");

    private TestHerald herald(Engine engine) {
        return TestHerald.start(engine, dir, clock);
    }

    private static JsonNode ok(TestHerald.Answer a, int status) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        return a.json();
    }

    private static void refused(TestHerald.Answer a, int status, String code, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.errorCode()).as(a.body()).isEqualTo(code);
        if (field != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(field);
        else assertThat(a.json().path("error").has("field")).as(a.body()).isFalse();
    }

    /** Processing as the background threads would do it: the log, then due timers, until nothing is left. */
    private static void settle(TestHerald h) {
        for (int round = 0; round < 100; round++) {
            int work = h.process() + h.herald().timers().fireDue();
            if (work == 0) return;
        }
        throw new AssertionError("processing did not settle");
    }

    private static String create(TestHerald h, String campaign) {
        return ok(admin(h, "POST", "/api/v1/campaigns", campaign), 201).path("id").asText();
    }

    private static String launch(TestHerald h, String campaign) {
        String id = create(h, campaign);
        ok(admin(h, "POST", "/api/v1/campaigns/" + id + "/activate", null), 200);
        return id;
    }

    private static TestHerald.Answer trigger(TestHerald h, String id, String body) {
        return admin(h, "POST", "/api/v1/campaigns/" + id + "/trigger", body);
    }

    private static List<JsonNode> list(JsonNode page) {
        List<JsonNode> out = new ArrayList<>();
        page.path("data").forEach(out::add);
        return out;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignGoesFromDraftToActiveToPausedToActiveToArchived(Engine engine) {
        try (TestHerald h = herald(engine)) {
            JsonNode draft = ok(admin(h, "POST", "/api/v1/campaigns", WELCOME), 201);
            String id = draft.path("id").asText();
            assertThat(id).startsWith("cmp_");
            assertThat(draft.path("key").asText()).isEqualTo("welcome");
            assertThat(draft.path("name").asText()).isEqualTo("Welcome");
            assertThat(draft.path("status").asText()).isEqualTo("draft");
            assertThat(draft.path("version").asInt()).isEqualTo(1);
            assertThat(draft.path("trigger")).isEqualTo(Api.json("{\"api\":true}"));
            assertThat(draft.path("start").asText()).isEqualTo("hello");
            assertThat(draft.path("steps").fieldNames()).toIterable().containsExactly("hello", "wait", "done");
            assertThat(draft.path("createdAt").asText()).isEqualTo("2026-11-22T12:00:00Z");
            assertThat(draft.path("updatedAt").asText()).isEqualTo("2026-11-22T12:00:00Z");
            assertThat(ok(h.admin("/api/v1/campaigns/" + id), 200)).isEqualTo(draft);
            assertThat(list(ok(h.admin("/api/v1/campaigns"), 200))).containsExactly(draft);

            String path = "/api/v1/campaigns/" + id;
            refused(admin(h, "POST", path + "/pause", null), 409, "invalid_state", null);
            clock.advance(Duration.ofMinutes(1));
            JsonNode active = ok(admin(h, "POST", path + "/activate", null), 200);
            assertThat(active.path("status").asText()).isEqualTo("active");
            assertThat(active.path("updatedAt").asText()).isEqualTo("2026-11-22T12:01:00Z");
            refused(admin(h, "POST", path + "/activate", null), 409, "invalid_state", null);
            assertThat(ok(admin(h, "POST", path + "/pause", null), 200).path("status").asText()).isEqualTo("paused");
            refused(admin(h, "POST", path + "/pause", null), 409, "invalid_state", null);
            assertThat(ok(admin(h, "POST", path + "/activate", null), 200).path("status").asText()).isEqualTo("active");
            assertThat(ok(admin(h, "POST", path + "/archive", null), 200).path("status").asText()).isEqualTo("archived");
            for (String action : List.of("/activate", "/pause", "/archive")) {
                refused(admin(h, "POST", path + action, null), 409, "invalid_state", null);
            }
            refused(admin(h, "PUT", path, WELCOME), 409, "invalid_state", null);
            assertThat(ok(h.admin(path), 200).path("status").asText()).isEqualTo("archived");
            refused(admin(h, "POST", "/api/v1/campaigns/cmp_nope/activate", null), 404, "not_found", null);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void editingAnActiveCampaignMakesANewVersionWhilePeopleOnTheOldOneFinishIt(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"early\"}");
            accepted(h, "/v1/identify", "{\"userId\":\"late\"}");
            settle(h);
            String id = create(h, WELCOME);
            String path = "/api/v1/campaigns/" + id;
            // A draft changes in place.
            JsonNode draft = ok(admin(h, "PUT", path, WELCOME.replace("\"Welcome\"", "\"Welcome!\"")), 200);
            assertThat(draft.path("version").asInt()).isEqualTo(1);
            assertThat(draft.path("name").asText()).isEqualTo("Welcome!");
            ok(admin(h, "POST", path + "/activate", null), 200);

            ok(trigger(h, id, "{\"userId\":\"early\",\"data\":{\"plan\":\"trial\"}}"), 202);
            settle(h);
            JsonNode v2 = ok(admin(h, "PUT", path, WELCOME.replace("\"P1D\"", "\"P2D\"")), 200);
            assertThat(v2.path("version").asInt()).isEqualTo(2);
            assertThat(v2.path("status").asText()).isEqualTo("active");
            assertThat(v2.path("steps").path("wait").path("duration").asText()).isEqualTo("P2D");
            // What GET answers can be sent back as it is; unchanged, it makes no new version.
            JsonNode read = ok(h.admin(path), 200);
            assertThat(ok(admin(h, "PUT", path, read.toString()), 200)).isEqualTo(read);
            refused(admin(h, "PUT", path, ((ObjectNode) read.deepCopy()).put("status", "paused").toString()),
                    400, "invalid_field", "status");
            refused(admin(h, "PUT", path, ((ObjectNode) read.deepCopy()).put("id", "cmp_other").toString()),
                    400, "invalid_field", "id");

            ok(trigger(h, id, "{\"userId\":\"late\",\"data\":{\"plan\":\"pro\"}}"), 202);
            settle(h);
            JsonNode early = list(ok(h.admin(path + "/runs?userId=early"), 200)).get(0);
            JsonNode late = list(ok(h.admin(path + "/runs?userId=late"), 200)).get(0);
            assertThat(early.path("version").asInt()).isEqualTo(1);
            assertThat(early.path("waiting").path("until").asText()).as("the v1 delay").isEqualTo("2026-11-23T12:00:00Z");
            assertThat(late.path("version").asInt()).isEqualTo(2);
            assertThat(late.path("waiting").path("until").asText()).as("the v2 delay").isEqualTo("2026-11-24T12:00:00Z");

            clock.advance(Duration.ofDays(1));
            settle(h);
            assertThat(list(ok(h.admin(path + "/runs?userId=early"), 200)).get(0).path("status").asText()).isEqualTo("completed");
            assertThat(list(ok(h.admin(path + "/runs?userId=late"), 200)).get(0).path("status").asText()).isEqualTo("active");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void onlyADraftOrAnArchivedCampaignCanBeDeleted(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String draft = create(h, WELCOME);
            assertThat(admin(h, "DELETE", "/api/v1/campaigns/" + draft, null).status()).isEqualTo(204);
            refused(h.admin("/api/v1/campaigns/" + draft), 404, "not_found", null);
            refused(admin(h, "DELETE", "/api/v1/campaigns/" + draft, null), 404, "not_found", null);

            String live = launch(h, WELCOME);
            String path = "/api/v1/campaigns/" + live;
            refused(admin(h, "DELETE", path, null), 409, "invalid_state", null);
            ok(admin(h, "POST", path + "/pause", null), 200);
            refused(admin(h, "DELETE", path, null), 409, "invalid_state", null);
            assertThat(ok(h.admin(path), 200).path("status").asText()).isEqualTo("paused");
            ok(admin(h, "POST", path + "/archive", null), 200);
            assertThat(admin(h, "DELETE", path, null).status()).isEqualTo(204);
            assertThat(list(ok(h.admin("/api/v1/campaigns"), 200))).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aKeyNamesOneCampaignOfTheWorkspace(Engine engine) {
        try (TestHerald h = herald(engine)) {
            create(h, WELCOME);
            refused(admin(h, "POST", "/api/v1/campaigns", WELCOME), 409, "already_exists", "key");
            String other = create(h, WELCOME.replace("\"welcome\"", "\"welcome-2\""));
            refused(admin(h, "PUT", "/api/v1/campaigns/" + other, WELCOME), 409, "already_exists", "key");
            assertThat(count(h, "SELECT COUNT(*) FROM campaigns")).isEqualTo(2);
            // Another workspace may use the same key.
            var ws = h.herald().workspaces().create("other");
            var a = request(h, "POST", "/api/v1/campaigns", Map.of("Authorization", "Bearer " + ws.adminKey(),
                    "Content-Type", Api.JSON), Api.utf8(WELCOME));
            assertThat(a.status()).as(a.body()).isEqualTo(201);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aCampaignNamingASegmentTheWorkspaceDoesNotHaveIsRefused(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String trial = ok(admin(h, "POST", "/api/v1/segments",
                    "{\"name\":\"trial\",\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}}"), 201)
                    .path("id").asText();
            var other = h.herald().workspaces().create("other");
            var theirs = request(h, "POST", "/api/v1/segments", Map.of("Authorization", "Bearer " + other.adminKey(),
                    "Content-Type", Api.JSON), Api.utf8("{\"name\":\"x\",\"condition\":{\"event\":\"x\"}}"));
            String otherSegment = ok(theirs, 201).path("id").asText();
            String onEntry = """
                    {"name":"On trial","trigger":{"segmentEntered":"%s"},"start":"s1",
                     "steps":{"s1":{"type":"message","channel":"push","message":{"title":"t"},"next":"done"},"done":{"type":"exit"}}}""";
            refused(admin(h, "POST", "/api/v1/campaigns", onEntry.formatted("seg_nope")), 400, "invalid_field", "trigger.segmentEntered");
            refused(admin(h, "POST", "/api/v1/campaigns", onEntry.formatted(otherSegment)), 400, "invalid_field",
                    "trigger.segmentEntered");
            String id = create(h, onEntry.formatted(trial));

            String inside = """
                    {"name":"Inside","trigger":{"event":"e"},%s"start":"s1",
                     "steps":{"s1":{"type":"branch","condition":%s,"yes":"done","no":"s2"},
                              "s2":{"type":"delay","duration":"PT1H","next":"done","when":%s},"done":{"type":"exit"}}}""";
            String known = "{\"segment\":\"" + trial + "\"}";
            String unknown = "{\"not\":{\"segment\":\"seg_nope\"}}";
            refused(admin(h, "POST", "/api/v1/campaigns", inside.formatted("\"audience\":" + unknown + ",", known, known)),
                    400, "invalid_field", "audience");
            refused(admin(h, "POST", "/api/v1/campaigns", inside.formatted("", unknown, known)), 400, "invalid_field",
                    "steps.s1.condition");
            refused(admin(h, "PUT", "/api/v1/campaigns/" + id, inside.formatted("", known, unknown)), 400, "invalid_field",
                    "steps.s2.when");
            create(h, inside.formatted("\"audience\":" + known + ",", known, known));

            // A broadcast names its segment too.
            refused(admin(h, "POST", "/api/v1/campaigns", onEntry.replace("{\"segmentEntered\":\"%s\"}",
                    "{\"broadcast\":{\"segment\":\"seg_nope\"}}")), 400, "invalid_field", "trigger.broadcast.segment");
            create(h, onEntry.replace("{\"segmentEntered\":\"%s\"}", "{\"broadcast\":{\"segment\":\"" + trial + "\"}}"));
            assertThat(count(h, "SELECT COUNT(*) FROM campaigns")).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aSegmentACampaignNamesCannotBeDeletedUntilTheCampaignIsArchived(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String trial = ok(admin(h, "POST", "/api/v1/segments",
                    "{\"name\":\"trial\",\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}}"), 201)
                    .path("id").asText();
            String id = launch(h, """
                    {"name":"Trial nudge","trigger":{"event":"e"},"start":"s1",
                     "steps":{"s1":{"type":"branch","condition":{"not":{"segment":"%s"}},"yes":"done","no":"done"},
                              "done":{"type":"exit"}}}""".formatted(trial));

            TestHerald.Answer inUse = admin(h, "DELETE", "/api/v1/segments/" + trial, null);
            refused(inUse, 409, "in_use", null);
            assertThat(inUse.body()).contains(id).contains("Trial nudge");
            ok(admin(h, "POST", "/api/v1/campaigns/" + id + "/archive", null), 200);
            assertThat(admin(h, "DELETE", "/api/v1/segments/" + trial, null).status()).isEqualTo(204);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anApiTriggerStartsARunThatQueuesADeliveryWithTheTriggersData(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{\"plan\":\"trial\"}}");
            settle(h);
            String id = launch(h, WELCOME);
            long logRows = Api.eventLogRows(h);

            JsonNode answer = ok(trigger(h, id, "{\"userId\":\"u1\",\"data\":{\"plan\":\"pro\",\"seats\":5}}"), 202);
            assertThat(answer).isEqualTo(Api.json("{\"campaignId\":\"" + id + "\",\"userId\":\"u1\"}"));
            assertThat(Api.eventLogRows(h)).as("durable in the log when answered").isEqualTo(logRows + 1);
            assertThat(list(ok(h.admin("/api/v1/campaigns/" + id + "/runs"), 200))).as("not processed yet").isEmpty();

            clock.advance(Duration.ofSeconds(5));
            settle(h);
            JsonNode run = list(ok(h.admin("/api/v1/campaigns/" + id + "/runs"), 200)).get(0);
            assertThat(run.path("userId").asText()).isEqualTo("u1");
            assertThat(run.path("campaignId").asText()).isEqualTo(id);
            assertThat(run.path("campaignName").asText()).isEqualTo("Welcome");
            assertThat(run.path("status").asText()).isEqualTo("active");
            assertThat(run.path("step").asText()).isEqualTo("wait");
            assertThat(run.path("waiting")).isEqualTo(Api.json("{\"kind\":\"delay\",\"until\":\"2026-11-23T12:00:05Z\"}"));
            assertThat(run.path("data")).isEqualTo(Api.json("{\"plan\":\"pro\",\"seats\":5}"));
            assertThat(run.path("enteredAt").asText()).isEqualTo("2026-11-22T12:00:05Z");
            assertThat(run.path("holdout").asBoolean()).isFalse();
            assertThat(run.path("variant").isNull()).isTrue();
            assertThat(run.path("finishedAt").isNull()).isTrue();
            assertThat(run.path("path")).extracting(p -> p.path("step").asText() + ":" + p.path("outcome").asText())
                    .containsExactly("hello:entered", "hello:queued", "wait:waiting");

            JsonNode delivery = list(ok(h.admin("/api/v1/people/u1/deliveries"), 200)).get(0);
            assertThat(delivery.path("campaignId").asText()).isEqualTo(id);
            assertThat(delivery.path("runId").asText()).isEqualTo(run.path("id").asText());
            assertThat(delivery.path("step").asText()).isEqualTo("hello");
            assertThat(delivery.path("channel").asText()).isEqualTo("in_app");
            assertThat(delivery.path("status").asText()).isEqualTo("queued");
            assertThat(delivery.has("reason")).isFalse();
            assertThat(delivery.path("content")).isEqualTo(Api.json(
                    "{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Hi {{ journey.data.plan }}\"}]}]}"));
            assertThat(delivery.path("createdAt").asText()).isEqualTo("2026-11-22T12:00:05Z");
            assertThat(run.path("path").get(1).path("detail").asText()).contains(delivery.path("id").asText());

            clock.advance(Duration.ofDays(1));
            settle(h);
            JsonNode done = list(ok(h.admin("/api/v1/campaigns/" + id + "/runs"), 200)).get(0);
            assertThat(done.path("status").asText()).isEqualTo("completed");
            assertThat(done.path("exitReason").asText()).isEqualTo("completed");
            assertThat(done.path("finishedAt").asText()).isEqualTo("2026-11-23T12:00:05Z");
            assertThat(done.path("waiting").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTriggerIsRefusedForAnUnknownPersonOrACampaignThatCannotTakeIt(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"u1\"}");
            settle(h);
            String api = create(h, WELCOME);
            refused(trigger(h, api, "{\"userId\":\"u1\"}"), 409, "invalid_state", null); // a draft
            ok(admin(h, "POST", "/api/v1/campaigns/" + api + "/activate", null), 200);
            refused(trigger(h, api, "{\"userId\":\"nobody\"}"), 404, "not_found", null);
            String onEvent = launch(h, TIPS);
            refused(trigger(h, onEvent, "{\"userId\":\"u1\"}"), 409, "invalid_state", null);
            ok(admin(h, "POST", "/api/v1/campaigns/" + api + "/pause", null), 200);
            refused(trigger(h, api, "{\"userId\":\"u1\"}"), 409, "invalid_state", null);
            refused(trigger(h, "cmp_nope", "{\"userId\":\"u1\"}"), 404, "not_found", null);
            refused(trigger(h, api, "{\"userId\":\"u1\",\"data\":[1]}"), 400, "invalid_field", "data");
            refused(trigger(h, api, "{\"user\":\"u1\"}"), 400, "invalid_field", "user");
            refused(trigger(h, api, "{}"), 400, "missing_field", "userId");
            settle(h);
            assertThat(count(h, "SELECT COUNT(*) FROM campaign_runs")).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonsHistoryShowsTheirRunsNewestFirstWithWhatWasSentAndWhatWasSkipped(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"free\",\"traits\":{\"plan\":\"free\"}}");
            accepted(h, "/v1/identify", "{\"userId\":\"paid\",\"traits\":{\"plan\":\"team\"}}");
            settle(h);
            String tips = launch(h, TIPS);
            String welcome = launch(h, WELCOME);
            accepted(h, "/v1/track", "{\"userId\":\"free\",\"event\":\"signed_up\"}");
            accepted(h, "/v1/track", "{\"userId\":\"paid\",\"event\":\"signed_up\"}");
            settle(h);
            clock.advance(Duration.ofMinutes(1));
            ok(trigger(h, welcome, "{\"userId\":\"free\",\"data\":{\"plan\":\"free\"}}"), 202);
            settle(h);

            List<JsonNode> runs = list(ok(h.admin("/api/v1/people/free/runs"), 200));
            assertThat(runs).extracting(r -> r.path("campaignName").asText()).containsExactly("Welcome", "Tips");
            JsonNode skipped = runs.get(1);
            assertThat(skipped.path("campaignId").asText()).isEqualTo(tips);
            assertThat(skipped.path("status").asText()).isEqualTo("completed");
            assertThat(skipped.path("event").path("event").asText()).isEqualTo("signed_up");
            assertThat(skipped.path("path")).anySatisfy(p -> {
                assertThat(p.path("step").asText()).isEqualTo("tip");
                assertThat(p.path("outcome").asText()).isEqualTo("skipped");
                assertThat(p.path("detail").asText()).contains("when");
                assertThat(p.path("at").asText()).isEqualTo("2026-11-22T12:00:00Z");
            });
            assertThat(list(ok(h.admin("/api/v1/people/free/deliveries"), 200)))
                    .extracting(d -> d.path("step").asText()).containsExactly("hello");
            assertThat(list(ok(h.admin("/api/v1/people/paid/deliveries"), 200)))
                    .extracting(d -> d.path("channel").asText() + ":" + d.path("step").asText()).containsExactly("push:tip");

            // Pages: newest first, every item once.
            assertThat(allPages(h, "/api/v1/people/free/runs?limit=1", "id"))
                    .containsExactly(runs.get(0).path("id").asText(), runs.get(1).path("id").asText());
            assertThat(allPages(h, "/api/v1/campaigns/" + tips + "/runs?limit=1", "userId"))
                    .containsExactlyInAnyOrder("free", "paid");
            assertThat(list(ok(h.admin("/api/v1/campaigns/" + tips + "/runs?userId=paid"), 200)))
                    .extracting(r -> r.path("userId").asText()).containsExactly("paid");
            assertThat(list(ok(h.admin("/api/v1/campaigns/" + tips + "/runs?userId=nobody"), 200))).isEmpty();
            refused(h.admin("/api/v1/people/nobody/runs"), 404, "not_found", null);
            refused(h.admin("/api/v1/people/nobody/deliveries"), 404, "not_found", null);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void metricsCountEntriesHoldoutsDeliveriesAndConversionsFromTheRows(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String id = launch(h, """
                    {"name":"Upgrade","trigger":{"api":true},"goal":{"event":"upgraded","within":"P7D"},"start":"split",
                     "steps":{"split":{"type":"split","holdout":50,"paths":[{"weight":25,"next":"a"},{"weight":25,"next":"b"}]},
                              "a":{"type":"message","channel":"in_app","message":{"format":"modal","steps":[{"blocks":[{"type":"text","text":"A"}]}]},"next":"done"},
                              "b":{"type":"message","channel":"push","message":{"title":"B"},"next":"done"},
                              "done":{"type":"exit"}}}""");
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            for (int i = 0; i < 40; i++) batch.append(i == 0 ? "" : ",").append("{\"type\":\"identify\",\"userId\":\"u" + i + "\"}");
            accepted(h, "/v1/batch", batch.append("]}").toString());
            settle(h);
            for (int i = 0; i < 40; i++) ok(trigger(h, id, "{\"userId\":\"u" + i + "\"}"), 202);
            settle(h);
            clock.advance(Duration.ofHours(1));
            for (int i = 0; i < 40; i += 2) accepted(h, "/v1/track", "{\"userId\":\"u" + i + "\",\"event\":\"upgraded\"}");
            settle(h);
            // What the delivery pipeline will do: one in-app message clicked, one push suppressed by quiet hours.
            String clicked = h.herald().database().read(c -> Sql.queryOne(c,
                    "SELECT id FROM deliveries WHERE step = 'a' ORDER BY id LIMIT 1", rs -> rs.getString(1))).orElseThrow();
            String quiet = h.herald().database().read(c -> Sql.queryOne(c,
                    "SELECT id FROM deliveries WHERE step = 'b' ORDER BY id LIMIT 1", rs -> rs.getString(1))).orElseThrow();
            h.herald().database().inTransaction(c -> {
                Sql.update(c, "UPDATE deliveries SET status = 'clicked' WHERE id = ?", clicked);
                Sql.update(c, "UPDATE deliveries SET status = 'suppressed', reason = 'quiet_hours' WHERE id = ?", quiet);
                return null;
            });

            // The expected numbers, from the runs as the API shows them.
            long holdout = 0, holdoutConverted = 0, converted = 0;
            long[] byVariant = new long[2];
            long[] convertedByVariant = new long[2];
            for (JsonNode r : list(ok(h.admin("/api/v1/campaigns/" + id + "/runs?limit=1000"), 200))) {
                boolean conv = !r.path("convertedAt").isNull();
                if (r.path("holdout").asBoolean()) {
                    holdout++;
                    if (conv) holdoutConverted++;
                } else {
                    byVariant[r.path("variant").asInt()]++;
                    if (conv) {
                        converted++;
                        convertedByVariant[r.path("variant").asInt()]++;
                    }
                }
            }
            assertThat(holdout).as("some of 40 people are held out, not all").isBetween(1L, 39L);
            assertThat(converted + holdoutConverted).isEqualTo(20);

            JsonNode m = ok(h.admin("/api/v1/campaigns/" + id + "/metrics?from=2026-11-22&to=2026-11-22&by=day"), 200);
            assertThat(m.path("from").asText()).isEqualTo("2026-11-22T00:00:00Z");
            assertThat(m.path("to").asText()).isEqualTo("2026-11-23T00:00:00Z");
            JsonNode t = m.path("totals");
            assertThat(t.fieldNames()).toIterable().containsExactly("entered", "attempted", "sent", "delivered", "shown",
                    "opened", "clicked", "dismissed", "submitted", "converted", "failed", "suppressed", "unknown", "holdout",
                    "holdoutConverted", "suppressedBy");
            assertThat(t.path("entered").asLong()).isEqualTo(40);
            assertThat(t.path("holdout").asLong()).isEqualTo(holdout);
            assertThat(t.path("attempted").asLong()).isEqualTo(40 - holdout);
            assertThat(t.path("converted").asLong()).isEqualTo(converted);
            assertThat(t.path("holdoutConverted").asLong()).isEqualTo(holdoutConverted);
            assertThat(t.path("sent").asLong()).as("the clicked one was sent").isEqualTo(1);
            assertThat(t.path("delivered").asLong()).isEqualTo(1);
            assertThat(t.path("shown").asLong()).as("a clicked in-app message was shown").isEqualTo(1);
            assertThat(t.path("clicked").asLong()).isEqualTo(1);
            assertThat(t.path("opened").asLong()).isZero();
            assertThat(t.path("suppressed").asLong()).isEqualTo(1);
            assertThat(t.path("suppressedBy")).isEqualTo(Api.json("{\"quiet_hours\":1}"));

            assertThat(m.path("steps")).extracting(s -> s.path("step").asText() + "/" + s.path("variant").asInt())
                    .containsExactly("a/0", "b/1");
            JsonNode a = m.path("steps").get(0);
            JsonNode b = m.path("steps").get(1);
            assertThat(a.path("attempted").asLong()).isEqualTo(byVariant[0]);
            assertThat(b.path("attempted").asLong()).isEqualTo(byVariant[1]);
            assertThat(a.path("converted").asLong()).isEqualTo(convertedByVariant[0]);
            assertThat(b.path("converted").asLong()).isEqualTo(convertedByVariant[1]);
            assertThat(a.path("clicked").asLong()).isEqualTo(1);
            assertThat(b.path("suppressedBy")).isEqualTo(Api.json("{\"quiet_hours\":1}"));
            assertThat(a.has("entered")).as("a step's numbers are its deliveries'").isFalse();

            assertThat(m.path("series")).hasSize(1);
            JsonNode day = m.path("series").get(0);
            assertThat(day.path("date").asText()).isEqualTo("2026-11-22");
            assertThat(day.path("entered").asLong()).isEqualTo(40);
            assertThat(day.path("converted").asLong()).isEqualTo(converted);
            // By default the last 30 days, a day each; a range from before the campaign counts nothing there.
            JsonNode month = ok(h.admin("/api/v1/campaigns/" + id + "/metrics"), 200);
            assertThat(month.path("series")).hasSize(31);
            assertThat(month.path("totals").path("entered").asLong()).isEqualTo(40);
            JsonNode before = ok(h.admin("/api/v1/campaigns/" + id + "/metrics?from=2026-11-01T00:00:00Z&to=2026-11-22T00:00:00Z"), 200);
            assertThat(before.path("totals").path("entered").asLong()).isZero();
            assertThat(before.path("series")).hasSize(21);

            refused(h.admin("/api/v1/campaigns/" + id + "/metrics?by=week"), 400, "invalid_field", "by");
            refused(h.admin("/api/v1/campaigns/" + id + "/metrics?from=yesterday"), 400, "invalid_field", "from");
            refused(h.admin("/api/v1/campaigns/" + id + "/metrics?from=2026-11-23&to=2026-11-22"), 400, "invalid_field", "from");
            refused(h.admin("/api/v1/campaigns/" + id + "/metrics?from=2024-01-01&to=2026-01-01"), 400, "invalid_field", "from");
            refused(h.admin("/api/v1/campaigns/cmp_nope/metrics"), 404, "not_found", null);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anotherWorkspacesAdminKeyReachesNoneOfTheCampaigns(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"u1\"}");
            settle(h);
            String id = launch(h, WELCOME);
            ok(trigger(h, id, "{\"userId\":\"u1\"}"), 202);
            settle(h);
            String other = "Bearer " + h.herald().workspaces().create("other").adminKey();
            String path = "/api/v1/campaigns/" + id;
            for (String[] call : new String[][] {{"GET", path}, {"PUT", path}, {"DELETE", path}, {"POST", path + "/activate"},
                    {"POST", path + "/pause"}, {"POST", path + "/archive"}, {"POST", path + "/trigger"}, {"GET", path + "/runs"},
                    {"GET", path + "/metrics"}, {"GET", "/api/v1/people/u1/runs"}, {"GET", "/api/v1/people/u1/deliveries"}}) {
                String body = call[0].equals("PUT") ? WELCOME : call[1].endsWith("/trigger") ? "{\"userId\":\"u1\"}" : null;
                var a = request(h, call[0], call[1], body == null ? Map.of("Authorization", other)
                        : Map.of("Authorization", other, "Content-Type", Api.JSON), body == null ? null : Api.utf8(body));
                refused(a, 404, "not_found", null);
            }
            var listed = request(h, "GET", "/api/v1/campaigns", Map.of("Authorization", other), null);
            assertThat(list(ok(listed, 200))).isEmpty();
            JsonNode still = ok(h.admin(path), 200);
            assertThat(still.path("status").asText()).isEqualTo("active");
            assertThat(still.path("version").asInt()).isEqualTo(1);
            assertThat(count(h, "SELECT COUNT(*) FROM campaign_runs")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyCampaignEndpointNeedsAnAdminKey(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String id = create(h, WELCOME);
            String path = "/api/v1/campaigns/" + id;
            for (String[] call : new String[][] {{"POST", "/api/v1/campaigns"}, {"GET", "/api/v1/campaigns"}, {"GET", path},
                    {"PUT", path}, {"DELETE", path}, {"POST", path + "/activate"}, {"POST", path + "/pause"},
                    {"POST", path + "/archive"}, {"POST", path + "/trigger"}, {"GET", path + "/runs"},
                    {"GET", path + "/metrics"}, {"GET", "/api/v1/people/u1/runs"}, {"GET", "/api/v1/people/u1/deliveries"}}) {
                refused(request(h, call[0], call[1], Map.of(), null), 401, "missing_key", null);
                refused(request(h, call[0], call[1], Map.of("Authorization", "Bearer " + TestHerald.WRITE_KEY), null),
                        403, "wrong_key_kind", null);
            }
            JsonNode still = ok(h.admin(path), 200);
            assertThat(still.path("status").asText()).isEqualTo("draft");
            assertThat(count(h, "SELECT COUNT(*) FROM campaigns")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void erasingAPersonErasesTheirRunsAndDeliveries(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"u1\"}");
            accepted(h, "/v1/identify", "{\"userId\":\"u2\"}");
            settle(h);
            String id = launch(h, WELCOME);
            ok(trigger(h, id, "{\"userId\":\"u1\",\"data\":{\"secret\":\"s\"}}"), 202);
            ok(trigger(h, id, "{\"userId\":\"u2\"}"), 202);
            settle(h);
            assertThat(Api.adminDelete(h, "/api/v1/people/u1").status()).isEqualTo(204);
            assertThat(list(ok(h.admin("/api/v1/campaigns/" + id + "/runs"), 200)))
                    .extracting(r -> r.path("userId").asText()).containsExactly("u2");
            assertThat(count(h, "SELECT COUNT(*) FROM deliveries")).isEqualTo(1);
            assertThat(count(h, "SELECT COUNT(*) FROM campaign_runs WHERE journey LIKE '%secret%'")).isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM run_steps")).isEqualTo(count(h,
                    "SELECT COUNT(*) FROM run_steps s JOIN campaign_runs r ON r.id = s.run_id"));
        }
    }
}
