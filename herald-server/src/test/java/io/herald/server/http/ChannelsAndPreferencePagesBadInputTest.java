package io.herald.server.http;

import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.request;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients and link-clickers get wrong on {@code /api/v1/channels} and the public preference pages: every case
 * is refused with a 4xx (JSON on the API, an HTML page on the public pages), never a 5xx, and changes nothing: the
 * stored credentials stay as they were and nothing reaches the event log.
 */
class ChannelsAndPreferencePagesBadInputTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BEARER = "Bearer " + TestHerald.ADMIN_KEY;

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-23T01:00:00Z");

    /** A request, the status it must get, and the JSON error code (null: an HTML page, or any body). */
    record Case(String name, String method, String path, Map<String, String> headers, byte[] body, int status,
                String code, String field) {
    }

    private static Map<String, String> headers(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static Case api(String name, String method, String path, String body, int status, String code, String field) {
        return new Case(name, method, path, headers("Authorization", BEARER, "Content-Type", "application/json"),
                body == null ? null : utf8(body), status, code, field);
    }

    private static List<Case> channelCases(String otherKey) {
        List<Case> c = new ArrayList<>();
        c.add(api("garbage JSON", "PUT", "/api/v1/channels/sms", "{not json", 400, "invalid_json", null));
        c.add(api("an array", "PUT", "/api/v1/channels/sms", "[1,2]", 400, "invalid_json", null));
        c.add(api("null", "PUT", "/api/v1/channels/sms", "null", 400, "invalid_json", null));
        c.add(api("a string", "PUT", "/api/v1/channels/sms", "\"x\"", 400, "invalid_json", null));
        c.add(api("empty body", "PUT", "/api/v1/channels/sms", "", 400, "invalid_json", null));
        c.add(api("unknown field", "PUT", "/api/v1/channels/sms", ChannelsApiTest.SMS.replace("{", "{\"pin\":1,"), 400,
                "invalid_field", "pin"));
        c.add(api("port as a string", "PUT", "/api/v1/channels/smtp", ChannelsApiTest.SMTP.replace("587", "\"587\""), 400,
                "invalid_field", "port"));
        c.add(api("token as a number", "PUT", "/api/v1/channels/sms",
                ChannelsApiTest.SMS.replace("\"auth-token-98765wxyz\"", "12345"), 400, "invalid_field", "authToken"));
        c.add(api("a masked value with nothing to keep", "PUT", "/api/v1/channels/whatsapp",
                ChannelsApiTest.SMS.replace("auth-token-98765wxyz", "••••wxyz"), 400, "invalid_field", "authToken"));
        c.add(api("an oversized field", "PUT", "/api/v1/channels/sms",
                ChannelsApiTest.SMS.replace("AC0123", "A".repeat(17_000)), 400, "invalid_field", "accountSid"));
        c.add(api("a NUL character", "PUT", "/api/v1/channels/sms", ChannelsApiTest.SMS.replace("AC0123", "AC\\u0000"),
                400, "invalid_field", "accountSid"));
        c.add(api("an oversized body", "PUT", "/api/v1/channels/sms", "{\"accountSid\":\"" + "x".repeat(70_000) + "\"}",
                413, "too_large", null));
        c.add(new Case("not JSON", "PUT", "/api/v1/channels/sms", headers("Authorization", BEARER, "Content-Type",
                "text/plain"), utf8(ChannelsApiTest.SMS), 415, "unsupported_media_type", null));
        c.add(new Case("no key", "PUT", "/api/v1/channels/sms", headers("Content-Type", "application/json"),
                utf8(ChannelsApiTest.SMS), 401, "missing_key", null));
        c.add(new Case("no key, GET", "GET", "/api/v1/channels/sms", headers(), null, 401, "missing_key", null));
        c.add(new Case("a wrong key", "GET", "/api/v1/channels/sms", headers("Authorization", "Bearer nope-nope-nope"),
                null, 401, "invalid_key", null));
        c.add(new Case("the write key", "DELETE", "/api/v1/channels/sms", headers("Authorization", "Bearer "
                + TestHerald.WRITE_KEY), null, 403, "wrong_key_kind", null));
        c.add(new Case("another workspace reads", "GET", "/api/v1/channels/sms", headers("Authorization", "Bearer "
                + otherKey), null, 404, "not_found", null));
        c.add(new Case("another workspace deletes", "DELETE", "/api/v1/channels/sms", headers("Authorization", "Bearer "
                + otherKey), null, 404, "not_found", null));
        c.add(api("an unknown channel", "PUT", "/api/v1/channels/telegram", ChannelsApiTest.SMS, 404, "not_found", null));
        c.add(api("a path-like channel", "GET", "/api/v1/channels/..%2Fsettings", null, 404, null, null));
        c.add(api("POST is not a method here", "POST", "/api/v1/channels/sms", ChannelsApiTest.SMS, 405,
                "method_not_allowed", null));
        return c;
    }

    private static List<Case> pageCases(String good) {
        List<Case> c = new ArrayList<>();
        String marker = "herald-preferences=1&channel.email=on";
        c.add(new Case("no content type", "POST", "/preferences/" + good, headers(), utf8(marker), 415, null, null));
        c.add(new Case("JSON instead of a form", "POST", "/preferences/" + good, headers("Content-Type",
                "application/json"), utf8("{\"channels\":{}}"), 415, null, null));
        c.add(new Case("a form without the page's marker", "POST", "/preferences/" + good, headers("Content-Type", FORM),
                utf8("channel.email=on"), 400, null, null));
        c.add(new Case("an empty form", "POST", "/preferences/" + good, headers("Content-Type", FORM), new byte[0], 400,
                null, null));
        c.add(new Case("a malformed escape", "POST", "/preferences/" + good, headers("Content-Type", FORM),
                utf8(marker + "&%zz=1"), 400, null, null));
        c.add(new Case("an oversized form", "POST", "/preferences/" + good, headers("Content-Type", FORM),
                utf8(marker + "&x=" + "a".repeat(600_000)), 413, null, null));
        c.add(new Case("too many fields", "POST", "/preferences/" + good, headers("Content-Type", FORM),
                utf8(marker + "&a".repeat(20_000)), 413, null, null));
        c.add(new Case("binary garbage", "POST", "/preferences/" + good, headers("Content-Type", FORM),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '%'}, 400, null, null));
        c.add(new Case("an oversized one-click body", "POST", "/u/" + good, headers("Content-Type", FORM),
                utf8("List-Unsubscribe=One-Click&x=" + "a".repeat(20_000)), 413, null, null));
        String[] wrong = {"x", "a.b.c", good + "x", good.replace('.', '_'), "x".repeat(1500),
                new StringBuilder(good).reverse().toString(), "%E2%98%83.%E2%98%83"};
        for (String t : wrong) {
            for (String page : new String[] {"/u/", "/preferences/"}) {
                c.add(new Case("GET with a wrong token " + t.length(), "GET", page + t, headers(), null, 404, null, null));
                c.add(new Case("POST with a wrong token " + t.length(), "POST", page + t, headers("Content-Type", FORM),
                        utf8("List-Unsubscribe=One-Click&" + marker), 404, null, null));
            }
        }
        c.add(new Case("PUT on the unsubscribe page", "PUT", "/u/" + good, headers("Content-Type", FORM),
                utf8("List-Unsubscribe=One-Click"), 405, "method_not_allowed", null));
        c.add(new Case("DELETE on the preference page", "DELETE", "/preferences/" + good, headers(), null, 405,
                "method_not_allowed", null));
        return c;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void badRequestsAreRefusedWithA4xxAndChangeNothing(Engine engine) {
        try (TestHerald h = PreferenceCenterPagesTest.seeded(engine, dir, clock)) {
            assertThat(admin(h, "PUT", "/api/v1/channels/sms", ChannelsApiTest.SMS).status()).isEqualTo(200);
            String ws = PreferenceCenterPagesTest.workspace(h);
            String otherKey = h.herald().workspaces().create("other").adminKey();
            String good = PreferenceCenterPagesTest.token(h, "email", "tips");
            h.process();
            String storedBefore = h.herald().credentials().get(ws, "sms").orElseThrow().toString();
            String viewBefore = h.admin("/api/v1/channels/sms").body();
            long logBefore = eventLogRows(h);
            String prefsBefore = h.admin("/api/v1/people/u1/preferences").body();

            List<Case> cases = new ArrayList<>(channelCases(otherKey));
            cases.addAll(pageCases(good));
            for (Case k : cases) {
                TestHerald.Answer a = request(h, k.method(), k.path(), k.headers(), k.body());
                String what = k.name() + " -> " + a.status() + " " + a.body().substring(0, Math.min(300, a.body().length()));
                assertThat(a.status()).as(what).isEqualTo(k.status());
                String type = a.response().headers().firstValue("Content-Type").orElse("");
                if (k.code() != null) {
                    assertThat(a.errorCode()).as(what).isEqualTo(k.code());
                    if (k.field() != null) assertThat(a.json().path("error").path("field").asText()).as(what).isEqualTo(k.field());
                } else if (!k.path().startsWith("/api/")) {
                    assertThat(type).as(what).startsWith("text/html");
                    assertThat(a.body()).as(what).startsWith("<!doctype html>");
                }
                assertThat(a.body()).as(what).doesNotContain("auth-token-98765wxyz");
            }

            h.process();
            assertThat(h.herald().credentials().get(ws, "sms").orElseThrow().toString()).isEqualTo(storedBefore);
            assertThat(h.admin("/api/v1/channels/sms").body()).isEqualTo(viewBefore);
            assertThat(Api.count(h, "SELECT COUNT(*) FROM channel_credentials")).isEqualTo(1);
            assertThat(eventLogRows(h)).isEqualTo(logBefore);
            assertThat(h.admin("/api/v1/people/u1/preferences").body()).isEqualTo(prefsBefore);
            // and Herald still answers
            assertThat(request(h, "GET", "/preferences/" + good, Map.of(), null).status()).isEqualTo(200);
        }
    }
}
