package io.herald.server.http;

import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.ClassDirectory;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients get wrong about the settings endpoints, as a table: every case is refused with the documented status
 * and JSON error, never a 5xx, and changes nothing: the seeded workspace's policies and styles and their rows in
 * {@code workspace_settings} are as they were, and the second workspace still has none.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SettingsBadInputTest {
    private static final String OTHER_ADMIN_KEY = "<admin key of workspace other>";
    private static final String BEARER_ADMIN = "Bearer " + TestHerald.ADMIN_KEY;
    private static final String SEEDED_POLICIES = "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":2,\"per\":\"P1D\"}],"
            + "\"quietHours\":{\"start\":\"21:00\",\"end\":\"07:00\",\"action\":\"defer\"},\"defaultTimezone\":\"Europe/Lisbon\"}";
    private static final String SEEDED_STYLES = "{\"colors\":{\"primary\":\"#123456\"}}";

    private final Path dir = ClassDirectory.create("herald-SettingsBadInputTest"); // outlives every case's Herald

    private final Map<Engine, Fixture> fixtures = new EnumMap<>(Engine.class);

    private record Fixture(TestHerald herald, String otherAdminKey, JsonNode policies, JsonNode styles,
                           List<String> rows) {
    }

    record Case(String name, String method, String path, Map<String, String> headers, byte[] body, int status,
                String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Case> CASES = corpus();

    private static Map<String, String> json(String key) {
        Map<String, String> h = new LinkedHashMap<>();
        if (key != null) h.put("Authorization", key);
        h.put("Content-Type", "application/json");
        return h;
    }

    private static Case put(String name, String path, String body, int status, String code, String field) {
        return new Case(name, "PUT", path, json(BEARER_ADMIN), body == null ? null : utf8(body), status, code, field);
    }

    private static List<Case> corpus() {
        String p = "/api/v1/settings/policies";
        String s = "/api/v1/settings/styles";
        List<Case> c = new ArrayList<>();
        for (String path : new String[] {p, s}) {
            String what = path.endsWith("policies") ? "policies" : "styles";
            c.add(put(what + ": malformed JSON", path, "{\"frequencyCaps\":[", 400, "invalid_json", null));
            c.add(put(what + ": empty body", path, "", 400, "invalid_json", null));
            c.add(put(what + ": array", path, "[]", 400, "invalid_json", null));
            c.add(put(what + ": string", path, "\"dark\"", 400, "invalid_json", null));
            c.add(put(what + ": null", path, "null", 400, "invalid_json", null));
            c.add(put(what + ": binary garbage", path, "\u0000\u0001\u00ff{", 400, "invalid_json", null));
            c.add(put(what + ": nesting 5000 deep", path, "{\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 400,
                    "invalid_json", null));
            c.add(put(what + ": oversized", path, "{\"x\":\"" + "a".repeat(70 * 1024) + "\"}", 413, "too_large", null));
            c.add(new Case(what + ": no key", "PUT", path, json(null), utf8("{}"), 401, "missing_key", null));
            c.add(new Case(what + ": unknown key", "PUT", path, json("Bearer ha_not_a_key"), utf8("{}"), 401, "invalid_key", null));
            c.add(new Case(what + ": write key", "PUT", path, json(TestHerald.basic(TestHerald.WRITE_KEY)), utf8("{}"), 401,
                    "missing_key", null));
            c.add(new Case(what + ": GET without key", "GET", path, Map.of(), null, 401, "missing_key", null));
            c.add(new Case(what + ": XML", "PUT", path, Map.of("Authorization", BEARER_ADMIN, "Content-Type", "application/xml"),
                    utf8("<policies/>"), 415, "unsupported_media_type", null));
            c.add(new Case(what + ": DELETE", "DELETE", path, Map.of("Authorization", BEARER_ADMIN), null, 405,
                    "method_not_allowed", null));
            c.add(new Case(what + ": POST", "POST", path, json(BEARER_ADMIN), utf8("{}"), 405, "method_not_allowed", null));
            c.add(put(what + ": unknown field", path, "{\"theme\":\"x\"}", 400, "invalid_field", "theme"));
        }
        c.add(put("policies: caps as a string", p, "{\"frequencyCaps\":\"3 per day\"}", 400, "invalid_field", "frequencyCaps"));
        c.add(put("policies: bad channel", p, "{\"frequencyCaps\":[{\"channel\":\"fax\",\"max\":1,\"per\":\"P1D\"}]}", 400,
                "invalid_field", "frequencyCaps[0].channel"));
        c.add(put("policies: max 0", p, "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":0,\"per\":\"P1D\"}]}", 400,
                "invalid_field", "frequencyCaps[0].max"));
        c.add(put("policies: max true", p, "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":true,\"per\":\"P1D\"}]}", 400,
                "invalid_field", "frequencyCaps[0].max"));
        c.add(put("policies: bad duration", p, "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"daily\"}]}", 400,
                "invalid_field", "frequencyCaps[0].per"));
        c.add(put("policies: duration as number", p, "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":86400}]}", 400,
                "invalid_field", "frequencyCaps[0].per"));
        c.add(put("policies: bad HH:mm", p, "{\"quietHours\":{\"start\":\"9pm\",\"end\":\"08:00\"}}", 400, "invalid_field",
                "quietHours.start"));
        c.add(put("policies: 25:00", p, "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"25:00\"}}", 400, "invalid_field",
                "quietHours.end"));
        c.add(put("policies: bad action", p, "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":\"queue\"}}", 400,
                "invalid_field", "quietHours.action"));
        c.add(put("policies: unknown zone", p, "{\"defaultTimezone\":\"Atlantis/Capital\"}", 400, "invalid_field", "defaultTimezone"));
        c.add(put("policies: zone as array", p, "{\"defaultTimezone\":[\"UTC\"]}", 400, "invalid_field", "defaultTimezone"));
        c.add(put("policies: valid part then a bad one", p, "{\"defaultTimezone\":\"UTC\",\"quietHours\":{\"start\":\"22:00\","
                + "\"end\":\"08:00\",\"extra\":1}}", 400, "invalid_field", "quietHours.extra"));
        c.add(put("styles: CSS injection in a color", s, "{\"colors\":{\"primary\":\"red;}body{background:url(//x)\"}}", 400,
                "invalid_field", "colors.primary"));
        c.add(put("styles: url() as a color", s, "{\"colors\":{\"background\":\"url(https://x.example/a.png)\"}}", 400,
                "invalid_field", "colors.background"));
        c.add(put("styles: injection in the font", s, "{\"fonts\":{\"family\":\"Inter;} * {display:none\"}}", 400,
                "invalid_field", "fonts.family"));
        c.add(put("styles: a size with a brace", s, "{\"fonts\":{\"sizes\":{\"title\":\"20px}\"}}}", 400, "invalid_field",
                "fonts.sizes.title"));
        c.add(put("styles: number as a color", s, "{\"colors\":{\"text\":0}}", 400, "invalid_field", "colors.text"));
        c.add(put("styles: bad dark mode", s, "{\"darkMode\":{\"mode\":\"always\"}}", 400, "invalid_field", "darkMode.mode"));
        c.add(put("styles: section as a list", s, "{\"radii\":[\"8px\"]}", 400, "invalid_field", "radii"));
        c.add(put("styles: oversized value", s, "{\"fonts\":{\"family\":\"" + "A".repeat(5000) + "\"}}", 400, "invalid_field",
                "fonts.family"));
        // The other workspace's admin key: a refused PUT with it changes neither workspace.
        c.add(new Case("policies: other workspace's key, bad body", "PUT", p, json("Bearer " + OTHER_ADMIN_KEY),
                utf8("{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":-1,\"per\":\"P1D\"}]}"), 400, "invalid_field",
                "frequencyCaps[0].max"));
        c.add(new Case("styles: other workspace's key, bad body", "PUT", s, json("Bearer " + OTHER_ADMIN_KEY),
                utf8("{\"spacing\":{\"gap\":\"1px;\"}}"), 400, "invalid_field", "spacing.gap"));
        return c;
    }

    static Stream<Arguments> cases() {
        return Stream.of(Engine.values()).flatMap(e -> CASES.stream().map(c -> Arguments.of(e, c)));
    }

    private Fixture fixture(Engine engine) {
        return fixtures.computeIfAbsent(engine, e -> {
            TestHerald h = TestHerald.start(e, dir.resolve(e.name()), TestClock.at("2026-11-22T12:00:00Z"));
            String other = h.herald().workspaces().create("other").adminKey();
            JsonNode policies = Api.admin(h, "PUT", "/api/v1/settings/policies", SEEDED_POLICIES).json();
            JsonNode styles = Api.admin(h, "PUT", "/api/v1/settings/styles", SEEDED_STYLES).json();
            return new Fixture(h, other, policies, styles, rows(h));
        });
    }

    private static List<String> rows(TestHerald h) {
        return h.herald().database().read(c -> Sql.query(c, "SELECT workspace_id, kind, value, updated_at FROM "
                + "workspace_settings ORDER BY workspace_id, kind", rs -> rs.getString(1) + "|" + rs.getString(2) + "|"
                + rs.getString(3) + "|" + rs.getLong(4)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void refusedWithAJsonErrorAndNothingChanges(Engine engine, Case c) {
        Fixture f = fixture(engine);
        TestHerald h = f.herald();
        Map<String, String> headers = new LinkedHashMap<>();
        c.headers().forEach((k, v) -> headers.put(k, v.replace(OTHER_ADMIN_KEY, f.otherAdminKey())));
        TestHerald.Answer a = Api.request(h, c.method(), c.path(), headers, c.body());
        assertThat(a.status()).as(a.body()).isEqualTo(c.status());
        assertThat(a.errorCode()).as(a.body()).isEqualTo(c.code());
        assertThat(a.json().path("error").path("message").asText()).as(a.body()).isNotBlank();
        if (c.field() != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(c.field());

        assertThat(rows(h)).as("workspace_settings unchanged").isEqualTo(f.rows());
        assertThat(h.admin("/api/v1/settings/policies").json()).isEqualTo(f.policies());
        assertThat(h.admin("/api/v1/settings/styles").json()).isEqualTo(f.styles());
        assertThat(Api.admin(h, f.otherAdminKey(), "GET", "/api/v1/settings/policies", null).json().path("frequencyCaps").size())
                .isZero();
    }

    @AfterAll
    void stop() {
        fixtures.values().forEach(f -> f.herald().close());
        ClassDirectory.delete(dir);
    }
}
