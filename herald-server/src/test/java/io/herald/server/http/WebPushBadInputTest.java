package io.herald.server.http;

import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.credential.CredentialSamples;
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
 * What admins, SDKs and impostors get wrong with Web Push: {@code PUT /api/v1/channels/webpush}, the SDK's
 * {@code GET /v1/push/webpush/key} and a web push device's subscription at {@code POST /v1/devices}. Each case is
 * refused with the documented status and JSON error (naming the field where there is one), never a 5xx, and changes
 * nothing: the stored VAPID credentials stay as they were and nothing reaches the event log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebPushBadInputTest {
    private static final String OTHER = "<write key of workspace other>";
    private static final String[] PAIR = CredentialSamples.vapid();
    private static final String[] OTHER_PAIR = CredentialSamples.vapid();
    // RFC 8291's example subscription key and auth secret: a valid p256dh and auth.
    private static final String P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";

    private final Path dir = ClassDirectory.create("herald-WebPushBadInputTest"); // outlives every case's Herald

    record Case(String name, String method, String path, String auth, String contentType, String body, int status,
                String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static String device(String token) {
        return "{\"userId\":\"ada\",\"platform\":\"web\",\"provider\":\"webpush\",\"token\":" + token + "}";
    }

    private static String subscription(String endpoint, String p256dh, String auth) {
        return "{\"endpoint\":" + endpoint + ",\"keys\":{\"p256dh\":" + p256dh + ",\"auth\":" + auth + "}}";
    }

    static Stream<Case> cases() {
        String admin = "Bearer " + TestHerald.ADMIN_KEY;
        String write = TestHerald.basic(TestHerald.WRITE_KEY);
        String json = "application/json";
        String put = "/api/v1/channels/webpush";
        String key = "/v1/push/webpush/key";
        String subject = "\"subject\":\"mailto:ops@example.com\"";
        String endpoint = "\"https://push.example.com/sub/1\"";
        String p256dh = "\"" + P256DH + "\"";
        String auth = "\"" + AUTH + "\"";
        String offCurve = "\"" + P256DH.substring(0, P256DH.length() - 2) + "4A\"";
        return Stream.of(
                // PUT /api/v1/channels/webpush
                new Case("put: no key", "PUT", put, null, json, "{" + subject + "}", 401, "missing_key", null),
                new Case("put: write key", "PUT", put, write, json, "{" + subject + "}", 401, "missing_key", null),
                new Case("put: wrong admin key", "PUT", put, "Bearer ha_not_a_key_000000000", json, "{" + subject + "}",
                        401, "invalid_key", null),
                new Case("put: garbage JSON", "PUT", put, admin, json, "{\"subject\": mailto", 400, "invalid_json", null),
                new Case("put: array", "PUT", put, admin, json, "[1]", 400, "invalid_json", null),
                new Case("put: empty body", "PUT", put, admin, json, "", 400, "invalid_json", null),
                new Case("put: oversized", "PUT", put, admin, json, "{\"subject\":\"mailto:" + "a".repeat(70_000)
                        + "@example.com\"}", 413, "too_large", null),
                new Case("put: no subject", "PUT", put, admin, json, "{}", 400, null, "subject"),
                new Case("put: subject a bare address", "PUT", put, admin, json, "{\"subject\":\"ops@example.com\"}", 400,
                        null, "subject"),
                new Case("put: subject http", "PUT", put, admin, json, "{\"subject\":\"http://example.com\"}", 400, null,
                        "subject"),
                new Case("put: subject a number", "PUT", put, admin, json, "{\"subject\":7}", 400, null, "subject"),
                new Case("put: unknown field", "PUT", put, admin, json, "{" + subject + ",\"curve\":\"P-384\"}", 400,
                        "invalid_field", "curve"),
                new Case("put: publicKey not a point", "PUT", put, admin, json, "{" + subject + ",\"publicKey\":\"AAAA\","
                        + "\"privateKey\":\"" + PAIR[1] + "\"}", 400, null, "publicKey"),
                new Case("put: publicKey off the curve", "PUT", put, admin, json, "{" + subject + ",\"publicKey\":"
                        + offCurve + ",\"privateKey\":\"" + PAIR[1] + "\"}", 400, null, "publicKey"),
                new Case("put: privateKey not base64url", "PUT", put, admin, json, "{" + subject + ",\"publicKey\":\""
                        + PAIR[0] + "\",\"privateKey\":\"!!\"}", 400, null, "privateKey"),
                new Case("put: halves of two pairs", "PUT", put, admin, json, "{" + subject + ",\"publicKey\":\""
                        + PAIR[0] + "\",\"privateKey\":\"" + OTHER_PAIR[1] + "\"}", 400, null, "privateKey"),
                new Case("put: another publicKey alone", "PUT", put, admin, json, "{" + subject + ",\"publicKey\":\""
                        + OTHER_PAIR[0] + "\"}", 400, null, "privateKey"),
                new Case("put: privateKey alone", "PUT", put, admin, json, "{" + subject + ",\"privateKey\":\""
                        + OTHER_PAIR[1] + "\"}", 400, null, "publicKey"),
                new Case("put: masked privateKey with another publicKey", "PUT", put, admin, json, "{" + subject
                        + ",\"publicKey\":\"" + OTHER_PAIR[0] + "\",\"privateKey\":\"•••• (set)\"}", 400, null, "privateKey"),
                new Case("put: privateKey as a number", "PUT", put, admin, json, "{" + subject + ",\"publicKey\":\""
                        + PAIR[0] + "\",\"privateKey\":12}", 400, null, "privateKey"),
                // GET /v1/push/webpush/key
                new Case("key: no key", "GET", key, null, null, null, 401, "missing_key", null),
                new Case("key: wrong key", "GET", key + "?writeKey=hw_not_a_key_000000", null, null, null, 401,
                        "invalid_key", null),
                new Case("key: admin key in Basic", "GET", key, TestHerald.basic(TestHerald.ADMIN_KEY), null, null, 403,
                        "wrong_key_kind", null),
                new Case("key: admin key as Bearer", "GET", key, admin, null, null, 401, "missing_key", null),
                new Case("key: a workspace without web push", "GET", key, OTHER, null, null, 404,
                        "webpush_not_configured", null),
                new Case("key: POST", "POST", key, write, json, "{}", 405, "method_not_allowed", null),
                // POST /v1/devices with provider webpush
                new Case("device: token not JSON", "POST", "/v1/devices", write, json, device("\"tok-1\""), 400, null,
                        "token"),
                new Case("device: token a JSON array", "POST", "/v1/devices", write, json, device("\"[1,2]\""), 400, null,
                        "token"),
                new Case("device: no endpoint", "POST", "/v1/devices", write, json,
                        device("{\"keys\":{\"p256dh\":" + p256dh + ",\"auth\":" + auth + "}}"), 400, null, "token.endpoint"),
                new Case("device: endpoint not a URL", "POST", "/v1/devices", write, json,
                        device(subscription("\"push service\"", p256dh, auth)), 400, null, "token.endpoint"),
                new Case("device: endpoint ftp", "POST", "/v1/devices", write, json,
                        device(subscription("\"ftp://push.example.com/x\"", p256dh, auth)), 400, null, "token.endpoint"),
                new Case("device: endpoint with credentials", "POST", "/v1/devices", write, json,
                        device(subscription("\"https://user:pw@push.example.com/x\"", p256dh, auth)), 400, null,
                        "token.endpoint"),
                new Case("device: no keys", "POST", "/v1/devices", write, json, device("{\"endpoint\":" + endpoint + "}"),
                        400, null, "token.keys"),
                new Case("device: p256dh missing", "POST", "/v1/devices", write, json,
                        device("{\"endpoint\":" + endpoint + ",\"keys\":{\"auth\":" + auth + "}}"), 400, null,
                        "token.keys.p256dh"),
                new Case("device: p256dh too short", "POST", "/v1/devices", write, json,
                        device(subscription(endpoint, "\"BCVx\"", auth)), 400, null, "token.keys.p256dh"),
                new Case("device: p256dh off the curve", "POST", "/v1/devices", write, json,
                        device(subscription(endpoint, offCurve, auth)), 400, null, "token.keys.p256dh"),
                new Case("device: p256dh not base64url", "POST", "/v1/devices", write, json,
                        device(subscription(endpoint, "\"***\"", auth)), 400, null, "token.keys.p256dh"),
                new Case("device: auth of 8 bytes", "POST", "/v1/devices", write, json,
                        device(subscription(endpoint, p256dh, "\"AAAAAAAAAAA\"")), 400, null, "token.keys.auth"),
                new Case("device: auth a number", "POST", "/v1/devices", write, json,
                        device(subscription(endpoint, p256dh, "16")), 400, null, "token.keys.auth"));
    }

    static Stream<Object[]> enginesAndCases() {
        return io.herald.testing.TestDatabase.engines().flatMap(e -> cases().map(c -> new Object[] {e, c}));
    }

    private record Fixture(TestHerald herald, String otherWriteKey) {
    }

    private final Map<Engine, Fixture> fixtures = new EnumMap<>(Engine.class);

    private Fixture fixture(Engine engine) {
        return fixtures.computeIfAbsent(engine, e -> {
            TestHerald h = TestHerald.start(e, dir, TestClock.at("2026-11-23T04:00:00Z"));
            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{}}");
            h.process();
            TestHerald.Answer a = Api.admin(h, "PUT", "/api/v1/channels/webpush", "{\"subject\":\"mailto:ops@example.com\","
                    + "\"publicKey\":\"" + PAIR[0] + "\",\"privateKey\":\"" + PAIR[1] + "\"}");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            return new Fixture(h, h.herald().workspaces().create("other").writeKey());
        });
    }

    @AfterAll
    void closeFixtures() {
        fixtures.values().forEach(f -> f.herald().close());
        ClassDirectory.delete(dir);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndCases")
    void aMistakeIsRefusedWithAJsonErrorAndChangesNothing(Engine engine, Case k) {
        Fixture f = fixture(engine);
        TestHerald h = f.herald();
        long logRows = eventLogRows(h);
        String ws = h.herald().bootstrapped().orElseThrow().workspace().id();
        JsonNode stored = h.herald().credentials().get(ws, "webpush").orElseThrow();
        Map<String, String> headers = new HashMap<>();
        String path = k.path();
        if (k.auth() != null && k.auth().equals(OTHER)) path += "?writeKey=" + f.otherWriteKey();
        else if (k.auth() != null) headers.put("Authorization", k.auth());
        if (k.contentType() != null) headers.put("Content-Type", k.contentType());
        TestHerald.Answer a = Api.request(h, k.method(), path, headers, k.body() == null ? null : utf8(k.body()));

        assertThat(a.status()).as(a.body()).isEqualTo(k.status());
        assertThat(a.json().path("error").path("message").asText()).as(a.body()).isNotBlank();
        if (k.code() != null) assertThat(a.errorCode()).as(a.body()).isEqualTo(k.code());
        if (k.field() != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(k.field());
        assertThat(a.body()).doesNotContain(PAIR[1]).doesNotContain(OTHER_PAIR[1]); // no private key echoed
        assertThat(h.herald().credentials().get(ws, "webpush").orElseThrow()).isEqualTo(stored);
        assertThat(eventLogRows(h)).isEqualTo(logRows);
    }
}
