package io.herald.server.http;

import static io.herald.server.http.Api.count;
import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.ClassDirectory;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients get wrong with test sends and webhook settings: each case is refused with the documented status and
 * JSON error naming the field, never a 5xx, and creates no delivery and no event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryBadInputTest {
    private static final String OTHER = "<admin key of workspace other>";

    private final Path dir = ClassDirectory.create("herald-DeliveryBadInputTest"); // outlives every case's Herald

    record Case(String name, String method, String path, String auth, String contentType, String body, int status,
                String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String OK_MESSAGE =
            "\"message\":{\"format\":\"banner\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Hi\"}]}]}";

    static Stream<Case> cases() {
        String admin = "Bearer " + TestHerald.ADMIN_KEY;
        String json = "application/json";
        String send = "/api/v1/messages/test-send";
        return Stream.of(
                new Case("no key", "POST", send, null, json, "{\"channel\":\"in_app\",\"userId\":\"ada\"," + OK_MESSAGE + "}", 401, null, null),
                new Case("write key", "POST", send, TestHerald.basic(TestHerald.WRITE_KEY), json,
                        "{\"channel\":\"in_app\",\"userId\":\"ada\"," + OK_MESSAGE + "}", 401, null, null),
                new Case("wrong admin key", "POST", send, "Bearer ha_not_a_key_at_all_000000", json,
                        "{\"channel\":\"in_app\",\"userId\":\"ada\"," + OK_MESSAGE + "}", 401, null, null),
                new Case("another workspace's person", "POST", send, "Bearer " + OTHER, json,
                        "{\"channel\":\"in_app\",\"userId\":\"ada\"," + OK_MESSAGE + "}", 404, "not_found", null),
                new Case("garbage JSON", "POST", send, admin, json, "{\"channel\": in_app", 400, "invalid_json", null),
                new Case("empty body", "POST", send, admin, json, "", 400, "invalid_json", null),
                new Case("array body", "POST", send, admin, json, "[1,2]", 400, "invalid_json", null),
                new Case("not JSON content type", "POST", send, admin, "text/xml",
                        "{\"channel\":\"in_app\",\"userId\":\"ada\"," + OK_MESSAGE + "}", 415, null, null),
                new Case("missing channel", "POST", send, admin, json, "{\"userId\":\"ada\"," + OK_MESSAGE + "}", 400, null, "channel"),
                new Case("unknown channel", "POST", send, admin, json, "{\"channel\":\"fax\",\"userId\":\"ada\"," + OK_MESSAGE + "}",
                        400, null, "channel"),
                new Case("channel not a string", "POST", send, admin, json, "{\"channel\":5,\"userId\":\"ada\"," + OK_MESSAGE + "}",
                        400, null, "channel"),
                new Case("missing message", "POST", send, admin, json, "{\"channel\":\"in_app\",\"userId\":\"ada\"}", 400, null, "message"),
                new Case("message not an object", "POST", send, admin, json,
                        "{\"channel\":\"in_app\",\"userId\":\"ada\",\"message\":\"Hi\"}", 400, null, "message"),
                new Case("a field the channel's message does not have", "POST", send, admin, json,
                        "{\"channel\":\"in_app\",\"userId\":\"ada\",\"message\":{\"format\":\"modal\",\"title\":\"Hi\"}}",
                        400, "invalid_field", "message.title"),
                new Case("invalid Liquid", "POST", send, admin, json,
                        "{\"channel\":\"push\",\"userId\":\"ada\",\"message\":{\"title\":\"Hi {{ person.name \"}}", 400, null,
                        "message.title"),
                new Case("missing userId", "POST", send, admin, json, "{\"channel\":\"in_app\"," + OK_MESSAGE + "}", 400, null, "userId"),
                new Case("userId not a string", "POST", send, admin, json, "{\"channel\":\"in_app\",\"userId\":42," + OK_MESSAGE + "}",
                        400, null, "userId"),
                new Case("empty userId", "POST", send, admin, json, "{\"channel\":\"in_app\",\"userId\":\"\"," + OK_MESSAGE + "}",
                        400, null, "userId"),
                new Case("unknown field", "POST", send, admin, json,
                        "{\"channel\":\"in_app\",\"userId\":\"ada\",\"campaign\":\"x\"," + OK_MESSAGE + "}", 400, null, "campaign"),
                new Case("unknown user", "POST", send, admin, json, "{\"channel\":\"in_app\",\"userId\":\"nobody\"," + OK_MESSAGE + "}",
                        404, "not_found", null),
                new Case("oversized body", "POST", send, admin, json, "{\"channel\":\"in_app\",\"userId\":\"ada\",\"message\":{\"title\":\""
                        + "x".repeat(300 * 1024) + "\"}}", 413, "too_large", null),
                new Case("settings without a key", "GET", "/api/v1/settings/webhooks", null, null, null, 401, null, null),
                new Case("settings with the write key", "GET", "/api/v1/settings/webhooks", TestHerald.basic(TestHerald.WRITE_KEY),
                        null, null, 401, null, null),
                new Case("settings are read-only", "PUT", "/api/v1/settings/webhooks", admin, json, "{\"signingSecret\":\"mine\"}",
                        405, "method_not_allowed", null));
    }

    static Stream<Object[]> enginesAndCases() {
        return io.herald.testing.TestDatabase.engines().flatMap(e -> cases().map(c -> new Object[] {e, c}));
    }

    private record Fixture(TestHerald herald, String otherAdminKey) {
    }

    private final Map<Engine, Fixture> fixtures = new EnumMap<>(Engine.class);

    /** One Herald per engine for all cases (each case changes nothing, which is what it checks). */
    private Fixture fixture(Engine engine) {
        return fixtures.computeIfAbsent(engine, e -> {
            TestHerald h = TestHerald.start(e, dir, TestClock.at("2026-11-22T10:00:00Z"));
            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{}}");
            h.process();
            return new Fixture(h, h.herald().workspaces().create("other").adminKey());
        });
    }

    @AfterAll
    void closeFixtures() {
        fixtures.values().forEach(f -> f.herald().close());
        ClassDirectory.delete(dir);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndCases")
    void aClientMistakeIsRefusedWithAJsonErrorAndChangesNothing(Engine engine, Case k) {
        Fixture f = fixture(engine);
        TestHerald h = f.herald();
        String other = f.otherAdminKey();
        {
            long logRows = eventLogRows(h);
            Map<String, String> headers = new HashMap<>();
            if (k.auth() != null) headers.put("Authorization", k.auth().replace(OTHER, other));
            if (k.contentType() != null) headers.put("Content-Type", k.contentType());
            TestHerald.Answer a = Api.request(h, k.method(), k.path(), headers, k.body() == null ? null : utf8(k.body()));

            assertThat(a.status()).as(a.body()).isEqualTo(k.status());
            assertThat(a.json().path("error").path("message").asText()).as(a.body()).isNotBlank();
            if (k.code() != null) assertThat(a.errorCode()).as(a.body()).isEqualTo(k.code());
            if (k.field() != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(k.field());
            assertThat(count(h, "SELECT COUNT(*) FROM deliveries")).isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM workspace_settings WHERE kind = 'webhooks'")).isZero();
            assertThat(eventLogRows(h)).isEqualTo(logRows);
        }
    }
}
