package io.herald.server.http;

import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.policy.Decision;
import io.herald.policy.Gate;
import io.herald.policy.GateRequest;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin API's settings documents (API.md "Admin API → Settings": policies and styles), on both engines. */
class SettingsApiTest {
    private static final String POLICIES = """
            {"frequencyCaps":[{"channel":"any","max":3,"per":"P1D"},{"channel":"in_app","max":1,"per":"PT4H"}],
             "quietHours":{"start":"22:00","end":"08:00","action":"skip"},"defaultTimezone":"Europe/Berlin"}""";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T12:00:00Z");

    private static JsonNode ok(TestHerald.Answer a) {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.response().headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return a.json();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void policiesAreTheDefaultsUntilPutAndThenWhatWasPut(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            assertThat(ok(h.admin("/api/v1/settings/policies")))
                    .isEqualTo(json("{\"frequencyCaps\":[],\"quietHours\":null,\"defaultTimezone\":\"UTC\"}"));
            JsonNode put = ok(admin(h, "PUT", "/api/v1/settings/policies", POLICIES));
            assertThat(put).isEqualTo(json(POLICIES));
            assertThat(ok(h.admin("/api/v1/settings/policies"))).isEqualTo(json(POLICIES));
            // Durations come back normalized (whole days in days); what was read can be put back unchanged.
            ok(admin(h, "PUT", "/api/v1/settings/policies", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":2,\"per\":\"p1w\"}]}"));
            JsonNode read = ok(h.admin("/api/v1/settings/policies"));
            assertThat(read.path("frequencyCaps").get(0).path("per").asText()).isEqualTo("P7D");
            assertThat(read.path("quietHours").isNull()).as("a PUT replaces the whole document").isTrue();
            assertThat(ok(admin(h, "PUT", "/api/v1/settings/policies", read.toString()))).isEqualTo(read);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void gateWiredToTheServersSettingsSeesAPutAtOnce(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            Gate gate = new Gate(h.herald().settings());
            String ws = h.herald().bootstrapped().orElseThrow().workspace().id();
            GateRequest push = new GateRequest(ws, "p_nobody", "d1", "push", null, false, "c1", true, true, 50, null,
                    clock.millis());
            var db = h.herald().database();
            db.inTransaction(c -> Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, channel, "
                    + "idempotency_key, status, message, context, priority, created_at, updated_at, sent_at) VALUES "
                    + "('d0', ?, 'p_nobody', 'push', 'd0', 'sent', '{}', '{}', 50, 0, 0, ?)", ws, clock.millis() - 1000));
            Decision before = db.inTransaction(c -> gate.check(c, push));
            assertThat(before).isEqualTo(new Decision.Send());
            ok(admin(h, "PUT", "/api/v1/settings/policies", "{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":1,\"per\":\"P1D\"}]}"));
            Decision after = db.inTransaction(c -> gate.check(c, push));
            assertThat(after).isEqualTo(new Decision.Suppress("frequency_capped"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void stylesAreCompleteDefaultsAndAPutSetsWhatItNames(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            JsonNode defaults = ok(h.admin("/api/v1/settings/styles"));
            assertThat(defaults.fieldNames()).toIterable().containsExactly("colors", "darkMode", "fonts", "radii", "spacing");
            JsonNode put = ok(admin(h, "PUT", "/api/v1/settings/styles",
                    "{\"colors\":{\"primary\":\"#ff6600\"},\"darkMode\":{\"mode\":\"light\"},\"radii\":{\"container\":\"0\"}}"));
            assertThat(put.path("colors").path("primary").asText()).isEqualTo("#ff6600");
            assertThat(put.path("colors").path("text")).isEqualTo(defaults.path("colors").path("text"));
            assertThat(put.path("darkMode").path("mode").asText()).isEqualTo("light");
            assertThat(put.path("darkMode").path("colors")).isEqualTo(defaults.path("darkMode").path("colors"));
            assertThat(ok(h.admin("/api/v1/settings/styles"))).isEqualTo(put);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eachWorkspaceHasItsOwnSettings(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            String otherKey = h.herald().workspaces().create("other").adminKey();
            ok(admin(h, "PUT", "/api/v1/settings/policies", POLICIES));
            ok(admin(h, "PUT", "/api/v1/settings/styles", "{\"colors\":{\"primary\":\"#000\"}}"));
            assertThat(ok(admin(h, otherKey, "GET", "/api/v1/settings/policies", null)).path("frequencyCaps").size()).isZero();
            assertThat(ok(admin(h, otherKey, "GET", "/api/v1/settings/styles", null)).path("colors").path("primary").asText())
                    .isNotEqualTo("#000");
            ok(admin(h, otherKey, "PUT", "/api/v1/settings/policies", "{\"defaultTimezone\":\"Asia/Tokyo\"}"));
            assertThat(ok(h.admin("/api/v1/settings/policies"))).isEqualTo(json(POLICIES));
        }
    }
}
