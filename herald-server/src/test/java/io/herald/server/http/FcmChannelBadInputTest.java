package io.herald.server.http;

import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.request;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.push.FakeFcm;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients get wrong on {@code PUT /api/v1/channels/fcm}: every case is a 4xx JSON error naming the field, never
 * a 5xx, and the stored service account stays as it was.
 */
class FcmChannelBadInputTest {
    private static final String BEARER = "Bearer " + TestHerald.ADMIN_KEY;

    @TempDir
    Path dir;

    private FakeFcm fcm;

    @BeforeEach
    void start() {
        fcm = new FakeFcm();
    }

    @AfterEach
    void stop() {
        fcm.close();
    }

    record Case(String name, String path, String body, Map<String, String> headers, int status, String code,
                String field) {
    }

    private Case put(String name, String body, int status, String code, String field) {
        return new Case(name, "fcm", body, Map.of("Authorization", BEARER, "Content-Type", "application/json"), status, code,
                field);
    }

    /** The good credentials with one change to the service account. */
    private String account(Consumer<ObjectNode> change) {
        ObjectNode c = fcm.credentials();
        change.accept((ObjectNode) c.get("serviceAccount"));
        return c.toString();
    }

    private List<Case> cases(String otherKey) {
        String good = fcm.credentials().toString();
        List<Case> c = new ArrayList<>();
        c.add(put("garbage JSON", "{\"serviceAccount\":", 400, "invalid_json", null));
        c.add(put("an array", "[]", 400, "invalid_json", null));
        c.add(put("no service account", "{\"baseUrl\":\"https://fcm.example.com\"}", 400, "missing_field", "serviceAccount"));
        c.add(put("service account as a number", "{\"serviceAccount\":42}", 400, "invalid_field", "serviceAccount"));
        c.add(put("service account as an array", "{\"serviceAccount\":[1]}", 400, "invalid_field", "serviceAccount"));
        c.add(put("service account as a string that is not JSON", "{\"serviceAccount\":\"{project_id: x\"}", 400,
                "invalid_field", "serviceAccount"));
        c.add(put("service account as a string holding an array", "{\"serviceAccount\":\"[]\"}", 400, "invalid_field",
                "serviceAccount"));
        for (String k : List.of("project_id", "client_email", "private_key", "token_uri")) {
            c.add(put("no " + k, account(a -> a.remove(k)), 400, "invalid_field", "serviceAccount." + k));
            c.add(put(k + " empty", account(a -> a.put(k, " ")), 400, "invalid_field", "serviceAccount." + k));
            c.add(put(k + " a number", account(a -> a.put(k, 7)), 400, "invalid_field", "serviceAccount." + k));
        }
        c.add(put("a private key that does not parse", account(a -> a.put("private_key",
                "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")), 400, "invalid_field",
                "serviceAccount.private_key"));
        c.add(put("an EC key instead of RSA", account(a -> a.put("private_key", ecKey())), 400, "invalid_field",
                "serviceAccount.private_key"));
        c.add(put("token_uri not a URL", account(a -> a.put("token_uri", "oauth2.googleapis.com/token")), 400,
                "invalid_field", "serviceAccount.token_uri"));
        c.add(put("token_uri ftp", account(a -> a.put("token_uri", "ftp://example.com/token")), 400, "invalid_field",
                "serviceAccount.token_uri"));
        c.add(put("baseUrl not a URL", fcm.credentials().put("baseUrl", "fcm dot googleapis").toString(), 400,
                "invalid_field", "baseUrl"));
        c.add(put("baseUrl a number", fcm.credentials().put("baseUrl", 443).toString(), 400, "invalid_field", "baseUrl"));
        c.add(put("androidClickAction a number", fcm.credentials().put("androidClickAction", 1).toString(), 400,
                "invalid_field", "androidClickAction"));
        c.add(put("androidClickAction too long", fcm.credentials().put("androidClickAction", "A".repeat(300)).toString(),
                400, "invalid_field", "androidClickAction"));
        c.add(put("unknown field", fcm.credentials().put("apiKey", "AIza").toString(), 400, "invalid_field", "apiKey"));
        c.add(put("an oversized body", "{\"serviceAccount\":\"" + "x".repeat(70_000) + "\"}", 413, "too_large", null));
        c.add(put("an oversized service account string", "{\"serviceAccount\":\"" + "x".repeat(17_000) + "\"}", 400,
                "invalid_field", "serviceAccount"));
        c.add(new Case("verify not a boolean", "fcm?verify=yes", good, Map.of("Authorization", BEARER, "Content-Type",
                "application/json"), 400, "invalid_field", "verify"));
        c.add(new Case("verify on a channel it cannot check", "sms?verify=true", ChannelsApiTest.SMS, Map.of("Authorization",
                BEARER, "Content-Type", "application/json"), 400, "invalid_field", "verify"));
        c.add(new Case("no key", "fcm", good, Map.of("Content-Type", "application/json"), 401, "missing_key", null));
        c.add(new Case("the write key", "fcm", good, Map.of("Authorization", "Bearer " + TestHerald.WRITE_KEY,
                "Content-Type", "application/json"), 403, "wrong_key_kind", null));
        c.add(new Case("another workspace reads", "fcm", null, Map.of("Authorization", "Bearer " + otherKey), 404,
                "not_found", null));
        return c;
    }

    private static String ecKey() {
        try {
            var g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(256);
            return "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(
                    g.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void badServiceAccountsAreRefusedWithA4xxNamingTheFieldAndChangeNothing(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-23T01:00:00Z"))) {
            assertThat(Api.admin(h, "PUT", "/api/v1/channels/fcm", fcm.credentials().toString()).status()).isEqualTo(200);
            String otherKey = h.herald().workspaces().create("other").adminKey();
            String ws = PreferenceCenterPagesTest.workspace(h);
            String storedBefore = h.herald().credentials().get(ws, "fcm").orElseThrow().toString();
            String viewBefore = h.admin("/api/v1/channels/fcm").body();
            long logBefore = eventLogRows(h);

            List<Case> cases = cases(otherKey);
            // Credentials the token endpoint refuses, checked with verify=true: a 400 and nothing stored.
            fcm.refuseTokens();
            cases.add(new Case("verify with refused credentials", "fcm?verify=true", fcm.credentials().toString(),
                    Map.of("Authorization", BEARER, "Content-Type", "application/json"), 400, "invalid_field",
                    "serviceAccount"));
            for (Case k : cases) {
                String method = k.body() == null ? "GET" : "PUT";
                TestHerald.Answer a = request(h, method, "/api/v1/channels/" + k.path(), k.headers(),
                        k.body() == null ? null : utf8(k.body()));
                String what = k.name() + " -> " + a.status() + " " + a.body().substring(0, Math.min(300, a.body().length()));
                assertThat(a.status()).as(what).isEqualTo(k.status());
                assertThat(a.errorCode()).as(what).isEqualTo(k.code());
                if (k.field() != null) assertThat(a.json().path("error").path("field").asText()).as(what).isEqualTo(k.field());
                assertThat(a.body()).as(what).doesNotContain("BEGIN PRIVATE KEY");
            }

            h.process();
            assertThat(h.herald().credentials().get(ws, "fcm").orElseThrow().toString()).isEqualTo(storedBefore);
            assertThat(h.admin("/api/v1/channels/fcm").body()).isEqualTo(viewBefore);
            assertThat(Api.count(h, "SELECT COUNT(*) FROM channel_credentials")).isEqualTo(1);
            assertThat(eventLogRows(h)).isEqualTo(logBefore);
        }
    }
}
