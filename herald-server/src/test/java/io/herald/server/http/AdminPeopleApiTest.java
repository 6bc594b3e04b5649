package io.herald.server.http;

import static io.herald.server.http.Api.accepted;
import static io.herald.server.http.Api.adminDelete;
import static io.herald.server.http.Api.allPages;
import static io.herald.server.http.Api.count;
import static io.herald.server.http.Api.eventIds;
import static io.herald.server.http.Api.logCount;
import static io.herald.server.http.Api.person;
import static io.herald.server.http.Api.request;
import static io.herald.server.http.Api.texts;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin API's people endpoints (API.md "Admin API → People"), on both store engines. */
class AdminPeopleApiTest {
    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T12:00:00Z");

    private TestHerald herald(Engine engine) {
        return TestHerald.start(engine, dir, clock);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personHasTheDocumentedShape(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","anonymousId":"a1","traits":{"email":"u1@example.com","plan":"trial"},
                     "context":{"timezone":"America/New_York","locale":"en-US"}}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"tok-1","platform":"web","provider":"fcm","appId":"shop"}""");
            h.process();
            clock.advance(Duration.ofHours(1));
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"opened"}""");
            h.process();

            JsonNode p = person(h, "u1");
            assertThat(p.path("userId").asText()).isEqualTo("u1");
            assertThat(texts(p.path("anonymousIds"))).containsExactly("a1");
            assertThat(p.path("attributes").path("email").asText()).isEqualTo("u1@example.com");
            assertThat(p.path("attributes").path("plan").asText()).isEqualTo("trial");
            assertThat(p.path("createdAt").asText()).isEqualTo("2026-11-22T12:00:00Z");
            assertThat(p.path("lastSeenAt").asText()).isEqualTo("2026-11-22T13:00:00Z");
            assertThat(p.path("timezone").asText()).isEqualTo("America/New_York");
            assertThat(p.path("locale").asText()).isEqualTo("en-US");
            assertThat(p.path("segments").isArray()).isTrue();
            assertThat(p.path("segments")).isEmpty();
            assertThat(p.path("devices")).singleElement().satisfies(d -> {
                assertThat(d.path("token").asText()).isEqualTo("tok-1");
                assertThat(d.path("platform").asText()).isEqualTo("web");
                assertThat(d.path("provider").asText()).isEqualTo("fcm");
                assertThat(d.path("appId").asText()).isEqualTo("shop");
                assertThat(d.path("pushEnabled").asBoolean()).isTrue();
                assertThat(d.path("createdAt").asText()).isEqualTo("2026-11-22T12:00:00Z");
            });
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personIsFoundByAnyOfTheirAnonymousIds(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","anonymousId":"a1"}""");
            accepted(h, "/v1/page", """
                    {"anonymousId":"visitor","name":"Home"}""");
            h.process();

            JsonNode known = h.admin("/api/v1/people?anonymousId=a1").json();
            assertThat(known.path("data")).singleElement().satisfies(p -> assertThat(p.path("userId").asText()).isEqualTo("u1"));
            assertThat(known.get("next").isNull()).isTrue();
            JsonNode visitor = h.admin("/api/v1/people?anonymousId=visitor").json().path("data");
            assertThat(visitor).singleElement().satisfies(p -> {
                assertThat(p.path("userId").isNull()).isTrue();
                assertThat(texts(p.path("anonymousIds"))).containsExactly("visitor");
            });
            assertThat(h.admin("/api/v1/people?anonymousId=stranger").json().path("data")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void queryMatchesAUserIdPrefixOrAnAttributeValue(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/batch", """
                    {"batch":[
                      {"type":"identify","userId":"ada-lovelace","traits":{"email":"ada@example.com"}},
                      {"type":"identify","userId":"adam-smith","traits":{"email":"adam@corp.test"}},
                      {"type":"identify","userId":"grace-hopper","traits":{"email":"grace@navy.mil","note":"50%"}},
                      {"type":"page","anonymousId":"visitor-1","name":"Home"}]}""");
            h.process();

            assertThat(userIdsFor(h, "ada")).containsExactlyInAnyOrder("ada-lovelace", "adam-smith");
            assertThat(userIdsFor(h, "ada-l")).containsExactly("ada-lovelace");
            assertThat(userIdsFor(h, "grace%40navy.mil")).containsExactly("grace-hopper");
            assertThat(userIdsFor(h, "GRACE%40NAVY")).as("case-insensitive").containsExactly("grace-hopper");
            assertThat(userIdsFor(h, "hopper")).as("a userId matches by prefix only").isEmpty();
            assertThat(userIdsFor(h, "5%25")).as("% in a query is a literal, not a wildcard").isEmpty();
            assertThat(userIdsFor(h, "visitor")).as("an anonymous id prefix").hasSize(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void pagingThroughPeopleServesEveryoneExactlyOnce(Engine engine) {
        try (TestHerald h = herald(engine)) {
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            for (int i = 1; i <= 9; i++) {
                batch.append(i == 1 ? "" : ",").append(i <= 7
                        ? "{\"type\":\"identify\",\"userId\":\"u0" + i + "\"}"
                        : "{\"type\":\"page\",\"anonymousId\":\"anon-" + i + "\"}");
            }
            accepted(h, "/v1/batch", batch.append("]}").toString());
            h.process();

            JsonNode first = h.admin("/api/v1/people?limit=2").json();
            assertThat(first.path("data")).hasSize(2);
            assertThat(first.path("next").isTextual()).isTrue();
            List<String> ids = allPages(h, "/api/v1/people?limit=2", "id");
            assertThat(ids).hasSize(9).doesNotHaveDuplicates();
            assertThat(allPages(h, "/api/v1/people?limit=1000", "id")).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(allPages(h, "/api/v1/people?limit=9", "id")).containsExactlyElementsOf(ids);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void pagingThroughEventsIsNewestFirstWithoutGapsOrDuplicates(Engine engine) {
        try (TestHerald h = herald(engine)) {
            // Two events per second: paging must also cut correctly between events with the same timestamp.
            StringBuilder batch = new StringBuilder("{\"batch\":[");
            List<String> newestFirst = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.append(i == 0 ? "" : ",").append("""
                        {"type":"track","userId":"u1","event":"e%d","messageId":"m%d","timestamp":"2026-11-22T10:00:0%dZ"}"""
                        .formatted(i, i, i / 2));
                newestFirst.addFirst("m" + i);
            }
            accepted(h, "/v1/batch", batch.append("]}").toString());
            h.process();

            for (int limit : new int[] {1, 2, 3, 4, 10, 11}) {
                assertThat(allPages(h, "/api/v1/people/u1/events?limit=" + limit, "id")).as("limit %d", limit)
                        .containsExactlyElementsOf(newestFirst);
            }
            JsonNode page = h.admin("/api/v1/people/u1/events?limit=3").json();
            assertThat(page.path("data")).hasSize(3);
            assertThat(page.path("data").get(0).path("timestamp").asText()).isEqualTo("2026-11-22T10:00:04Z");
            assertThat(page.path("data").get(0).path("event").asText()).isEqualTo("e9");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void devicesEndpointListsThePersonsDevices(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"ios-token","platform":"ios"}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":{"endpoint":"https://push.example/abc","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"}},
                     "platform":"web","provider":"webpush"}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u2","token":"someone-else","platform":"android"}""");
            h.process();

            JsonNode devices = h.admin("/api/v1/people/u1/devices").json().path("data");
            assertThat(devices).extracting(d -> d.path("platform").asText()).containsExactlyInAnyOrder("ios", "web");
            assertThat(devices).extracting(d -> d.path("token").asText())
                    .anySatisfy(t -> assertThat(t).contains("https://push.example/abc"))
                    .doesNotContain("someone-else");
            assertThat(h.admin("/api/v1/people/nobody/devices").status()).isEqualTo(404);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void exportHoldsTheProfileAndEveryEvent(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","anonymousId":"a1","traits":{"plan":"trial"},"messageId":"m1"}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"tok-1","platform":"ios"}""");
            for (int i = 2; i <= 4; i++) {
                accepted(h, "/v1/track", "{\"userId\":\"u1\",\"event\":\"e%d\",\"messageId\":\"m%d\"}".formatted(i, i));
            }
            h.process();

            TestHerald.Answer a = h.admin("/api/v1/people/u1/export");
            assertThat(a.status()).isEqualTo(200);
            JsonNode x = a.json();
            assertThat(x.path("userId").asText()).isEqualTo("u1");
            assertThat(texts(x.path("anonymousIds"))).containsExactly("a1");
            assertThat(x.path("attributes").path("plan").asText()).isEqualTo("trial");
            assertThat(x.path("devices")).extracting(d -> d.path("token").asText()).containsExactly("tok-1");
            assertThat(x.path("events")).filteredOn(e -> !e.path("type").asText().equals("device_registered"))
                    .extracting(e -> e.path("id").asText()).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
            assertThat(x.path("events")).filteredOn(e -> e.path("type").asText().equals("device_registered"))
                    .singleElement().satisfies(e -> assertThat(e.path("properties").path("platform").asText()).isNotBlank());
            assertThat(h.admin("/api/v1/people/nobody/export").status()).isEqualTo(404);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void erasedPersonIsGoneAndLaterEventsDoNotRecreateThem(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","anonymousId":"a1","traits":{"email":"u1@example.com"},"messageId":"m1"}""");
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"opened","messageId":"m2"}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"tok-1","platform":"ios"}""");
            accepted(h, "/v1/track", """
                    {"userId":"u2","event":"bystander","messageId":"m3"}""");
            h.process();

            assertThat(adminDelete(h, "/api/v1/people/u1").status()).isEqualTo(204);

            for (String path : List.of("", "/events", "/devices", "/export")) {
                TestHerald.Answer gone = h.admin("/api/v1/people/u1" + path);
                assertThat(gone.status()).as(path).isEqualTo(404);
                assertThat(gone.errorCode()).isEqualTo("not_found");
            }
            assertThat(h.admin("/api/v1/people?anonymousId=a1").json().path("data")).isEmpty();
            assertThat(h.admin("/api/v1/people?query=u1%40example").json().path("data")).isEmpty();
            assertThat(logCount(h, "SELECT COUNT(*) FROM event_log WHERE message_id IN ('m1', 'm2')")).isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM person_events WHERE message_id IN ('m1', 'm2')")).isZero();
            assertThat(count(h, "SELECT COUNT(*) FROM devices")).isZero();
            assertThat(eventIds(h, "u2")).as("other people are untouched").containsExactly("m3");
            assertThat(adminDelete(h, "/api/v1/people/u1").status()).isEqualTo(404);

            // The SDK on an old device keeps sending: the erased user must not come back.
            accepted(h, "/v1/identify", """
                    {"userId":"u1","anonymousId":"a2","traits":{"email":"u1@example.com"}}""");
            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"opened_again"}""");
            accepted(h, "/v1/devices", """
                    {"userId":"u1","token":"tok-2","platform":"ios"}""");
            h.process();
            assertThat(h.admin("/api/v1/people/u1").status()).isEqualTo(404);
            assertThat(count(h, "SELECT COUNT(*) FROM devices")).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void erasureLeavesNothingOfThePersonInTheEventLog(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/devices", """
                    {"anonymousId":"erase-anon-1","token":"erase-token-a","platform":"ios"}""");
            accepted(h, "/v1/identify", """
                    {"userId":"erase-user-1","anonymousId":"erase-anon-1","traits":{"email":"erase@example.com"}}""");
            accepted(h, "/v1/devices", """
                    {"userId":"erase-user-1","token":"erase-token-u","platform":"android"}""");
            h.process();

            assertThat(adminDelete(h, "/api/v1/people/erase-user-1").status()).isEqualTo(204);
            assertThat(logCount(h, "SELECT COUNT(*) FROM event_log WHERE payload LIKE '%erase-%'"))
                    .as("log rows still naming the person or their devices").isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void erasureWithoutSuppressionLetsTheUserIdStartAfresh(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", """
                    {"userId":"u1","traits":{"plan":"trial"},"messageId":"m1"}""");
            h.process();

            assertThat(adminDelete(h, "/api/v1/people/u1?suppress=false").status()).isEqualTo(204);
            assertThat(h.admin("/api/v1/people/u1").status()).isEqualTo(404);

            accepted(h, "/v1/track", """
                    {"userId":"u1","event":"came_back","messageId":"m2"}""");
            h.process();
            JsonNode p = person(h, "u1");
            assertThat(p.path("attributes")).as("nothing of the erased profile returns").isEmpty();
            assertThat(eventIds(h, "u1")).containsExactly("m2");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sameUserIdInTwoWorkspacesIsTwoSeparatePeople(Engine engine) {
        try (TestHerald h = herald(engine)) {
            var other = h.herald().workspaces().create("other");
            accepted(h, "/v1/identify", """
                    {"userId":"u1","traits":{"plan":"default-ws"}}""");
            var a = request(h, "POST", "/v1/identify", Map.of("Content-Type", Api.JSON,
                    "Authorization", TestHerald.basic(other.writeKey())), utf8("""
                    {"userId":"u1","traits":{"plan":"other-ws"}}"""));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            h.process();

            assertThat(person(h, "u1").path("attributes").path("plan").asText()).isEqualTo("default-ws");
            var fromOther = request(h, "GET", "/api/v1/people/u1", Map.of("Authorization", "Bearer " + other.adminKey()), null);
            assertThat(fromOther.json().path("attributes").path("plan").asText()).isEqualTo("other-ws");
            var listOther = request(h, "GET", "/api/v1/people", Map.of("Authorization", "Bearer " + other.adminKey()), null);
            assertThat(listOther.json().path("data")).singleElement()
                    .satisfies(p -> assertThat(p.path("attributes").path("plan").asText()).isEqualTo("other-ws"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void identitySettingsReturnTheBootstrapSecret(Engine engine) {
        try (TestHerald h = herald(engine)) {
            TestHerald.Answer a = h.admin("/api/v1/settings/identity");
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.json().path("secret").asText()).isEqualTo(TestHerald.IDENTITY_SECRET);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyPeopleEndpointNeedsAnAdminKey(Engine engine) {
        try (TestHerald h = herald(engine)) {
            accepted(h, "/v1/identify", "{\"userId\":\"u1\"}");
            h.process();
            for (String[] call : new String[][] {{"GET", "/api/v1/people"}, {"GET", "/api/v1/people/u1"},
                    {"GET", "/api/v1/people/u1/events"}, {"GET", "/api/v1/people/u1/devices"},
                    {"GET", "/api/v1/people/u1/export"}, {"DELETE", "/api/v1/people/u1"},
                    {"GET", "/api/v1/settings/identity"}}) {
                TestHerald.Answer a = request(h, call[0], call[1], Map.of(), null);
                assertThat(a.status()).as("%s %s", call[0], call[1]).isEqualTo(401);
                assertThat(a.errorCode()).isEqualTo("missing_key");
                assertThat(a.body()).doesNotContain(TestHerald.IDENTITY_SECRET);
            }
            assertThat(h.admin("/api/v1/people/u1").status()).as("the unauthenticated DELETE erased nothing").isEqualTo(200);
        }
    }

    private static List<String> userIdsFor(TestHerald h, String encodedQuery) {
        TestHerald.Answer a = h.admin("/api/v1/people?query=" + encodedQuery);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        a.json().path("data").forEach(p -> out.add(p.path("userId").asText()));
        return out;
    }
}
