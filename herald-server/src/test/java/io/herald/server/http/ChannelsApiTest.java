package io.herald.server.http;

import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.herald.credential.CredentialSamples;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code GET|PUT|DELETE /api/v1/channels/{channel}}: validated per provider, stored sealed, never shown in full. */
class ChannelsApiTest {
    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-23T01:00:00Z");

    private static JsonNode ok(TestHerald.Answer a, int status) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        return a.status() == 204 ? null : a.json();
    }

    private static void refused(TestHerald.Answer a, int status, String code, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.errorCode()).as(a.body()).isEqualTo(code);
        if (field != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(field);
    }

    static String apns() {
        return "{\"authKey\":" + TextNode.valueOf(CredentialSamples.apnsAuthKey()) + ",\"keyId\":\"ABC123DEFG\","
                + "\"teamId\":\"TEAM123456\",\"topic\":\"com.example.app\",\"server\":\"development\"}";
    }

    static String fcm() {
        return "{\"serviceAccount\":" + CredentialSamples.serviceAccount("https://oauth2.googleapis.com/token") + "}";
    }

    static String webpush() {
        String[] k = CredentialSamples.vapid();
        return "{\"subject\":\"mailto:ops@example.com\",\"publicKey\":\"" + k[0] + "\",\"privateKey\":\"" + k[1] + "\"}";
    }

    static final String SMTP = "{\"host\":\"smtp.example.com\",\"port\":587,\"tls\":\"starttls\",\"username\":\"mailer\","
            + "\"password\":\"smtp-password-1\",\"from\":\"Example <news@example.com>\"}";
    static final String SMS = "{\"accountSid\":\"AC0123\",\"authToken\":\"auth-token-98765wxyz\",\"from\":\"+4915112345678\"}";
    static final String WHATSAPP = "{\"accountSid\":\"AC0123\",\"authToken\":\"auth-token-98765wxyz\","
            + "\"from\":\"whatsapp:+4915112345678\",\"baseUrl\":\"http://127.0.0.1:9999/\"}";

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyChannelsCredentialsAreShownMaskedAndOpenInFullForItsProvider(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            String ws = h.herald().bootstrapped().orElseThrow().workspace().id();

            JsonNode a = ok(admin(h, "PUT", "/api/v1/channels/apns", apns()), 200);
            assertThat(a.path("authKey").asText()).isEqualTo("•••• (set)");
            assertThat(a.path("keyId").asText()).isEqualTo("ABC123DEFG");
            assertThat(a.path("updatedAt").asText()).isEqualTo("2026-11-23T01:00:00Z");
            assertThat(a.toString()).doesNotContain("PRIVATE KEY");
            assertThat(ok(h.admin("/api/v1/channels/apns"), 200)).isEqualTo(a);

            JsonNode f = ok(admin(h, "PUT", "/api/v1/channels/fcm", fcm()), 200);
            assertThat(f.path("serviceAccount").asText()).startsWith("•••• (set)").contains("herald-test")
                    .doesNotContain("PRIVATE");

            String webpush = webpush();
            JsonNode w = ok(admin(h, "PUT", "/api/v1/channels/webpush", webpush), 200);
            assertThat(w.has("privateKey")).isFalse(); // only the public half is shown
            assertThat(w.path("publicKey").asText()).isEqualTo(json(webpush).path("publicKey").asText());

            JsonNode s = ok(admin(h, "PUT", "/api/v1/channels/smtp", SMTP), 200);
            assertThat(s.path("password").asText()).isEqualTo("•••• (set)");
            assertThat(s.path("username").asText()).isEqualTo("mailer");
            assertThat(s.path("port").asInt()).isEqualTo(587);

            JsonNode sms = ok(admin(h, "PUT", "/api/v1/channels/sms", SMS), 200);
            assertThat(sms.path("authToken").asText()).isEqualTo("••••wxyz");
            JsonNode wa = ok(admin(h, "PUT", "/api/v1/channels/whatsapp", WHATSAPP), 200);
            assertThat(wa.path("baseUrl").asText()).isEqualTo("http://127.0.0.1:9999");

            var credentials = h.herald().credentials();
            assertThat(credentials.get(ws, "apns").orElseThrow().path("authKey").asText()).contains("BEGIN PRIVATE KEY");
            assertThat(credentials.get(ws, "fcm").orElseThrow().path("serviceAccount").path("private_key").asText())
                    .contains("BEGIN PRIVATE KEY");
            assertThat(credentials.get(ws, "webpush").orElseThrow().path("privateKey").asText())
                    .isEqualTo(json(webpush).path("privateKey").asText());
            assertThat(credentials.get(ws, "smtp").orElseThrow().path("password").asText()).isEqualTo("smtp-password-1");
            assertThat(credentials.get(ws, "sms").orElseThrow().path("authToken").asText()).isEqualTo("auth-token-98765wxyz");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void whatWasReadCanBeSentBackChangedAndTheSecretsStay(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            String ws = h.herald().bootstrapped().orElseThrow().workspace().id();
            ok(admin(h, "PUT", "/api/v1/channels/apns", apns()), 200);
            String key = h.herald().credentials().get(ws, "apns").orElseThrow().path("authKey").asText();
            ObjectNode read = (ObjectNode) ok(h.admin("/api/v1/channels/apns"), 200);
            read.put("server", "production");
            JsonNode changed = ok(admin(h, "PUT", "/api/v1/channels/apns", read.toString()), 200);
            assertThat(changed.path("server").asText()).isEqualTo("production");
            JsonNode full = h.herald().credentials().get(ws, "apns").orElseThrow();
            assertThat(full.path("authKey").asText()).isEqualTo(key);
            assertThat(full.path("server").asText()).isEqualTo("production");

            ok(admin(h, "PUT", "/api/v1/channels/sms", SMS), 200);
            ObjectNode sms = (ObjectNode) ok(h.admin("/api/v1/channels/sms"), 200);
            ok(admin(h, "PUT", "/api/v1/channels/sms", sms.toString()), 200);
            assertThat(h.herald().credentials().get(ws, "sms").orElseThrow().path("authToken").asText())
                    .isEqualTo("auth-token-98765wxyz");
            // a new secret replaces the old one
            sms.put("authToken", "new-token-11112222");
            ok(admin(h, "PUT", "/api/v1/channels/sms", sms.toString()), 200);
            assertThat(h.herald().credentials().get(ws, "sms").orElseThrow().path("authToken").asText())
                    .isEqualTo("new-token-11112222");

            assertThat(Api.adminDelete(h, "/api/v1/channels/sms").status()).isEqualTo(204);
            refused(h.admin("/api/v1/channels/sms"), 404, "not_found", null);
            assertThat(h.herald().credentials().get(ws, "sms")).isEmpty();
        }
    }

    /** One invalid body per provider rule, and the field the error must name. */
    record Bad(String channel, String body, String field) {
    }

    static List<Bad> badBodies() {
        String[] vapid = CredentialSamples.vapid();
        String[] otherVapid = CredentialSamples.vapid();
        String rsaAsApns = CredentialSamples.rsaPem();
        return List.of(
                new Bad("apns", ((ObjectNode) json(apns())).put("authKey", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n"
                        + "-----END PRIVATE KEY-----\n").toString(), "authKey"),
                new Bad("apns", apns().replace("\"authKey\":", "\"x\":0,\"authKey2\":"), "x"),
                new Bad("apns", ((ObjectNode) json(apns())).put("authKey", "not a pem").toString(), "authKey"),
                new Bad("apns", ((ObjectNode) json(apns())).put("authKey", rsaAsApns).toString(), "authKey"),
                new Bad("apns", ((ObjectNode) json(apns())).put("keyId", "short").toString(), "keyId"),
                new Bad("apns", ((ObjectNode) json(apns())).put("teamId", 12).toString(), "teamId"),
                new Bad("apns", ((ObjectNode) json(apns())).put("topic", "").toString(), "topic"),
                new Bad("apns", ((ObjectNode) json(apns())).put("server", "staging").toString(), "server"),
                new Bad("apns", ((ObjectNode) json(apns())).put("server", "localhost:70000").toString(), "server"),
                new Bad("apns", ((ObjectNode) json(apns())).without("keyId").toString(), "keyId"),
                new Bad("fcm", "{\"serviceAccount\":\"{not json\"}", "serviceAccount"),
                new Bad("fcm", "{\"serviceAccount\":42}", "serviceAccount"),
                new Bad("fcm", "{\"serviceAccount\":{\"project_id\":\"p\",\"client_email\":\"e\",\"token_uri\":"
                        + "\"https://oauth2.googleapis.com/token\"}}", "serviceAccount.private_key"),
                new Bad("fcm", "{\"serviceAccount\":{\"project_id\":\"p\",\"client_email\":\"e\",\"private_key\":\"x\","
                        + "\"token_uri\":\"https://oauth2.googleapis.com/token\"}}", "serviceAccount.private_key"),
                new Bad("fcm", "{\"serviceAccount\":" + CredentialSamples.serviceAccount("ftp://x") + "}",
                        "serviceAccount.token_uri"),
                new Bad("fcm", "{\"serviceAccount\":" + CredentialSamples.serviceAccount("https://x/t")
                        + ",\"baseUrl\":\"not a url\"}", "baseUrl"),
                new Bad("webpush", "{\"subject\":\"ops@example.com\",\"publicKey\":\"" + vapid[0] + "\",\"privateKey\":\""
                        + vapid[1] + "\"}", "subject"),
                new Bad("webpush", "{\"subject\":\"mailto:ops@example.com\",\"publicKey\":\"AAAA\",\"privateKey\":\""
                        + vapid[1] + "\"}", "publicKey"),
                new Bad("webpush", "{\"subject\":\"mailto:ops@example.com\",\"publicKey\":\"" + vapid[0]
                        + "\",\"privateKey\":\"!!\"}", "privateKey"),
                new Bad("webpush", "{\"subject\":\"mailto:ops@example.com\",\"publicKey\":\"" + vapid[0]
                        + "\",\"privateKey\":\"" + otherVapid[1] + "\"}", "privateKey"),
                new Bad("smtp", SMTP.replace("587", "0"), "port"),
                new Bad("smtp", SMTP.replace("587", "\"587\""), "port"),
                new Bad("smtp", SMTP.replace("587", "65536"), "port"),
                new Bad("smtp", SMTP.replace("587", "5.5"), "port"),
                new Bad("smtp", SMTP.replace("starttls", "ssl"), "tls"),
                new Bad("smtp", SMTP.replace("smtp.example.com", "smtp example com"), "host"),
                new Bad("smtp", SMTP.replace("Example <news@example.com>", "news"), "from"),
                new Bad("smtp", SMTP.replace("\"mailer\"", "7"), "username"),
                new Bad("sms", SMS.replace("+4915112345678", "015112345678"), "from"),
                new Bad("sms", SMS.replace("\"auth-token-98765wxyz\"", "null"), "authToken"),
                new Bad("sms", SMS.replace("AC0123", ""), "accountSid"),
                new Bad("whatsapp", WHATSAPP.replace("whatsapp:+4915112345678", "Herald"), "from"),
                new Bad("whatsapp", WHATSAPP.replace("http://127.0.0.1:9999/", "javascript:alert(1)"), "baseUrl"));
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void invalidCredentialsAreRefusedNamingTheFieldAndNothingIsStored(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            for (Bad bad : badBodies()) {
                TestHerald.Answer a = admin(h, "PUT", "/api/v1/channels/" + bad.channel(), bad.body());
                assertThat(a.status()).as("%s %s -> %s", bad.channel(), bad.field(), a.body()).isEqualTo(400);
                assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(bad.field());
                assertThat(a.body()).doesNotContain("-----"); // the key material is never echoed
            }
            assertThat(Api.count(h, "SELECT COUNT(*) FROM channel_credentials")).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anotherWorkspaceCanNeitherReadNorChangeNorDeleteThem(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            ok(admin(h, "PUT", "/api/v1/channels/sms", SMS), 200);
            String otherKey = h.herald().workspaces().create("other").adminKey();
            refused(admin(h, otherKey, "GET", "/api/v1/channels/sms", null), 404, "not_found", null);
            refused(admin(h, otherKey, "DELETE", "/api/v1/channels/sms", null), 404, "not_found", null);
            ok(admin(h, otherKey, "PUT", "/api/v1/channels/sms", SMS.replace("auth-token-98765wxyz", "other-token-0000")), 200);
            assertThat(ok(h.admin("/api/v1/channels/sms"), 200).path("authToken").asText()).isEqualTo("••••wxyz");
            assertThat(ok(admin(h, otherKey, "GET", "/api/v1/channels/sms", null), 200).path("authToken").asText())
                    .isEqualTo("••••0000");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anUnknownChannelIsNotFound(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, clock)) {
            refused(h.admin("/api/v1/channels/pigeon"), 404, "not_found", null);
            refused(admin(h, "PUT", "/api/v1/channels/pigeon", SMS), 404, "not_found", null);
            refused(admin(h, "DELETE", "/api/v1/channels/pigeon", null), 404, "not_found", null);
            refused(admin(h, "PUT", "/api/v1/channels/webhook", SMS), 404, "not_found", null);
            refused(h.admin("/api/v1/channels/sms"), 404, "not_found", null);
        }
    }
}
