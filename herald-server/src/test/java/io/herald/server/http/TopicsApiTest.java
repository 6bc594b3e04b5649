package io.herald.server.http;

import static io.herald.server.http.Api.accepted;
import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.allPages;
import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.events;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The admin API's topics and people's preferences (API.md "Admin API → Topics & preferences"), on both engines. */
class TopicsApiTest {
    private static final String TIPS = "{\"key\":\"product_tips\",\"name\":\"Product tips\",\"defaultOptIn\":true}";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T12:00:00Z");

    private TestHerald herald(Engine engine) {
        return TestHerald.start(engine, dir, clock);
    }

    private static JsonNode ok(TestHerald.Answer a, int status) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        return a.json();
    }

    private static void refused(TestHerald.Answer a, int status, String code, String field) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.errorCode()).as(a.body()).isEqualTo(code);
        if (field != null) assertThat(a.json().path("error").path("field").asText()).as(a.body()).isEqualTo(field);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void topicsAreCreatedListedReadChangedAndDeleted(Engine engine) {
        try (TestHerald h = herald(engine)) {
            JsonNode created = ok(admin(h, "POST", "/api/v1/topics", TIPS), 201);
            assertThat(created).isEqualTo(json("""
                    {"key":"product_tips","name":"Product tips","defaultOptIn":true,"createdAt":"2026-11-22T12:00:00Z"}"""));
            assertThat(ok(h.admin("/api/v1/topics/product_tips"), 200)).isEqualTo(created);

            JsonNode changed = ok(admin(h, "PUT", "/api/v1/topics/product_tips", "{\"name\":\"Tips\",\"defaultOptIn\":false}"), 200);
            assertThat(changed.path("name").asText()).isEqualTo("Tips");
            assertThat(changed.path("defaultOptIn").asBoolean()).isFalse();
            // what was read can be sent back as it is
            assertThat(ok(admin(h, "PUT", "/api/v1/topics/product_tips", changed.toString()), 200)).isEqualTo(changed);
            refused(admin(h, "PUT", "/api/v1/topics/product_tips", "{\"key\":\"renamed\"}"), 400, "invalid_field", "key");

            assertThat(admin(h, "DELETE", "/api/v1/topics/product_tips", null).status()).isEqualTo(204);
            refused(h.admin("/api/v1/topics/product_tips"), 404, "not_found", null);
            refused(admin(h, "DELETE", "/api/v1/topics/product_tips", null), 404, "not_found", null);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void topicsAreListedByKeyAPageAtATime(Engine engine) {
        try (TestHerald h = herald(engine)) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                String key = "topic." + (char) ('g' - i);
                keys.add(key);
                ok(admin(h, "POST", "/api/v1/topics", "{\"key\":\"" + key + "\",\"name\":\"t\",\"defaultOptIn\":false}"), 201);
            }
            assertThat(allPages(h, "/api/v1/topics?limit=3", "key")).isEqualTo(keys.reversed());
            assertThat(ok(h.admin("/api/v1/topics"), 200).path("data")).hasSize(7);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aSecondTopicWithTheSameKeyIsAConflictAndChangesNothing(Engine engine) {
        try (TestHerald h = herald(engine)) {
            ok(admin(h, "POST", "/api/v1/topics", TIPS), 201);
            refused(admin(h, "POST", "/api/v1/topics", "{\"key\":\"product_tips\",\"name\":\"Other\",\"defaultOptIn\":false}"),
                    409, "already_exists", "key");
            JsonNode kept = ok(h.admin("/api/v1/topics/product_tips"), 200);
            assertThat(kept.path("name").asText()).isEqualTo("Product tips");
            assertThat(kept.path("defaultOptIn").asBoolean()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void changingATopicsDefaultRecomputesTheSegmentsThatNameIt(Engine engine) {
        try (TestHerald h = herald(engine)) {
            ok(admin(h, "POST", "/api/v1/topics", TIPS), 201);
            String segment = ok(admin(h, "POST", "/api/v1/segments", """
                    {"name":"tips on push","condition":{"subscribed":{"channel":"push","topic":"product_tips"}}}"""), 201)
                    .path("id").asText();
            accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{}}");
            h.process();
            h.herald().segments().computations().runPending();
            assertThat(ok(h.admin("/api/v1/segments/" + segment + "/count"), 200).path("count").asLong()).isEqualTo(1);

            ok(admin(h, "PUT", "/api/v1/topics/product_tips", "{\"defaultOptIn\":false}"), 200);
            assertThat(ok(h.admin("/api/v1/segments/" + segment), 200).path("status").asText()).isEqualTo("computing");
            h.herald().segments().computations().runPending();
            JsonNode s = ok(h.admin("/api/v1/segments/" + segment), 200);
            assertThat(s.path("status").asText()).isEqualTo("ready");
            assertThat(s.path("count").asLong()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void preferencesAreAppendedToThePersonsLogAndAppliedWhenProcessed(Engine engine) {
        try (TestHerald h = herald(engine)) {
            ok(admin(h, "POST", "/api/v1/topics", TIPS), 201);
            accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{}}");
            h.process();
            JsonNode none = json("{\"channels\":{},\"topics\":{}}");
            assertThat(ok(h.admin("/api/v1/people/u1/preferences"), 200)).isEqualTo(none);

            long logRows = eventLogRows(h);
            String prefs = "{\"channels\":{\"push\":true,\"email\":false},\"topics\":{\"product_tips\":{\"push\":false}}}";
            assertThat(ok(admin(h, "PUT", "/api/v1/people/u1/preferences", prefs), 202)).isEqualTo(json(prefs));
            assertThat(eventLogRows(h)).as("durable in the log when answered").isEqualTo(logRows + 1);
            assertThat(ok(h.admin("/api/v1/people/u1/preferences"), 200)).as("not applied until processed").isEqualTo(none);
            h.process();
            assertThat(ok(h.admin("/api/v1/people/u1/preferences"), 200)).isEqualTo(json(prefs));
            JsonNode newest = events(h, "u1").getFirst();
            assertThat(newest.path("type").asText()).isEqualTo("preferences");
            assertThat(newest.path("preferences")).isEqualTo(json(prefs));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void badPreferencesAreRefusedNamingTheFieldAndAppendNothing(Engine engine) {
        try (TestHerald h = herald(engine)) {
            ok(admin(h, "POST", "/api/v1/topics", TIPS), 201);
            accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{}}");
            h.process();
            long logRows = eventLogRows(h);
            String path = "/api/v1/people/u1/preferences";
            refused(admin(h, "PUT", path, "{\"channels\":{\"fax\":false}}"), 400, "invalid_field", "channels.fax");
            refused(admin(h, "PUT", path, "{\"channels\":{\"push\":\"no\"}}"), 400, "invalid_field", "channels.push");
            refused(admin(h, "PUT", path, "{\"topics\":{\"news\":{\"push\":true}}}"), 400, "invalid_field", "topics.news");
            refused(admin(h, "PUT", path, "{\"topics\":{\"product_tips\":{\"webhook\":true}}}"), 400, "invalid_field",
                    "topics.product_tips.webhook");
            refused(admin(h, "PUT", path, "{\"topics\":{\"product_tips\":false}}"), 400, "invalid_field", "topics.product_tips");
            refused(admin(h, "PUT", path, "{\"topics\":[]}"), 400, "invalid_field", "topics");
            refused(admin(h, "PUT", path, "{\"push\":false}"), 400, "invalid_field", "push");
            refused(admin(h, "PUT", path, "[]"), 400, "invalid_json", null);
            refused(admin(h, "PUT", path, "{\"channels\":{\"push\":false,\"pad\":\"" + "x".repeat(300 * 1024) + "\"}}"),
                    413, "too_large", null);
            refused(admin(h, "PUT", "/api/v1/people/nobody/preferences", "{}"), 404, "not_found", null);
            refused(h.admin("/api/v1/people/nobody/preferences"), 404, "not_found", null);
            refused(request(h, "PUT", path, Map.of("Content-Type", Api.JSON), utf8("{}")), 401, "missing_key", null);
            refused(request(h, "PUT", path, Map.of("Content-Type", Api.JSON, "Authorization", "Bearer " + TestHerald.WRITE_KEY),
                    utf8("{}")), 403, "wrong_key_kind", null);
            assertThat(eventLogRows(h)).isEqualTo(logRows);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anotherWorkspacesKeyReachesNeitherItsTopicsNorItsPeoplesPreferences(Engine engine) {
        try (TestHerald h = herald(engine)) {
            ok(admin(h, "POST", "/api/v1/topics", TIPS), 201);
            accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{}}");
            h.process();
            String other = "Bearer " + h.herald().workspaces().create("other").adminKey();
            refused(request(h, "GET", "/api/v1/topics/product_tips", Map.of("Authorization", other), null), 404, "not_found", null);
            refused(request(h, "GET", "/api/v1/people/u1/preferences", Map.of("Authorization", other), null), 404, "not_found", null);
            assertThat(request(h, "GET", "/api/v1/topics", Map.of("Authorization", other), null).json().path("data")).isEmpty();
            // the same key in another workspace is another topic
            assertThat(request(h, "POST", "/api/v1/topics", Map.of("Authorization", other, "Content-Type", Api.JSON),
                    utf8(TIPS)).status()).isEqualTo(201);
        }
    }
}
