package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import io.herald.workspace.Secrets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Push engagement reported by devices: POST /v1/push/events with the write key and a verified identity moves the
 * delivery forward, and the person's message.<event> feeds segments.
 */
class PushEventsApiTest {
    @TempDir
    Path dir;

    private TestHerald start(Engine engine) {
        TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{}}");
        Api.accepted(h, "/v1/identify", "{\"userId\":\"bob\",\"traits\":{}}");
        Api.accepted(h, "/v1/track", "{\"anonymousId\":\"anon-7\",\"event\":\"opened_app\"}");
        h.process();
        return h;
    }

    /** A push delivery of campaign c1 to the person with this identity, as the dispatcher leaves it once sent. */
    static String sentDelivery(TestHerald h, String kind, String value, String channel) {
        String id = "d-" + UUID.randomUUID();
        h.herald().database().inTransaction(c -> {
            Object[] who = Sql.queryOne(c, "SELECT workspace_id, person_id FROM identities WHERE kind = ? AND value = ?",
                    rs -> new Object[] {rs.getString(1), rs.getString(2)}, kind, value).orElseThrow();
            return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, run_id, step, "
                    + "channel, idempotency_key, status, message, context, priority, created_at, updated_at) "
                    + "VALUES (?, ?, ?, 'c1', 1, ?, 's1', ?, ?, 'sent', '{}', '{}', 0, 0, 0)", id, who[0], who[1],
                    "run-" + id, channel, "run-" + id + ":s1:" + who[1] + ":" + channel);
        });
        return id;
    }

    static String status(TestHerald h, String id) {
        return h.herald().database().read(c -> Sql.queryOne(c, "SELECT status FROM deliveries WHERE id = ?",
                rs -> rs.getString(1), id)).orElseThrow();
    }

    static String hash(String userId) {
        return Secrets.hmacSha256Hex(TestHerald.IDENTITY_SECRET, userId);
    }

    static TestHerald.Answer post(TestHerald h, String query, String json) {
        return Api.request(h, "POST", "/v1/push/events" + query, Map.of("Content-Type", Api.JSON,
                "Authorization", TestHerald.basic(TestHerald.WRITE_KEY)), Api.utf8(json));
    }

    private static TestHerald.Answer event(TestHerald h, String userId, String deliveryId, String event, String extra) {
        return post(h, "", "{\"userId\":\"" + userId + "\",\"userHash\":\"" + hash(userId) + "\",\"deliveryId\":\""
                + deliveryId + "\",\"event\":\"" + event + "\"" + extra + "}");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anOpenedPushMovesTheDeliveryAndPutsThePersonInTheOpenedSegment(Engine engine) {
        try (TestHerald h = start(engine)) {
            TestHerald.Answer seg = Api.admin(h, "POST", "/api/v1/segments",
                    "{\"name\":\"opened c1\",\"condition\":{\"message\":\"c1\",\"status\":\"opened\"}}");
            assertThat(seg.status()).as(seg.body()).isEqualTo(201);
            h.herald().segments().computations().runPending();
            String id = sentDelivery(h, "user", "ada", "push");

            TestHerald.Answer a = event(h, "ada", id, "opened", ",\"actionId\":\"reply\"");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            h.process();

            assertThat(status(h, id)).isEqualTo("opened");
            assertThat(Api.person(h, "ada").path("segments").findValuesAsText("name")).contains("opened c1");
            var opened = Api.events(h, "ada").stream().filter(e -> e.toString().contains("message.opened")).toList();
            assertThat(opened).hasSize(1);
            assertThat(opened.get(0).toString()).contains("\"actionId\":\"reply\"").contains(id);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aLateDeliveredAfterOpenedDoesNotMoveTheStatusBack(Engine engine) {
        try (TestHerald h = start(engine)) {
            String id = sentDelivery(h, "user", "ada", "push");
            assertThat(event(h, "ada", id, "delivered", "").status()).isEqualTo(200);
            assertThat(status(h, id)).isEqualTo("delivered");
            assertThat(event(h, "ada", id, "opened", "").status()).isEqualTo(200);
            assertThat(event(h, "ada", id, "delivered", "").status()).isEqualTo(200);
            assertThat(event(h, "ada", id, "dismissed", "").status()).isEqualTo(200);
            assertThat(status(h, id)).isEqualTo("opened");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aForgedUserHashIsRefusedAndChangesNothing(Engine engine) {
        try (TestHerald h = start(engine)) {
            String id = sentDelivery(h, "user", "ada", "push");
            TestHerald.Answer forged = post(h, "", "{\"userId\":\"ada\",\"userHash\":\"" + hash("bob")
                    + "\",\"deliveryId\":\"" + id + "\",\"event\":\"opened\"}");
            assertThat(forged.status()).isEqualTo(403);
            assertThat(forged.errorCode()).isEqualTo("identity_unverified");
            TestHerald.Answer none = post(h, "", "{\"userId\":\"ada\",\"deliveryId\":\"" + id + "\",\"event\":\"opened\"}");
            assertThat(none.status()).isEqualTo(401);
            assertThat(status(h, id)).isEqualTo("sent");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anotherPersonsDeliveryOrANonPushDeliveryIsNotFound(Engine engine) {
        try (TestHerald h = start(engine)) {
            String bobs = sentDelivery(h, "user", "bob", "push");
            String adasSms = sentDelivery(h, "user", "ada", "sms");
            assertThat(event(h, "ada", bobs, "opened", "").status()).isEqualTo(404);
            assertThat(event(h, "ada", adasSms, "opened", "").status()).isEqualTo(404);
            assertThat(event(h, "ada", "d-nope", "opened", "").status()).isEqualTo(404);
            assertThat(status(h, bobs)).isEqualTo("sent");
            assertThat(status(h, adasSms)).isEqualTo("sent");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anAnonymousPersonReportsWithTheirAnonymousIdAndTheWriteKeyInTheQuery(Engine engine) {
        try (TestHerald h = start(engine)) {
            String id = sentDelivery(h, "anon", "anon-7", "push");
            TestHerald.Answer a = Api.request(h, "POST", "/v1/push/events?writeKey=" + TestHerald.WRITE_KEY,
                    Map.of("Content-Type", Api.JSON), Api.utf8("{\"anonymousId\":\"anon-7\",\"deliveryId\":\"" + id
                            + "\",\"event\":\"delivered\"}"));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(status(h, id)).isEqualTo("delivered");
        }
    }
}
