package io.herald.server.http;

import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.count;
import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POST /api/v1/campaigns/simulate} and {@code /campaigns/{id}/simulate} on both server engines: the
 * simulation itself always runs on a scratch SQLite store, and the workspace's store is read, never changed.
 */
class SimulationsApiTest {
    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T10:00:00Z");

    static final String PROMPT = """
            {"name":"Usage-limit upgrade prompt","trigger":{"event":"limit_reached"},
             "audience":{"attribute":"plan","op":"eq","value":"free"},"start":"prompt",
             "steps":{"prompt":{"type":"message","channel":"in_app","message":{"title":"You hit the limit"},"next":"wait"},
                      "wait":{"type":"wait_until","event":"upgraded","timeout":"P1D","next":"done","onTimeout":"mail"},
                      "mail":{"type":"message","channel":"email","message":{"subject":"Upgrade?"},"next":"done"},
                      "done":{"type":"exit"}}}""";

    static final String TIMELINE = """
            "people":[{"userId":"ana","attributes":{"plan":"free"}},{"userId":"cleo","attributes":{"plan":"pro"}}],
            "timeline":[{"at":"+PT0S","userId":"ana","type":"track","event":"limit_reached"},
                        {"at":"+PT0S","userId":"cleo","type":"track","event":"limit_reached"}]""";

    private static JsonNode ok(TestHerald.Answer a) {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private static void refused(TestHerald.Answer a, int status, String code, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.errorCode()).as(a.body()).isEqualTo(code);
        if (field != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(field);
    }

    private static JsonNode person(JsonNode result, String userId) {
        for (JsonNode p : result.path("people")) if (p.path("userId").asText().equals(userId)) return p;
        throw new AssertionError("no " + userId + " in " + result);
    }

    private static List<String> deliveries(JsonNode person) {
        List<String> out = new ArrayList<>();
        person.path("deliveries").forEach(d -> out.add(d.path("channel").asText() + ":" + d.path("step").asText() + "@"
                + d.path("at").asText()));
        return out;
    }

    private static String workspaceId(TestHerald h) {
        return h.herald().workspaces().authenticate(TestHerald.ADMIN_KEY).orElseThrow().workspaceId();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignInTheRequestIsSimulatedAndTheWorkspaceIsLeftAsItWas(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            JsonNode r = ok(admin(h, "POST", "/api/v1/campaigns/simulate", "{\"campaign\":" + PROMPT + "," + TIMELINE + "}"));

            assertThat(r.path("campaign").path("id").asText()).isEqualTo("cmp_simulated");
            assertThat(r.path("start").asText()).as("start defaults to now").isEqualTo("2026-11-22T10:00:00Z");
            assertThat(r.path("until").asText()).isEqualTo("2026-11-23T10:00:00Z");
            assertThat(deliveries(person(r, "ana"))).containsExactly("in_app:prompt@2026-11-22T10:00:00Z",
                    "email:mail@2026-11-23T10:00:00Z");
            assertThat(person(r, "ana").path("runs").get(0).path("status").asText()).isEqualTo("completed");
            assertThat(person(r, "cleo").path("runs")).isEmpty();
            assertThat(person(r, "cleo").path("refused").get(0).path("reason").asText())
                    .isEqualTo("not in the campaign's audience");

            h.process();
            assertThat(eventLogRows(h)).as("nothing reached the workspace's log").isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM persons")).isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM campaigns")).isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM deliveries")).as("nothing queued, nothing sent").isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void savedDraftIsSimulatedWithTheWorkspacesSegmentsUnderTheirIds(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            JsonNode segment = json(admin(h, "POST", "/api/v1/segments", """
                    {"name":"power users","condition":{"event":"export","count":{"op":"gte","value":3},"within":"P7D"}}""").body());
            String segmentId = segment.path("id").asText();
            String campaignId = h.herald().campaigns().create(workspaceId(h), json("""
                    {"name":"power user welcome","trigger":{"segmentEntered":"%s"},"start":"m",
                     "steps":{"m":{"type":"message","channel":"in_app","message":{"title":"You are a power user"},"next":"x"},
                              "x":{"type":"exit"}}}""".formatted(segmentId))).id();

            JsonNode r = ok(admin(h, "POST", "/api/v1/campaigns/" + campaignId + "/simulate", """
                    {"start":"2026-12-01T09:00:00Z",
                     "timeline":[{"at":"+PT0S","userId":"u1","type":"track","event":"export"},
                                 {"at":"+P1D","userId":"u1","type":"track","event":"export"},
                                 {"at":"+P2D","userId":"u1","type":"track","event":"export"}]}"""));

            assertThat(r.path("campaign").path("id").asText()).isEqualTo(campaignId);
            assertThat(deliveries(person(r, "u1"))).containsExactly("in_app:m@2026-12-03T09:00:00Z");
            JsonNode u1 = person(r, "u1");
            assertThat(u1.path("segments")).as("entered on the third export, left when the first fell out of 7 days")
                    .isEmpty();
            assertThat(r.path("until").asText()).isEqualTo("2026-12-10T09:00:00Z");
            assertThat(h.herald().campaigns().get(workspaceId(h), campaignId).status()).isEqualTo("draft");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void mistakesAreRefusedNamingTheField(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            String broken = PROMPT.replace("\"onTimeout\":\"mail\"", "\"onTimeout\":\"mial\"");
            refused(admin(h, "POST", "/api/v1/campaigns/simulate", "{\"campaign\":" + broken + "," + TIMELINE + "}"),
                    400, "invalid_field", "campaign.steps.wait.onTimeout");
            refused(admin(h, "POST", "/api/v1/campaigns/simulate", "{" + TIMELINE + "}"), 400, "missing_field", "campaign");
            refused(admin(h, "POST", "/api/v1/campaigns/simulate", "{\"campaign\":" + PROMPT + ",\"timeline\":["
                    + "{\"at\":\"+PT0S\",\"userId\":\"u\",\"type\":\"track\",\"event\":\"e\"},"
                    + "{\"at\":\"+PT1M\",\"userId\":\"u\",\"type\":\"track\",\"event\":\"e\"},"
                    + "{\"at\":\"+PT2M\",\"userId\":\"u\",\"type\":\"track\",\"event\":\"e\"},"
                    + "{\"at\":\"next tuesday\",\"userId\":\"u\",\"type\":\"track\",\"event\":\"e\"}]}"),
                    400, "invalid_field", "timeline[3].at");
            refused(admin(h, "POST", "/api/v1/campaigns/cmp_nope/simulate", "{\"timeline\":[]}"), 404, "not_found", null);
            String draft = h.herald().campaigns().create(workspaceId(h), json(PROMPT)).id();
            refused(admin(h, "POST", "/api/v1/campaigns/" + draft + "/simulate", "{\"campaign\":" + PROMPT + ",\"timeline\":[]}"),
                    400, "invalid_field", "campaign");
            String other = h.herald().workspaces().create("other").adminKey();
            TestHerald.Answer cross = Api.request(h, "POST", "/api/v1/campaigns/" + draft + "/simulate",
                    java.util.Map.of("Authorization", "Bearer " + other, "Content-Type", Api.JSON), Api.utf8("{\"timeline\":[]}"));
            refused(cross, 404, "not_found", null);
        }
    }
}
