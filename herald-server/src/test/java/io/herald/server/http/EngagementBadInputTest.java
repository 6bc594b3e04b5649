package io.herald.server.http;

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
 * What clients and impostors get wrong with push events and SMS status callbacks: each case is refused with the
 * documented status and JSON error (naming the field where there is one), never a 5xx, and moves no delivery and
 * appends no event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngagementBadInputTest {
    private static final String OTHER = "<write key of workspace other>";
    private static final String DELIVERY = "<ada's push delivery>";

    private final Path dir = ClassDirectory.create("herald-EngagementBadInputTest"); // outlives every case's Herald

    record Case(String name, String method, String path, String auth, String contentType, String body, int status,
                String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String write = TestHerald.basic(TestHerald.WRITE_KEY);
        String json = "application/json";
        String form = "application/x-www-form-urlencoded";
        String events = "/v1/push/events";
        String hash = PushEventsApiTest.hash("ada");
        String ok = "{\"userId\":\"ada\",\"userHash\":\"" + hash + "\",\"deliveryId\":\"" + DELIVERY + "\",\"event\":\"opened\"}";
        String status = "/v1/providers/messages/status/";
        return Stream.of(
                new Case("no key", "POST", events, null, json, ok, 401, "missing_key", null),
                new Case("wrong key", "POST", events, TestHerald.basic("hw_not_a_key_0000000000"), json, ok, 401, "invalid_key", null),
                new Case("admin key", "POST", events, "Bearer " + TestHerald.ADMIN_KEY, json, ok, 401, "missing_key", null),
                new Case("another workspace's write key", "POST", events, OTHER, json, ok, 403,
                        "identity_unverified", "userHash"),
                new Case("garbage JSON", "POST", events, write, json, "{\"userId\": ada", 400, "invalid_json", null),
                new Case("empty body", "POST", events, write, json, "", 400, "invalid_json", null),
                new Case("array body", "POST", events, write, json, "[1,2]", 400, null, "body"),
                new Case("not JSON", "POST", events, write, "text/xml", ok, 415, null, null),
                new Case("oversized", "POST", events, write, json, "{\"userId\":\"" + "x".repeat(8 * 1024) + "\"}", 413,
                        "body_too_large", null),
                new Case("no deliveryId", "POST", events, write, json, "{\"userId\":\"ada\",\"userHash\":\"" + hash
                        + "\",\"event\":\"opened\"}", 400, null, "deliveryId"),
                new Case("deliveryId a number", "POST", events, write, json, "{\"userId\":\"ada\",\"userHash\":\"" + hash
                        + "\",\"deliveryId\":7,\"event\":\"opened\"}", 400, null, "deliveryId"),
                new Case("unknown event", "POST", events, write, json, ok.replace("opened", "clicked"), 400, null, "event"),
                new Case("no event", "POST", events, write, json, ok.replace(",\"event\":\"opened\"", ""), 400, null, "event"),
                new Case("actionId on delivered", "POST", events, write, json,
                        ok.replace("\"opened\"", "\"delivered\",\"actionId\":\"reply\""), 400, null, "actionId"),
                new Case("no identity", "POST", events, write, json, "{\"deliveryId\":\"" + DELIVERY
                        + "\",\"event\":\"opened\"}", 400, null, "userId"),
                new Case("no userHash", "POST", events, write, json, "{\"userId\":\"ada\",\"deliveryId\":\"" + DELIVERY
                        + "\",\"event\":\"opened\"}", 401, "identity_unverified", "userHash"),
                new Case("forged userHash", "POST", events, write, json, ok.replace(hash, PushEventsApiTest.hash("bob")),
                        403, "identity_unverified", "userHash"),
                new Case("unknown delivery", "POST", events, write, json, ok.replace(DELIVERY, "d-nope"), 404, "not_found", null),
                new Case("GET", "GET", events, write, null, null, 405, "method_not_allowed", null),
                new Case("tampered status token", "POST", status + "eyJ3IjoiYSJ9.AAAA", null, form,
                        "MessageStatus=delivered", 404, "not_found", null),
                // A control character in the path (Jetty's own 400, which closes the connection) is sent on a
                // connection of its own by BadInputCorpusTest: sent here, the shared client sometimes reused the closed
                // connection and the next case got no answer ("header parser received no bytes").
                new Case("oversized status token", "POST", status + "a".repeat(2000) + ".b", null, form,
                        "MessageStatus=delivered", 404, "not_found", null),
                new Case("status callback as JSON", "POST", status + "x.y", null, json, "{\"MessageStatus\":\"delivered\"}",
                        415, null, null),
                new Case("oversized status callback", "POST", status + "x.y", null, form,
                        "MessageStatus=delivered&Body=" + "x".repeat(20 * 1024), 413, "body_too_large", null));
    }

    static Stream<Object[]> enginesAndCases() {
        return io.herald.testing.TestDatabase.engines().flatMap(e -> cases().map(c -> new Object[] {e, c}));
    }

    private record Fixture(TestHerald herald, String otherWriteKey, String delivery) {
    }

    private final Map<Engine, Fixture> fixtures = new EnumMap<>(Engine.class);

    private Fixture fixture(Engine engine) {
        return fixtures.computeIfAbsent(engine, e -> {
            TestHerald h = TestHerald.start(e, dir, TestClock.at("2026-11-22T10:00:00Z"));
            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{}}");
            h.process();
            String d = PushEventsApiTest.sentDelivery(h, "user", "ada", "push");
            return new Fixture(h, h.herald().workspaces().create("other").writeKey(), d);
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
        Map<String, String> headers = new HashMap<>();
        if (k.auth() != null) headers.put("Authorization", k.auth().equals(OTHER) ? TestHerald.basic(f.otherWriteKey()) : k.auth());
        if (k.contentType() != null) headers.put("Content-Type", k.contentType());
        String body = k.body() == null ? null : k.body().replace(DELIVERY, f.delivery());
        TestHerald.Answer a = Api.request(h, k.method(), k.path(), headers, body == null ? null : utf8(body));

        assertThat(a.status()).as(a.body()).isEqualTo(k.status());
        assertThat(a.json().path("error").path("message").asText()).as(a.body()).isNotBlank();
        if (k.code() != null) assertThat(a.errorCode()).as(a.body()).isEqualTo(k.code());
        if (k.field() != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(k.field());
        assertThat(PushEventsApiTest.status(h, f.delivery())).isEqualTo("sent");
        assertThat(eventLogRows(h)).isEqualTo(logRows);
    }
}
