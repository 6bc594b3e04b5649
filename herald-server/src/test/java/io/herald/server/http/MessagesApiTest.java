package io.herald.server.http;

import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.json;
import static io.herald.server.http.Api.request;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * {@code POST /api/v1/messages/preview} on both engines: a message rendered for a person, and every kind of bad
 * request answered with API.md's JSON error naming the field, never a 500.
 */
class MessagesApiTest {
    private static final String PREVIEW = "/api/v1/messages/preview";
    private static final String PUSH = "{\"title\":\"Hi {{ person.first_name | default: 'there' }}\","
            + "\"body\":\"{{ event.resource }} until {{ event.resets_at | date: '%-d %B %H:%M' }} {{ person.nickname }}\"}";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T12:00:00Z");

    private TestHerald herald(Engine engine) {
        TestHerald h = TestHerald.start(engine, dir, clock);
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"first_name\":\"Ada\",\"plan\":\"pro\"},"
                + "\"context\":{\"timezone\":\"Asia/Tokyo\",\"locale\":\"pt-BR\"}}");
        h.process();
        return h;
    }

    private static JsonNode ok(TestHerald.Answer a) {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    private static void refused(TestHerald.Answer a, int status, String code, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.errorCode()).as(a.body()).isEqualTo(code);
        if (field != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(field);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void previewRendersForThePersonInTheirTimezoneAndLanguage(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String message = "{\"title\":\"Hi {{ person.first_name }}\",\"body\":\"{{ event.resets_at | date: '%-d %B %H:%M' }}, "
                    + "{{ event.properties.resource }} on {{ person.plan }}\",\"translations\":{\"pt\":{\"title\":\"Olá {{ person.first_name }}\"}}}";
            JsonNode out = ok(admin(h, "POST", PREVIEW, "{\"channel\":\"push\",\"userId\":\"ada\",\"message\":" + message
                    + ",\"event\":{\"event\":\"limit_reached\",\"properties\":{\"resource\":\"contacts\",\"resets_at\":\"2026-11-30T20:00:00Z\"}}}"));
            assertThat(out.path("content").path("title").asText()).isEqualTo("Olá Ada");
            // 20:00 UTC is 05:00 the next day in Tokyo, and the month is in Portuguese
            assertThat(out.path("content").path("body").asText()).isEqualTo("1 dezembro 05:00, contacts on pro");
            assertThat(out.path("undefined")).isEmpty();
            assertThat(out.path("variant").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void previewWithoutAPersonReportsWhatWasUndefinedAndTheVariant(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String strict = PUSH.substring(0, PUSH.length() - 1) + ",\"strict\":true,\"variants\":[{\"weight\":100}]}";
            JsonNode out = ok(admin(h, "POST", PREVIEW, "{\"channel\":\"push\",\"locale\":\"en\",\"message\":" + strict
                    + ",\"event\":{\"properties\":{\"resource\":\"seats\"}}}"));
            assertThat(out.path("content").path("title").asText()).isEqualTo("Hi there");
            assertThat(out.path("content").path("body").asText()).isEqualTo("seats until  ");
            assertThat(Api.texts(out.path("undefined"))).containsExactly("event.resets_at", "person.nickname");
            assertThat(out.path("variant").asInt()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void badRequestsGetAJsonErrorNamingTheField(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String otherAdmin = h.herald().workspaces().create("other").adminKey();
            List<Object[]> cases = new ArrayList<>();
            cases.add(new Object[] {"{\"channel\":\"push\",", 400, "invalid_json", null});
            cases.add(new Object[] {"[1,2]", 400, "invalid_field", null});
            cases.add(new Object[] {"\"push\"", 400, "invalid_field", null});
            cases.add(new Object[] {"{}", 400, "missing_field", "channel"});
            cases.add(new Object[] {"{\"channel\":3,\"message\":{}}", 400, "invalid_field", "channel"});
            cases.add(new Object[] {"{\"channel\":\"fax\",\"message\":{}}", 400, "invalid_field", "channel"});
            cases.add(new Object[] {"{\"channel\":\"push\"}", 400, "missing_field", "message"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":\"Hi\"}", 400, "invalid_field", "message"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":5}}", 400, "invalid_field", "message.title"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"a\\nb {{ x | }}\"}}", 400, "invalid_field", "message.title"});
            cases.add(new Object[] {"{\"channel\":\"in_app\",\"message\":{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"button\",\"id\":\"b\",\"label\":\"x\",\"action\":\"fly\"}]}]}}",
                    400, "invalid_field", "message.steps[0].blocks[0].action"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"userId\":7}", 400, "invalid_field", "userId"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"event\":[]}", 400, "invalid_field", "event"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"event\":{\"properties\":\"x\"}}", 400, "invalid_field", "event.properties"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"event\":{\"name\":\"x\"}}", 400, "invalid_field", "event.name"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"locale\":false}", 400, "invalid_field", "locale"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"extra\":1}", 400, "invalid_field", "extra"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\"},\"userId\":\"nobody\"}", 404, "not_found", null});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"{% for i in (1..100000) %}x{% endfor %}\"}}", 400, "render_limit", "message"});
            cases.add(new Object[] {"{\"channel\":\"push\",\"message\":{\"title\":\"t\",\"data\":{\"d\":\"" + "x".repeat(700 * 1024) + "\"}}}", 413, "too_large", null});
            cases.add(new Object[] {"{\"channel\":\"email\",\"message\":{\"subject\":\"s\",\"html\":\"" + "x".repeat(200_001) + "\"}}", 400, "invalid_field", "message.html"});
            for (Object[] c : cases) {
                TestHerald.Answer a = admin(h, "POST", PREVIEW, (String) c[0]);
                refused(a, (int) c[1], (String) c[2], (String) c[3]);
            }
            TestHerald.Answer syntax = admin(h, "POST", PREVIEW, "{\"channel\":\"sms\",\"message\":{\"body\":\"Hi\\n  {{ person.name | }}\"}}");
            refused(syntax, 400, "invalid_field", "message.body");
            assertThat(syntax.json().path("error").path("message").asText()).contains("line 2, column");
            // Keys: none, a write key, another workspace's admin key (its people are not this one's).
            refused(request(h, "POST", PREVIEW, Map.of("Content-Type", "application/json"), utf8("{\"channel\":\"push\",\"message\":{\"title\":\"t\"}}")),
                    401, "missing_key", null);
            Map<String, String> write = new HashMap<>(Map.of("Content-Type", "application/json", "Authorization", "Bearer " + TestHerald.WRITE_KEY));
            assertThat(request(h, "POST", PREVIEW, write, utf8("{\"channel\":\"push\",\"message\":{\"title\":\"t\"}}")).status()).isIn(401, 403);
            TestHerald.Answer other = admin(h, otherAdmin, "POST", PREVIEW, "{\"channel\":\"push\",\"userId\":\"ada\",\"message\":{\"title\":\"t\"}}");
            refused(other, 404, "not_found", null);
            TestHerald.Answer text = request(h, "POST", PREVIEW, Map.of("Content-Type", "text/plain", "Authorization", "Bearer " + TestHerald.ADMIN_KEY),
                    utf8("{\"channel\":\"push\",\"message\":{\"title\":\"t\"}}"));
            assertThat(text.status()).as(text.body()).isIn(200, 415);
            // Nothing was changed by any of it: the person is as identified.
            assertThat(json(h.admin("/api/v1/people/ada").body()).path("attributes").path("first_name").asText()).isEqualTo("Ada");
        }
    }
}
