package io.herald.server.http;

import static io.herald.server.http.Api.accepted;
import static io.herald.server.http.Api.eventIds;
import static io.herald.server.http.Api.events;
import static io.herald.server.http.Api.person;
import static io.herald.server.http.Api.request;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Segment-compatible tracking API over HTTP (API.md "Tracking API"), on both store engines. */
class TrackingApiTest {
    /** Herald's clock: every event's receivedAt. Client timestamps below are earlier, as a device's would be. */
    private static final String NOW = "2026-11-22T12:00:00Z";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at(NOW);

    private TestHerald herald(Engine engine) {
        return TestHerald.start(engine, dir, clock);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everySingleCallKindIsAcceptedAndLandsInThePersonsHistory(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","traits":{"plan":"trial"},"messageId":"m1","timestamp":"2026-11-22T10:00:01Z"}""");
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"export_clicked","properties":{"format":"csv"},"messageId":"m2",
                     "timestamp":"2026-11-22T10:00:02Z"}""");
            accepted(h, "/v1/page", """
                    {"userId":"u1","name":"Pricing","properties":{"path":"/pricing"},"messageId":"m3",
                     "timestamp":"2026-11-22T10:00:03Z"}""");
            accepted(h, "/v1/screen", """
                    {"userId":"u1","name":"Home","messageId":"m4","timestamp":"2026-11-22T10:00:04Z"}""");
            accepted(h, "/v1/group", """
                    {"userId":"u1","groupId":"acme","traits":{"seats":5},"messageId":"m5","timestamp":"2026-11-22T10:00:05Z"}""");
            accepted(h, "/v1/alias", """
                    {"userId":"u1","previousId":"legacy-7","messageId":"m6","timestamp":"2026-11-22T10:00:06Z"}""");
            h.process();

            List<JsonNode> events = events(h, "u1");
            assertThat(events).extracting(e -> e.path("id").asText()).containsExactly("m6", "m5", "m4", "m3", "m2", "m1");
            assertThat(events).extracting(e -> e.path("type").asText())
                    .containsExactly("alias", "group", "screen", "page", "track", "identify");
            assertThat(events.get(4).path("event").asText()).isEqualTo("export_clicked");
            assertThat(events.get(4).path("properties").path("format").asText()).isEqualTo("csv");
            assertThat(events.get(3).path("name").asText()).isEqualTo("Pricing");
            assertThat(events.get(2).path("name").asText()).isEqualTo("Home");
            assertThat(events.get(5).path("timestamp").asText()).isEqualTo("2026-11-22T10:00:01Z");
            assertThat(events.get(5).path("receivedAt").asText()).isEqualTo(NOW);

            JsonNode u1 = person(h, "u1");
            assertThat(u1.path("attributes").path("plan").asText()).isEqualTo("trial");
            assertThat(u1.path("attributes").path("groupId").asText()).isEqualTo("acme");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void batchAndImportApplyTheBatchContextAndSentAtToEveryCall(Engine engine) {
        try (TestHerald h = herald(engine)) {
            // analytics-java posts to /v1/import/ with the trailing slash; analytics.js and node to /v1/batch.
            for (String path : List.of("/v1/batch", "/v1/import", "/v1/import/")) {
                String user = "b" + path.replace("/", "_");
                accepted(h, path, """
                        {"batch":[
                          {"type":"identify","userId":"%1$s","traits":{"name":"Ada"},"messageId":"%1$s-1",
                           "timestamp":"2026-11-22T09:00:00Z"},
                          {"type":"track","userId":"%1$s","event":"opened","messageId":"%1$s-2",
                           "timestamp":"2026-11-22T09:00:10Z","context":{"locale":"de-DE"}}],
                         "context":{"timezone":"Europe/Berlin","locale":"en-US","library":{"name":"analytics-java"}},
                         "sentAt":"2026-11-22T09:00:20Z"}""".formatted(user));
                h.process();

                List<JsonNode> events = events(h, user);
                assertThat(events).as(path).extracting(e -> e.path("id").asText()).containsExactly(user + "-2", user + "-1");
                // Skew-corrected by the batch's sentAt: each call happened 10 s / 20 s before Herald received it.
                assertThat(events.get(0).path("timestamp").asText()).isEqualTo("2026-11-22T11:59:50Z");
                assertThat(events.get(1).path("timestamp").asText()).isEqualTo("2026-11-22T11:59:40Z");
                // The batch context reaches every call; a call's own context wins field by field.
                assertThat(events.get(1).path("context").path("locale").asText()).isEqualTo("en-US");
                assertThat(events.get(0).path("context").path("locale").asText()).isEqualTo("de-DE");
                assertThat(events.get(0).path("context").path("library").path("name").asText()).isEqualTo("analytics-java");

                JsonNode p = person(h, user);
                assertThat(p.path("timezone").asText()).as(path).isEqualTo("Europe/Berlin");
                assertThat(p.path("locale").asText()).as(path).isEqualTo("de-DE");
                assertThat(p.path("attributes").path("name").asText()).isEqualTo("Ada");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void writeKeyInTheBodyAuthenticatesWithoutBasicAuth(Engine engine) {
        try (TestHerald h = herald(engine)) {
            var single = request(h, "POST", "/v1/track", Map.of("Content-Type", Api.JSON), utf8("""
                    {"writeKey":"%s","userId":"u1","event":"e1","messageId":"m1"}""".formatted(TestHerald.WRITE_KEY)));
            var batch = request(h, "POST", "/v1/batch", Map.of("Content-Type", Api.JSON), utf8("""
                    {"writeKey":"%s","batch":[{"type":"track","userId":"u1","event":"e2","messageId":"m2"}]}"""
                    .formatted(TestHerald.WRITE_KEY)));
            assertThat(single.status()).as(single.body()).isEqualTo(200);
            assertThat(batch.status()).as(batch.body()).isEqualTo(200);
            h.process();
            assertThat(eventIds(h, "u1")).containsExactlyInAnyOrder("m1", "m2");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void gzipEncodedBodyIsAccepted(Engine engine) {
        try (TestHerald h = herald(engine)) {
            byte[] body = Api.gzip(utf8("""
                    {"batch":[{"type":"track","userId":"u1","event":"zipped","messageId":"m1"}]}"""));
            var a = request(h, "POST", "/v1/batch", Map.of("Content-Type", Api.JSON, "Content-Encoding", "gzip",
                    "Authorization", TestHerald.basic(TestHerald.WRITE_KEY)), body);
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            h.process();
            assertThat(events(h, "u1")).singleElement().satisfies(e -> assertThat(e.path("event").asText()).isEqualTo("zipped"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void textPlainBodyFromSendBeaconIsAcceptedAsJson(Engine engine) {
        try (TestHerald h = herald(engine)) {
            var a = request(h, "POST", "/v1/page", Map.of("Content-Type", "text/plain;charset=UTF-8",
                    "Authorization", TestHerald.basic(TestHerald.WRITE_KEY)), utf8("""
                    {"anonymousId":"a1","name":"Landing","messageId":"m1"}"""));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            h.process();
            var found = h.admin("/api/v1/people?anonymousId=a1").json().path("data");
            assertThat(found).hasSize(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sameBatchSentTwiceIsStoredOnce(Engine engine) {
        try (TestHerald h = herald(engine)) {
            String batch = """
                    {"batch":[{"type":"track","userId":"u1","event":"a","messageId":"dup-1"},
                              {"type":"track","userId":"u1","event":"b","messageId":"dup-2"}]}""";
            accepted(h, "/v1/batch", batch);
            accepted(h, "/v1/batch", batch); // a retry before processing: acknowledged, ignored
            h.process();
            accepted(h, "/v1/batch", batch); // and after processing
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"a","messageId":"dup-1"}""");
            h.process();

            assertThat(eventIds(h, "u1")).containsExactlyInAnyOrder("dup-1", "dup-2");
            assertThat(Api.eventLogRows(h)).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void clientClockSkewIsCorrectedFromSentAt(Engine engine) {
        try (TestHerald h = herald(engine)) {
            // The device's clock says 10:00; Herald's says 12:00. Only the 5 s between event and send is trusted.
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"e","messageId":"m1",
                     "timestamp":"2026-11-22T10:00:00Z","sentAt":"2026-11-22T10:00:05Z"}""");
            // Offsets other than Z are instants too.
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"e","messageId":"m2",
                     "timestamp":"2026-11-22T11:00:00+01:00","sentAt":"2026-11-22T11:00:30+01:00"}""");
            h.process();

            List<JsonNode> events = events(h, "u1");
            JsonNode m1 = events.stream().filter(e -> e.path("id").asText().equals("m1")).findFirst().orElseThrow();
            JsonNode m2 = events.stream().filter(e -> e.path("id").asText().equals("m2")).findFirst().orElseThrow();
            assertThat(m1.path("receivedAt").asText()).isEqualTo(NOW);
            assertThat(m1.path("timestamp").asText()).isEqualTo("2026-11-22T11:59:55Z");
            assertThat(m2.path("timestamp").asText()).isEqualTo("2026-11-22T11:59:30Z");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void identifyMergesTraitsAndANullTraitRemovesTheAttribute(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","traits":{"plan":"trial","company":"Acme","seats":3}}""");
            h.process();
            accepted(h, "/v1/identify", """
                    {"userId":"u1","traits":{"plan":"pro","company":null},"context":{"traits":{"email":"u1@example.com"}}}""");
            h.process();

            JsonNode attributes = person(h, "u1").path("attributes");
            assertThat(attributes.path("plan").asText()).isEqualTo("pro");
            assertThat(attributes.path("seats").asInt()).isEqualTo(3);
            assertThat(attributes.path("email").asText()).isEqualTo("u1@example.com");
            assertThat(attributes.has("company")).as("company was removed by a null trait: %s", attributes).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anonymousVisitorWhoIdentifiesKeepsTheirAttributesEventsAndDevices(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/devices", """
                    {"anonymousId":"a1","token":"tok-a1","platform":"ios","appId":"com.example.app"}""");
            accepted(h, "/v1/track", """
                    {"anonymousId":"a1","event":"viewed_pricing","messageId":"m1"}""");
            accepted(h, "/v1/identify", """
                    {"anonymousId":"a1","traits":{"utm_source":"ads"},"messageId":"m2"}""");
            h.process();
            accepted(h, "/v1/identify", """
                    {"anonymousId":"a1","userId":"u1","traits":{"plan":"trial"},"messageId":"m3"}""");
            h.process();

            JsonNode u1 = person(h, "u1");
            assertThat(Api.texts(u1.path("anonymousIds"))).containsExactly("a1");
            assertThat(u1.path("attributes").path("utm_source").asText()).isEqualTo("ads");
            assertThat(u1.path("attributes").path("plan").asText()).isEqualTo("trial");
            assertThat(u1.path("devices")).singleElement().satisfies(d -> {
                assertThat(d.path("token").asText()).isEqualTo("tok-a1");
                assertThat(d.path("provider").asText()).isEqualTo("apns");
            });
            assertThat(eventIds(h, "u1")).containsExactlyInAnyOrder("m1", "m2", "m3");
            assertThat(Api.personRows(h)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anonymousVisitorWhoLogsIntoAnExistingAccountIsMergedIntoIt(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","traits":{"plan":"pro"},"messageId":"m1"}""");
            accepted(h, "/v1/devices", """
                    {"anonymousId":"a9","token":"tok-a9","platform":"android"}""");
            accepted(h, "/v1/identify", """
                    {"anonymousId":"a9","traits":{"plan":"free","color":"blue"},"messageId":"m2"}""");
            h.process();
            assertThat(Api.personRows(h)).isEqualTo(2);

            accepted(h, "/v1/track", """
                    {"anonymousId":"a9","userId":"u1","event":"logged_in","messageId":"m3"}""");
            h.process();

            JsonNode u1 = person(h, "u1");
            assertThat(u1.path("attributes").path("plan").asText()).as("the known person's attributes win").isEqualTo("pro");
            assertThat(u1.path("attributes").path("color").asText()).isEqualTo("blue");
            assertThat(u1.path("devices")).extracting(d -> d.path("token").asText()).containsExactly("tok-a9");
            assertThat(eventIds(h, "u1")).containsExactlyInAnyOrder("m1", "m2", "m3");
            assertThat(Api.personRows(h)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void secondAnonymousIdOfTheSameUserLinksToThemToo(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"anonymousId":"laptop","userId":"u1","messageId":"m1"}""");
            accepted(h, "/v1/track", """
                    {"anonymousId":"phone","event":"browsed","messageId":"m2"}""");
            h.process();
            accepted(h, "/v1/identify", """
                    {"anonymousId":"phone","userId":"u1","messageId":"m3"}""");
            accepted(h, "/v1/track", """
                    {"anonymousId":"phone","event":"still_anonymous_on_phone","messageId":"m4"}""");
            h.process();

            assertThat(Api.texts(person(h, "u1").path("anonymousIds"))).containsExactlyInAnyOrder("laptop", "phone");
            assertThat(eventIds(h, "u1")).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
            JsonNode byPhone = h.admin("/api/v1/people?anonymousId=phone").json().path("data");
            assertThat(byPhone).singleElement().satisfies(p -> assertThat(p.path("userId").asText()).isEqualTo("u1"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aliasLinksThePreviousIdToTheNewUserId(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"old-id","traits":{"plan":"trial"},"messageId":"m1"}""");
            accepted(h, "/v1/track", """
                    {"userId":"old-id","event":"signed_up","messageId":"m2"}""");
            h.process();
            accepted(h, "/v1/alias", """
                    {"previousId":"old-id","userId":"new-id","messageId":"m3"}""");
            accepted(h, "/v1/track", """
                    {"userId":"new-id","event":"upgraded","messageId":"m4"}""");
            h.process();

            JsonNode p = person(h, "new-id");
            assertThat(Api.texts(p.path("userIds"))).containsExactlyInAnyOrder("old-id", "new-id");
            assertThat(p.path("attributes").path("plan").asText()).isEqualTo("trial");
            assertThat(eventIds(h, "new-id")).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
            assertThat(person(h, "old-id").path("id")).isEqualTo(p.path("id"));
            assertThat(Api.personRows(h)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void laterCallsUnderAnAliasedPreviousUserIdReachTheSamePerson(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"new-id","traits":{"plan":"pro"}}""");
            accepted(h, "/v1/alias", """
                    {"previousId":"old-id","userId":"new-id"}""");
            h.process();
            // An old app version still identifies the user by their previous id.
            accepted(h, "/v1/track", """
                    {"userId":"old-id","event":"opened_old_app","messageId":"m-old"}""");
            h.process();

            assertThat(Api.personRows(h)).isEqualTo(1);
            assertThat(eventIds(h, "new-id")).contains("m-old");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void deletingADeviceTokenRemovesTheDevice(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"tok-1","platform":"ios"}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"tok-2","platform":"android","pushEnabled":false}""");
            h.process();
            assertThat(person(h, "u1").path("devices")).hasSize(2);

            var a = request(h, "DELETE", "/v1/devices", Map.of("Content-Type", Api.JSON,
                    "Authorization", TestHerald.basic(TestHerald.WRITE_KEY)), utf8("{\"token\":\"tok-1\"}"));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            h.process();

            assertThat(person(h, "u1").path("devices")).singleElement().satisfies(d -> {
                assertThat(d.path("token").asText()).isEqualTo("tok-2");
                assertThat(d.path("pushEnabled").asBoolean()).isFalse();
            });
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void trackingApiAnswersCorsPreflightFromAnyOrigin(Engine engine) {
        try (TestHerald h = herald(engine)) {
            var preflight = request(h, "OPTIONS", "/v1/track", Map.of("Origin", "https://shop.example",
                    "Access-Control-Request-Method", "POST",
                    "Access-Control-Request-Headers", "authorization, content-type"), null);
            assertThat(preflight.status()).isEqualTo(204);
            var headers = preflight.response().headers();
            assertThat(headers.firstValue("Access-Control-Allow-Origin")).hasValueSatisfying(
                    v -> assertThat(v).isIn("https://shop.example", "*"));
            assertThat(headers.firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
            assertThat(headers.firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
                    .contains("authorization", "content-type");

            // An error must be readable by the browser SDK too, so it carries the CORS headers as well.
            var refused = request(h, "POST", "/v1/track", Map.of("Origin", "https://shop.example",
                    "Content-Type", Api.JSON), utf8("{\"userId\":\"u1\",\"event\":\"e\"}"));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.response().headers().firstValue("Access-Control-Allow-Origin")).isPresent();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void adminApiSendsNoCorsHeaders(Engine engine) {
        try (TestHerald h = herald(engine)) {
            var get = request(h, "GET", "/api/v1/people", Map.of("Origin", "https://evil.example",
                    "Authorization", "Bearer " + TestHerald.ADMIN_KEY), null);
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.response().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

            var preflight = request(h, "OPTIONS", "/api/v1/people", Map.of("Origin", "https://evil.example",
                    "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"), null);
            assertThat(preflight.status()).isNotEqualTo(204).isLessThan(500);
            assertThat(preflight.response().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }
}
