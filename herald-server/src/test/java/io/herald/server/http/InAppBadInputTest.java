package io.herald.server.http;

import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.ClassDirectory;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients and impostors get wrong with the in-app Client API and the recall endpoint: each case is refused
 * with the documented status and JSON error (naming the field where there is one), never a 5xx, and changes no
 * delivery, no feed and appends no event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InAppBadInputTest {
    private static final String OTHER = "<write key of workspace other>";
    private static final String OTHER_ADMIN = "<admin key of workspace other>";
    private static final String DELIVERY = "<ada's in-app delivery>";

    private final Path dir = ClassDirectory.create("herald-InAppBadInputTest");

    record Case(String name, String method, String path, String auth, String contentType, String body, int status,
                String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String write = TestHerald.basic(TestHerald.WRITE_KEY);
        String admin = "Bearer " + TestHerald.ADMIN_KEY;
        String json = "application/json";
        String events = "/v1/inapp/events";
        String hash = InAppApiTest.hash("ada");
        String who = "\"userId\":\"ada\",\"userHash\":\"" + hash + "\",";
        String ok = "{" + who + "\"deliveryId\":\"" + DELIVERY + "\",\"type\":\"shown\"}";
        String list = "/v1/inapp/messages";
        String stream = "/v1/inapp/stream";
        String as = "?userId=ada&userHash=" + hash;
        return Stream.of(
                // POST /v1/inapp/events
                new Case("events: no key", "POST", events, null, json, ok, 401, "missing_key", null),
                new Case("events: wrong key", "POST", events, TestHerald.basic("hw_not_a_key_0000000000"), json, ok, 401,
                        "invalid_key", null),
                new Case("events: admin key", "POST", events, admin, json, ok, 401, "missing_key", null),
                new Case("events: another workspace's write key", "POST", events, OTHER, json, ok, 403,
                        "identity_unverified", "userHash"),
                new Case("events: garbage JSON", "POST", events, write, json, "{\"userId\": ada", 400, "invalid_json", null),
                new Case("events: empty body", "POST", events, write, json, "", 400, "invalid_json", null),
                new Case("events: array body", "POST", events, write, json, "[1,2]", 400, null, "body"),
                new Case("events: not JSON", "POST", events, write, "text/xml", ok, 415, null, null),
                new Case("events: oversized", "POST", events, write, json, "{\"userId\":\"" + "x".repeat(20 * 1024) + "\"}",
                        413, "body_too_large", null),
                new Case("events: no deliveryId", "POST", events, write, json, "{" + who + "\"type\":\"shown\"}", 400, null,
                        "deliveryId"),
                new Case("events: deliveryId a number", "POST", events, write, json, "{" + who
                        + "\"deliveryId\":7,\"type\":\"shown\"}", 400, null, "deliveryId"),
                new Case("events: unknown type", "POST", events, write, json, ok.replace("shown", "opened"), 400, null, "type"),
                new Case("events: no type", "POST", events, write, json, ok.replace(",\"type\":\"shown\"", ""), 400, null,
                        "type"),
                new Case("events: type a list", "POST", events, write, json, ok.replace("\"shown\"", "[\"shown\"]"), 400,
                        null, "type"),
                new Case("events: step a string", "POST", events, write, json, ok.replace("}", ",\"step\":\"two\"}"), 400,
                        null, "step"),
                new Case("events: step negative", "POST", events, write, json, ok.replace("}", ",\"step\":-1}"), 400, null,
                        "step"),
                new Case("events: step 0 (steps count from 1)", "POST", events, write, json,
                        ok.replace("}", ",\"step\":0}"), 400, null, "step"),
                new Case("events: step reached without step", "POST", events, write, json,
                        ok.replace("\"shown\"", "\"step\""), 400, null, "step"),
                new Case("events: answers a string", "POST", events, write, json,
                        ok.replace("\"shown\"", "\"submitted\",\"answers\":\"yes\""), 400, null, "answers"),
                new Case("events: answers on shown", "POST", events, write, json,
                        ok.replace("}", ",\"answers\":{\"a\":1}}"), 400, null, "answers"),
                new Case("events: an answer an object", "POST", events, write, json,
                        ok.replace("\"shown\"", "\"submitted\",\"answers\":{\"a\":{\"b\":1}}"), 400, null, "answers.a"),
                new Case("events: buttonId a number", "POST", events, write, json,
                        ok.replace("\"shown\"", "\"clicked\",\"buttonId\":3"), 400, null, "buttonId"),
                new Case("events: no identity", "POST", events, write, json, "{\"deliveryId\":\"" + DELIVERY
                        + "\",\"type\":\"shown\"}", 400, null, "userId"),
                new Case("events: no userHash", "POST", events, write, json, "{\"userId\":\"ada\",\"deliveryId\":\""
                        + DELIVERY + "\",\"type\":\"shown\"}", 401, "identity_unverified", "userHash"),
                new Case("events: forged userHash", "POST", events, write, json,
                        ok.replace(hash, InAppApiTest.hash("bob")), 403, "identity_unverified", "userHash"),
                new Case("events: unknown delivery", "POST", events, write, json, ok.replace(DELIVERY, "d-nope"), 404,
                        "not_found", null),
                new Case("events: anonymous acting on a known person's delivery", "POST", events, write, json,
                        "{\"anonymousId\":\"anon-7\",\"deliveryId\":\"" + DELIVERY + "\",\"type\":\"dismissed\"}", 404,
                        "not_found", null),
                new Case("events: GET", "GET", events, write, null, null, 405, "method_not_allowed", null),
                // GET /v1/inapp/messages and /v1/inapp/stream
                new Case("messages: no key", "GET", list + as, null, null, null, 401, "missing_key", null),
                new Case("messages: wrong key in the query", "GET", list + as + "&writeKey=hw_nope_0000000000", null, null,
                        null, 401, "invalid_key", null),
                new Case("messages: admin key", "GET", list + as, admin, null, null, 401, "missing_key", null),
                new Case("messages: another workspace's key", "GET", list + as, OTHER, null, null, 403,
                        "identity_unverified", "userHash"),
                new Case("messages: no identity", "GET", list, write, null, null, 400, null, "userId"),
                new Case("messages: no userHash", "GET", list + "?userId=ada", write, null, null, 401,
                        "identity_unverified", "userHash"),
                new Case("messages: forged userHash", "GET", list + "?userId=ada&userHash=" + InAppApiTest.hash("bob"),
                        write, null, null, 403, "identity_unverified", "userHash"),
                new Case("messages: garbage userHash", "GET", list + "?userId=ada&userHash=%E2%9C%93zz", write, null,
                        null, 403, "identity_unverified", "userHash"),
                new Case("messages: empty anonymousId", "GET", list + "?anonymousId=", write, null, null, 400, null,
                        "anonymousId"),
                new Case("messages: oversized userId", "GET", list + "?userId=" + "u".repeat(300) + "&userHash=ab", write,
                        null, null, 400, null, "userId"),
                new Case("messages: POST", "POST", list + as, write, json, "{}", 405, "method_not_allowed", null),
                new Case("stream: no key", "GET", stream + as, null, null, null, 401, "missing_key", null),
                new Case("stream: forged userHash", "GET", stream + "?userId=ada&userHash=" + InAppApiTest.hash("bob"),
                        write, null, null, 403, "identity_unverified", "userHash"),
                new Case("stream: lastEventId not a number", "GET", stream + as + "&lastEventId=abc", write, null, null,
                        400, null, "lastEventId"),
                new Case("stream: lastEventId negative", "GET", stream + as + "&lastEventId=-5", write, null, null,
                        400, null, "lastEventId"),
                // POST /api/v1/deliveries/{id}/recall
                new Case("recall: no key", "POST", "/api/v1/deliveries/" + DELIVERY + "/recall", null, null, null, 401,
                        null, null),
                new Case("recall: write key", "POST", "/api/v1/deliveries/" + DELIVERY + "/recall", write, null, null,
                        401, null, null),
                new Case("recall: another workspace's admin key", "POST", "/api/v1/deliveries/" + DELIVERY + "/recall",
                        OTHER_ADMIN, null, null, 404, "not_found", null),
                new Case("recall: unknown delivery", "POST", "/api/v1/deliveries/d-nope/recall", admin, null, null, 404,
                        "not_found", null),
                new Case("recall: GET", "GET", "/api/v1/deliveries/" + DELIVERY + "/recall", admin, null, null, 405,
                        "method_not_allowed", null));
    }

    static Stream<Object[]> enginesAndCases() {
        return io.herald.testing.TestDatabase.engines().flatMap(e -> cases().map(c -> new Object[] {e, c}));
    }

    private record Fixture(TestHerald herald, String otherWriteKey, String otherAdminKey, String delivery) {
    }

    private final Map<Engine, Fixture> fixtures = new EnumMap<>(Engine.class);

    private Fixture fixture(Engine engine) {
        return fixtures.computeIfAbsent(engine, e -> {
            TestHerald h = TestHerald.start(e, dir, TestClock.at("2026-11-22T10:00:00Z"));
            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{}}");
            Api.accepted(h, "/v1/track", "{\"anonymousId\":\"anon-7\",\"event\":\"landed\"}");
            h.process();
            String id = "d-" + UUID.randomUUID();
            h.herald().database().inTransaction(c -> {
                Object[] who = Sql.queryOne(c, "SELECT workspace_id, person_id FROM identities WHERE kind = 'user' "
                        + "AND value = 'ada'", rs -> new Object[] {rs.getString(1), rs.getString(2)}).orElseThrow();
                return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, step, channel, idempotency_key, "
                        + "status, message, context, priority, created_at, updated_at) VALUES (?, ?, ?, 's1', 'in_app', ?, "
                        + "'queued', ?, '{}', 0, 0, 0)", id, who[0], who[1], id, InAppApiTest.modal("Hi", null));
            });
            h.herald().dispatcher().dispatchDue();
            var other = h.herald().workspaces().create("other");
            return new Fixture(h, other.writeKey(), other.adminKey(), id);
        });
    }

    @AfterAll
    void closeFixtures() {
        fixtures.values().forEach(f -> f.herald().close());
        ClassDirectory.delete(dir);
    }

    private static String state(TestHerald h, String id) {
        return h.herald().database().read(c -> Sql.queryOne(c, "SELECT status || '/' || COALESCE(retired_reason, '-') "
                + "|| '/' || (SELECT COUNT(*) FROM inapp_feed) FROM deliveries WHERE id = ?", rs -> rs.getString(1), id))
                .orElseThrow();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndCases")
    void aMistakeIsRefusedWithAJsonErrorAndChangesNothing(Engine engine, Case k) {
        Fixture f = fixture(engine);
        TestHerald h = f.herald();
        long logRows = eventLogRows(h);
        String before = state(h, f.delivery());
        Map<String, String> headers = new HashMap<>();
        if (k.auth() != null) {
            headers.put("Authorization", k.auth().equals(OTHER) ? TestHerald.basic(f.otherWriteKey())
                    : k.auth().equals(OTHER_ADMIN) ? "Bearer " + f.otherAdminKey() : k.auth());
        }
        if (k.contentType() != null) headers.put("Content-Type", k.contentType());
        headers.put("Accept", "text/event-stream, application/json");
        String body = k.body() == null ? null : k.body().replace(DELIVERY, f.delivery());
        TestHerald.Answer a = Api.request(h, k.method(), k.path().replace(DELIVERY, f.delivery()), headers,
                body == null ? null : utf8(body));

        assertThat(a.status()).as(a.body()).isEqualTo(k.status());
        assertThat(a.json().path("error").path("message").asText()).as(a.body()).isNotBlank();
        if (k.code() != null) assertThat(a.errorCode()).as(a.body()).isEqualTo(k.code());
        if (k.field() != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(k.field());
        assertThat(state(h, f.delivery())).isEqualTo(before).startsWith("sent/-/");
        assertThat(eventLogRows(h)).isEqualTo(logRows);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aMalformedEscapeInTheQueryIsRefusedNamingItsParameter(Engine engine) {
        TestHerald h = fixture(engine).herald();
        long logRows = eventLogRows(h);
        String write = "Authorization: " + TestHerald.basic(TestHerald.WRITE_KEY);
        String as = "userId=ada&userHash=" + InAppApiTest.hash("ada");
        // Sent over a plain socket: Java's HTTP client refuses to send such a URI at all.
        Map<String, Api.RawAnswer> answers = Map.of(
                "userId", Api.raw(h, "GET /v1/inapp/messages?userId=ad%zz&userHash=ab HTTP/1.1", write),
                "writeKey", Api.raw(h, "GET /v1/inapp/messages?" + as + "&writeKey=hw_%4 HTTP/1.1"),
                "anonymousId", Api.raw(h, "GET /v1/inapp/stream?anonymousId=%G0 HTTP/1.1", write,
                        "Accept: text/event-stream"));
        answers.forEach((field, a) -> {
            assertThat(a.status()).as(a.body()).isEqualTo(400);
            assertThat(Api.json(a.body()).path("error").path("field").asText()).as(a.body()).isEqualTo(field);
        });
        assertThat(eventLogRows(h)).isEqualTo(logRows);
    }
}
