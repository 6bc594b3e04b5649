package io.herald.server.http;

import static io.herald.server.http.Api.accepted;
import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.json;
import static io.herald.server.http.Api.request;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.preference.Links;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The hosted preference center and one-click unsubscribe behind the links in messages. */
class PreferenceCenterPagesTest {
    static final String FORM = "application/x-www-form-urlencoded";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-23T01:00:00Z");

    /** A Herald with person u1 and two topics: tips (default in, a name needing escapes) and news (default out). */
    static TestHerald seeded(Engine engine, Path dir, TestClock clock) {
        TestHerald h = TestHerald.start(engine, dir, clock);
        accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{\"email\":\"u1@example.com\"}}");
        h.process();
        assertThat(admin(h, "POST", "/api/v1/topics", "{\"key\":\"tips\",\"name\":\"Tips <script>alert('x')</script> & "
                + "\\\"more\\\"\",\"defaultOptIn\":true}").status()).isEqualTo(201);
        assertThat(admin(h, "POST", "/api/v1/topics", "{\"key\":\"news\",\"name\":\"News\",\"defaultOptIn\":false}")
                .status()).isEqualTo(201);
        return h;
    }

    static String workspace(TestHerald h) {
        return h.herald().bootstrapped().orElseThrow().workspace().id();
    }

    static String personId(TestHerald h, String userId) {
        return h.herald().database().read(c -> Sql.queryOne(c, "SELECT id FROM persons WHERE user_id = ?",
                rs -> rs.getString(1), userId)).orElseThrow();
    }

    /** The token of the links Herald puts in a message to u1 on that channel (and topic). */
    static String token(TestHerald h, String channel, String topic) {
        Map<String, String> links = h.herald().links().forDelivery(workspace(h), personId(h, "u1"), "d1", channel, topic);
        String u = links.get("unsubscribeUrl");
        assertThat(u).startsWith("http://localhost:" + h.herald().port() + "/u/");
        String token = u.substring(u.indexOf("/u/") + 3);
        assertThat(links.get("preferencesUrl")).isEqualTo("http://localhost:" + h.herald().port() + "/preferences/" + token);
        return token;
    }

    static TestHerald.Answer get(TestHerald h, String path) {
        return request(h, "GET", path, Map.of(), null);
    }

    static TestHerald.Answer post(TestHerald h, String path, String contentType, String body) {
        return request(h, "POST", path, Map.of("Content-Type", contentType), utf8(body));
    }

    private static void html(TestHerald.Answer a, int status) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(a.response().headers().firstValue("Referrer-Policy")).contains("no-referrer");
        assertThat(a.body()).startsWith("<!doctype html>").doesNotContain("<script");
    }

    private static String prefs(TestHerald h) {
        TestHerald.Answer a = h.admin("/api/v1/people/u1/preferences");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json().toString();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void thePreferenceCenterShowsTheTopicsAndCurrentChoicesEscaped(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            assertThat(admin(h, "PUT", "/api/v1/people/u1/preferences",
                    "{\"channels\":{\"sms\":false},\"topics\":{\"news\":{\"email\":true}}}").status()).isEqualTo(202);
            h.process();
            TestHerald.Answer page = get(h, "/preferences/" + token(h, "email", "tips"));
            html(page, 200);
            assertThat(page.body()).contains("Tips &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
                    .contains("name=\"channel.email\" checked").contains("name=\"channel.sms\">")
                    .contains("name=\"topic.news.email\" aria-label=\"News by Email\" checked")
                    .contains("name=\"topic.news.push\" aria-label=\"News by Push notifications\">")
                    .contains("name=\"topic.tips.push\" aria-label=\"Tips &lt;script&gt;")
                    .contains("name=\"herald-preferences\"");
            assertThat(page.response().headers().firstValue("Content-Security-Policy").orElse(""))
                    .contains("default-src 'none'");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void savingThePageChangesThePreferencesThroughThePersonsLog(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String token = token(h, "email", "tips");
            // email and sms off; tips only by push; news by email (the default is out)
            String form = "herald-preferences=1&channel.push=on&channel.in_app=on&channel.whatsapp=on"
                    + "&topic.tips.push=on&topic.news.email=on";
            TestHerald.Answer saved = post(h, "/preferences/" + token, FORM, form);
            html(saved, 200);
            assertThat(saved.body()).contains("Your preferences are saved").contains("name=\"channel.email\">");
            long before = eventLogRows(h);
            assertThat(before).isPositive();
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("""
                    {"channels":{"email":false,"sms":false},
                     "topics":{"tips":{"in_app":false,"email":false,"sms":false,"whatsapp":false},
                               "news":{"email":true}}}"""));
            // the page now shows what was saved
            TestHerald.Answer again = get(h, "/preferences/" + token);
            assertThat(again.body()).contains("name=\"channel.email\">").contains("name=\"channel.push\" checked")
                    .contains("name=\"topic.news.email\" aria-label=\"News by Email\" checked");
            // saving the page unchanged keeps every choice
            post(h, "/preferences/" + token, FORM, form);
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("""
                    {"channels":{"email":false,"sms":false},
                     "topics":{"tips":{"in_app":false,"email":false,"sms":false,"whatsapp":false},
                               "news":{"email":true}}}"""));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void oneClickUnsubscribesFromTheMessagesTopicOnItsChannel(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String token = token(h, "email", "tips");
            TestHerald.Answer a = post(h, "/u/" + token, FORM, "List-Unsubscribe=One-Click");
            html(a, 200);
            assertThat(a.body()).contains("You are unsubscribed").contains("by email")
                    .contains("href=\"../preferences/" + token + "\"");
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{},\"topics\":{\"tips\":{\"email\":false}}}"));
            // RFC 8058 allows multipart/form-data too
            String push = token(h, "push", null);
            assertThat(request(h, "POST", "/u/" + push, Map.of("Content-Type", "multipart/form-data; boundary=b"),
                    utf8("--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n"))
                    .status()).isEqualTo(200);
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{\"push\":false},\"topics\":{\"tips\":{\"email\":false}}}"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void openingTheUnsubscribeLinkChangesNothingUntilTheButtonIsPressed(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String token = token(h, "sms", null);
            long rows = eventLogRows(h);
            TestHerald.Answer page = get(h, "/u/" + token);
            html(page, 200);
            assertThat(page.body()).contains("<form method=\"post\">").contains("Unsubscribe</button>")
                    .contains("SMS from us");
            get(h, "/u/" + token);
            get(h, "/preferences/" + token);
            h.process();
            assertThat(eventLogRows(h)).isEqualTo(rows);
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{},\"topics\":{}}"));
            // the page's button posts its own form
            html(post(h, "/u/" + token, FORM, "List-Unsubscribe=One-Click"), 200);
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{\"sms\":false},\"topics\":{}}"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void tamperedForeignAndOrphanedTokensGetAFriendlyPageAndChangeNothing(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String good = token(h, "email", "tips");
            String tampered = good.substring(0, 10) + (good.charAt(10) == 'A' ? 'B' : 'A') + good.substring(11);
            String foreign = new Links("http://x").forDelivery(workspace(h), personId(h, "u1"), "d", "email", null)
                    .get("unsubscribeUrl").substring("http://x/u/".length());
            accepted(h, "/v1/identify", "{\"userId\":\"u2\"}");
            h.process();
            String otherWorkspace = h.herald().workspaces().create("other").workspace().id();
            String otherWs = h.herald().links().forDelivery(otherWorkspace, personId(h, "u1"), "d", "email", null)
                    .get("unsubscribeUrl");
            otherWs = otherWs.substring(otherWs.indexOf("/u/") + 3);
            String unknownPerson = h.herald().links().forDelivery(workspace(h), "no-such-person", "d", "email", null)
                    .get("unsubscribeUrl");
            unknownPerson = unknownPerson.substring(unknownPerson.indexOf("/u/") + 3);
            long rows = eventLogRows(h);
            for (String t : new String[] {tampered, foreign, otherWs, unknownPerson, "garbage", "a.b"}) {
                for (String path : new String[] {"/u/" + t, "/preferences/" + t}) {
                    TestHerald.Answer g = get(h, path);
                    html(g, 404);
                    assertThat(g.body()).containsAnyOf("This link is not valid", "no longer leads");
                    html(post(h, path, FORM, "List-Unsubscribe=One-Click&herald-preferences=1"), 404);
                }
            }
            h.process();
            assertThat(eventLogRows(h)).isEqualTo(rows);
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{},\"topics\":{}}"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aLinkFromAChannelPeopleCannotOptOutOfPointsToThePreferenceCenter(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String token = token(h, "webhook", null);
            long rows = eventLogRows(h);
            TestHerald.Answer a = post(h, "/u/" + token, FORM, "List-Unsubscribe=One-Click");
            html(a, 400);
            assertThat(a.body()).contains("preference page");
            html(get(h, "/preferences/" + token), 200); // the preference center itself still works
            assertThat(eventLogRows(h)).isEqualTo(rows);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTopicDeletedSinceTheMessageUnsubscribesTheWholeChannel(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String token = token(h, "email", "news");
            assertThat(Api.adminDelete(h, "/api/v1/topics/news").status()).isEqualTo(204);
            TestHerald.Answer a = post(h, "/u/" + token, FORM, "List-Unsubscribe=One-Click");
            html(a, 200);
            assertThat(a.body()).contains("email from us");
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{\"email\":false},\"topics\":{}}"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aLinkSentBeforeAMergeFollowsItsDeliveryToThePersonMergedInto(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            accepted(h, "/v1/identify", "{\"userId\":\"u9\",\"traits\":{\"plan\":\"free\"}}");
            h.process();
            String before = personId(h, "u9");
            h.herald().database().inTransaction(c -> Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, "
                    + "channel, idempotency_key, status, message, context, priority, created_at, updated_at) VALUES "
                    + "('d-merge', ?, ?, 'email', 'k-merge', 'sent', '{}', '{}', 0, 0, 0)", workspace(h), before));
            String url = h.herald().links().forDelivery(workspace(h), before, "d-merge", "email", null).get("unsubscribeUrl");
            String token = url.substring(url.indexOf("/u/") + 3);
            // u9 becomes an alias of u1: one of the two persons is merged into the other
            accepted(h, "/v1/alias", "{\"previousId\":\"u9\",\"userId\":\"u1\"}");
            h.process();
            String after = personId(h, "u1");
            assertThat(after).isNotEqualTo(before);
            assertThat(Api.count(h, "SELECT COUNT(*) FROM persons WHERE id = ?", before)).isZero();
            html(post(h, "/u/" + token, FORM, "List-Unsubscribe=One-Click"), 200);
            h.process();
            assertThat(json(prefs(h))).isEqualTo(json("{\"channels\":{\"email\":false},\"topics\":{}}"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aFormTooLargeForThePageGetsThe413PageRatherThanABrokenConnection(Engine engine) throws Exception {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String good = token(h, "email", "tips");
            byte[] body = ("x=" + "a".repeat(PreferenceCenterPages.MAX_FORM + 90_000)).getBytes(StandardCharsets.US_ASCII);
            URI base = URI.create(h.baseUrl());
            for (int i = 0; i < 5; i++) {
                // As a browser posts a form: the whole body first, then the answer is read. Refused unread, the body
                // made Jetty answer "Connection: close" and close on unread bytes, a reset that can reach the browser
                // before the page does (the suspected cause of ChannelsAndPreferencePagesBadInputTest's rare "header
                // parser received no bytes").
                try (Socket s = new Socket(base.getHost(), base.getPort())) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /preferences/" + good + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).startsWith("HTTP/1.1 413");
                    String line;
                    while (!(line = in.readLine()).isEmpty()) {
                        assertThat(line.toLowerCase(java.util.Locale.ROOT)).isNotEqualTo("connection: close");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anErasedPersonsLinksLeadNowhere(Engine engine) {
        try (TestHerald h = seeded(engine, dir, clock)) {
            String token = token(h, "email", null);
            assertThat(Api.adminDelete(h, "/api/v1/people/u1").status()).isIn(200, 202, 204);
            h.process();
            html(get(h, "/preferences/" + token), 404);
            html(post(h, "/u/" + token, FORM, "List-Unsubscribe=One-Click"), 404);
        }
    }
}
