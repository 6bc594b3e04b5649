package io.herald.server.http;

import static io.herald.server.http.Api.accepted;
import static io.herald.server.http.Api.admin;
import static io.herald.server.http.Api.allPages;
import static io.herald.server.http.Api.count;
import static io.herald.server.http.Api.events;
import static io.herald.server.http.Api.person;
import static io.herald.server.http.Api.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admin API's segment endpoints (API.md "Admin API → Segments"), on both store engines. Processing and the
 * background computation of new segments run only when a test says so, on a test clock.
 */
class SegmentsApiTest {
    private static final String TRIAL = "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}";
    private static final String PRO = "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"pro\"}";
    private static final String START = "2026-11-22T12:00:00Z";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at(START);

    private TestHerald herald(Engine engine) {
        return TestHerald.start(engine, dir, clock);
    }

    /** u1, u2 and the anonymous visitor v1 are on trial; u3 is on pro. */
    private static void seed(TestHerald h) {
        accepted(h, "/v1/batch", """
                {"batch":[
                  {"type":"identify","userId":"u1","traits":{"plan":"trial"}},
                  {"type":"identify","userId":"u2","traits":{"plan":"trial"}},
                  {"type":"identify","userId":"u3","traits":{"plan":"pro"}},
                  {"type":"identify","anonymousId":"v1","traits":{"plan":"trial"}}]}""");
        h.process();
    }

    private static JsonNode create(TestHerald h, String name, String condition) {
        TestHerald.Answer a = admin(h, "POST", "/api/v1/segments",
                "{\"name\":\"" + name + "\",\"condition\":" + condition + "}");
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.json();
    }

    /** Creates a segment and runs its computation over existing people to the end. */
    private static String ready(TestHerald h, String name, String condition) {
        String id = create(h, name, condition).path("id").asText();
        compute(h);
        return id;
    }

    private static void compute(TestHerald h) {
        h.herald().segments().computations().runPending();
    }

    private static JsonNode segment(TestHerald h, String id) {
        TestHerald.Answer a = h.admin("/api/v1/segments/" + id);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    /** A segment's members as userId (or the anonymous id for anonymous members) → enteredAt. */
    private static Map<String, String> members(TestHerald h, String id) {
        TestHerald.Answer a = h.admin("/api/v1/segments/" + id + "/members?limit=1000");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        Map<String, String> out = new HashMap<>();
        for (JsonNode m : a.json().path("data")) {
            String name = m.path("userId").isNull() ? m.path("anonymousIds").get(0).asText() : m.path("userId").asText();
            out.put(name, m.path("enteredAt").asText());
        }
        return out;
    }

    private static List<String> segmentNamesOf(TestHerald h, String userId) {
        return person(h, userId).path("segments").findValuesAsText("name");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void createdSegmentIsComputingThenReadyWithEveryExistingPersonCounted(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);

            JsonNode created = create(h, "Trial", TRIAL);
            assertThat(created.path("id").asText()).startsWith("seg_");
            assertThat(created.path("name").asText()).isEqualTo("Trial");
            assertThat(created.path("condition")).isEqualTo(Api.json(TRIAL));
            assertThat(created.path("status").asText()).isEqualTo("computing");
            assertThat(created.path("progress").path("done").asLong()).isZero();
            assertThat(created.path("progress").path("percent").asDouble()).isZero();
            assertThat(created.path("createdAt").asText()).isEqualTo(START);
            assertThat(created.path("computedAt").isNull()).isTrue();

            clock.advance(Duration.ofMinutes(1));
            compute(h);

            JsonNode s = segment(h, created.path("id").asText());
            assertThat(s.path("status").asText()).isEqualTo("ready");
            assertThat(s.path("progress").path("done").asLong()).isEqualTo(4);
            assertThat(s.path("progress").path("total").asLong()).isEqualTo(4);
            assertThat(s.path("progress").path("percent").asDouble()).isEqualTo(100.0);
            assertThat(s.path("computedAt").asText()).isEqualTo("2026-11-22T12:01:00Z");
            assertThat(s.path("count").asLong()).isEqualTo(3);
            assertThat(members(h, s.path("id").asText())).containsOnlyKeys("u1", "u2", "v1");
            assertThat(events(h, "u1")).as("a new segment does not announce the people already in it")
                    .noneMatch(e -> e.path("event").asText().startsWith("segment."));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void onceReadyPeopleEnterAndExitAsTheirEventsArrive(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);

            clock.advance(Duration.ofHours(1));
            accepted(h, "/v1/identify", "{\"userId\":\"u3\",\"traits\":{\"plan\":\"trial\"}}");
            accepted(h, "/v1/identify", "{\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"}}");
            h.process();

            JsonNode u3 = person(h, "u3").path("segments");
            assertThat(u3).singleElement().satisfies(m -> {
                assertThat(m.path("id").asText()).isEqualTo(id);
                assertThat(m.path("name").asText()).isEqualTo("Trial");
                assertThat(m.path("enteredAt").asText()).isEqualTo("2026-11-22T13:00:00Z");
            });
            assertThat(events(h, "u3")).anySatisfy(e -> {
                assertThat(e.path("event").asText()).isEqualTo("segment.entered");
                assertThat(e.path("properties").path("segmentId").asText()).isEqualTo(id);
            });
            assertThat(person(h, "u1").path("segments")).isEmpty();
            assertThat(h.admin("/api/v1/segments/" + id + "/count").json().path("count").asLong()).isEqualTo(3);
            assertThat(members(h, id)).containsOnlyKeys("u2", "u3", "v1");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void listPagesThroughEverySegmentExactlyOnce(Engine engine) {
        try (TestHerald h = herald(engine)) {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 1; i <= 5; i++) ids.add(create(h, "S" + i, TRIAL).path("id").asText());

            JsonNode first = h.admin("/api/v1/segments?limit=2").json();
            assertThat(first.path("data")).hasSize(2);
            assertThat(first.path("next").isTextual()).isTrue();
            assertThat(first.path("data").get(0).path("status").asText()).isEqualTo("computing");
            assertThat(allPages(h, "/api/v1/segments?limit=2", "id")).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(allPages(h, "/api/v1/segments?limit=5", "id")).containsExactlyInAnyOrderElementsOf(ids);
            JsonNode all = h.admin("/api/v1/segments").json();
            assertThat(all.path("data")).hasSize(5);
            assertThat(all.path("next").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void renamingKeepsTheMembershipAndItsEntryTimes(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);
            Map<String, String> before = members(h, id);

            clock.advance(Duration.ofHours(1));
            TestHerald.Answer a = admin(h, "PUT", "/api/v1/segments/" + id,
                    "{\"name\":\"Trial people\",\"description\":\"everyone on a trial\"}");

            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("name").asText()).isEqualTo("Trial people");
            assertThat(a.json().path("description").asText()).isEqualTo("everyone on a trial");
            assertThat(a.json().path("condition")).isEqualTo(Api.json(TRIAL));
            assertThat(a.json().path("status").asText()).as("nothing to recompute").isEqualTo("ready");
            assertThat(a.json().path("updatedAt").asText()).isEqualTo("2026-11-22T13:00:00Z");
            compute(h);
            assertThat(members(h, id)).isEqualTo(before);
            assertThat(segmentNamesOf(h, "u1")).containsExactly("Trial people");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void entriesAfterARenameAreAnnouncedWithTheNewName(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);
            assertThat(admin(h, "PUT", "/api/v1/segments/" + id, "{\"name\":\"Trial people\"}").status()).isEqualTo(200);

            accepted(h, "/v1/identify", "{\"userId\":\"u3\",\"traits\":{\"plan\":\"trial\"}}");
            h.process();

            assertThat(events(h, "u3")).filteredOn(e -> e.path("event").asText().equals("segment.entered"))
                    .singleElement().satisfies(e -> {
                        assertThat(e.path("properties").path("segmentId").asText()).isEqualTo(id);
                        assertThat(e.path("properties").path("segmentName").asText()).isEqualTo("Trial people");
                    });
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void changingTheConditionRecomputesTheMembership(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Paying", TRIAL);

            TestHerald.Answer a = admin(h, "PUT", "/api/v1/segments/" + id, "{\"condition\":" + PRO + "}");

            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("name").asText()).isEqualTo("Paying");
            assertThat(a.json().path("status").asText()).isEqualTo("computing");
            assertThat(a.json().path("progress").path("done").asLong()).isZero();
            compute(h);
            JsonNode s = segment(h, id);
            assertThat(s.path("status").asText()).isEqualTo("ready");
            assertThat(s.path("condition")).isEqualTo(Api.json(PRO));
            assertThat(s.path("count").asLong()).isEqualTo(1);
            assertThat(members(h, id)).containsOnlyKeys("u3");
            assertThat(segmentNamesOf(h, "u1")).isEmpty();
            assertThat(segmentNamesOf(h, "u3")).containsExactly("Paying");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void deletedSegmentIsGoneFromEveryEndpoint(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);

            assertThat(admin(h, "DELETE", "/api/v1/segments/" + id, null).status()).isEqualTo(204);

            for (String path : List.of("", "/members", "/count")) {
                TestHerald.Answer gone = h.admin("/api/v1/segments/" + id + path);
                assertThat(gone.status()).as(path).isEqualTo(404);
                assertThat(gone.errorCode()).isEqualTo("not_found");
            }
            assertThat(admin(h, "PUT", "/api/v1/segments/" + id, "{\"name\":\"x\"}").status()).isEqualTo(404);
            assertThat(admin(h, "DELETE", "/api/v1/segments/" + id, null).status()).isEqualTo(404);
            assertThat(h.admin("/api/v1/segments").json().path("data")).isEmpty();
            assertThat(person(h, "u1").path("segments")).isEmpty();
            assertThat(count(h, "SELECT COUNT(*) FROM segment_members")).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void segmentAnotherUsesCannotBeDeletedUntilThatOneIsGone(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String trial = ready(h, "Trial", TRIAL);
            String user = ready(h, "Known trial", "{\"and\":[{\"segment\":\"" + trial + "\"},"
                    + "{\"attribute\":\"email\",\"op\":\"not_exists\"}]}");

            TestHerald.Answer refused = admin(h, "DELETE", "/api/v1/segments/" + trial, null);

            assertThat(refused.status()).as(refused.body()).isEqualTo(409);
            assertThat(refused.errorCode()).isEqualTo("in_use");
            assertThat(refused.json().path("error").path("message").asText()).contains(user);
            assertThat(segment(h, trial).path("count").asLong()).isEqualTo(3);
            assertThat(admin(h, "DELETE", "/api/v1/segments/" + user, null).status()).isEqualTo(204);
            assertThat(admin(h, "DELETE", "/api/v1/segments/" + trial, null).status()).isEqualTo(204);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void editThatWouldMakeSegmentsUseEachOtherIsRefusedNamingTheReference(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String a = ready(h, "A", TRIAL);
            String b = ready(h, "B", "{\"segment\":\"" + a + "\"}");
            String c = ready(h, "C", "{\"not\":{\"segment\":\"" + b + "\"}}");

            TestHerald.Answer direct = admin(h, "PUT", "/api/v1/segments/" + a,
                    "{\"condition\":{\"or\":[" + PRO + ",{\"segment\":\"" + b + "\"}]}}");
            TestHerald.Answer through = admin(h, "PUT", "/api/v1/segments/" + a,
                    "{\"condition\":{\"and\":[" + PRO + "," + TRIAL + ",{\"segment\":\"" + c + "\"}]}}");
            TestHerald.Answer self = admin(h, "PUT", "/api/v1/segments/" + a, "{\"condition\":{\"segment\":\"" + a + "\"}}");

            assertThat(direct.status()).as(direct.body()).isEqualTo(400);
            assertThat(direct.json().path("error").path("field").asText()).isEqualTo("condition.or[1].segment");
            assertThat(direct.json().path("error").path("message").asText()).contains(b + " -> " + a);
            assertThat(through.status()).as(through.body()).isEqualTo(400);
            assertThat(through.json().path("error").path("field").asText()).isEqualTo("condition.and[2].segment");
            assertThat(through.json().path("error").path("message").asText()).contains(c + " -> " + b + " -> " + a);
            assertThat(self.status()).as(self.body()).isEqualTo(400);
            assertThat(self.json().path("error").path("field").asText()).isEqualTo("condition.segment");
            JsonNode unchanged = segment(h, a);
            assertThat(unchanged.path("condition")).isEqualTo(Api.json(TRIAL));
            assertThat(unchanged.path("status").asText()).isEqualTo("ready");
            assertThat(unchanged.path("updatedAt").asText()).isEqualTo(START);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void twoEditsAtOnceCannotMakeTwoSegmentsUseEachOther(Engine engine) throws Exception {
        try (TestHerald h = herald(engine)) {
            String a = create(h, "A", TRIAL).path("id").asText();
            String b = create(h, "B", PRO).path("id").asText();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 10; round++) {
                    CyclicBarrier together = new CyclicBarrier(2);
                    Future<TestHerald.Answer> aUsesB = pool.submit(() -> {
                        together.await();
                        return admin(h, "PUT", "/api/v1/segments/" + a, "{\"condition\":{\"segment\":\"" + b + "\"}}");
                    });
                    Future<TestHerald.Answer> bUsesA = pool.submit(() -> {
                        together.await();
                        return admin(h, "PUT", "/api/v1/segments/" + b, "{\"condition\":{\"segment\":\"" + a + "\"}}");
                    });
                    List<Integer> statuses = List.of(aUsesB.get().status(), bUsesA.get().status());

                    assertThat(statuses).as("round %d: one edit wins, the other would close a cycle", round)
                            .containsExactlyInAnyOrder(200, 400);
                    assertThat(admin(h, "PUT", "/api/v1/segments/" + a, "{\"condition\":" + TRIAL + "}").status()).isEqualTo(200);
                    assertThat(admin(h, "PUT", "/api/v1/segments/" + b, "{\"condition\":" + PRO + "}").status()).isEqualTo(200);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void membersPageWithUserIdsAnonymousIdsAndEntryTimes(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            accepted(h, "/v1/batch", """
                    {"batch":[
                      {"type":"identify","userId":"u4","anonymousId":"a4","traits":{"plan":"trial"}},
                      {"type":"identify","userId":"u5","traits":{"plan":"trial"}},
                      {"type":"identify","userId":"u6","traits":{"plan":"trial"}}]}""");
            h.process();
            String id = ready(h, "Trial", TRIAL);

            List<String> personIds = allPages(h, "/api/v1/segments/" + id + "/members?limit=2", "personId");
            assertThat(personIds).hasSize(6);
            assertThat(allPages(h, "/api/v1/segments/" + id + "/members?limit=6", "personId")).isEqualTo(personIds);
            JsonNode page = h.admin("/api/v1/segments/" + id + "/members?limit=1000").json();
            assertThat(page.path("next").isNull()).isTrue();
            assertThat(page.path("data")).filteredOn(m -> m.path("userId").isNull()).singleElement().satisfies(m ->
                    assertThat(texts(m.path("anonymousIds"))).containsExactly("v1"));
            assertThat(page.path("data")).filteredOn(m -> !m.path("userId").isNull())
                    .extracting(m -> m.path("userId").asText()).containsExactlyInAnyOrder("u1", "u2", "u4", "u5", "u6");
            assertThat(page.path("data")).allSatisfy(m -> assertThat(m.path("enteredAt").asText()).isEqualTo(START));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void countAnswersHowManyPeopleAreInTheSegment(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);

            TestHerald.Answer a = h.admin("/api/v1/segments/" + id + "/count");

            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("count").asLong()).isEqualTo(3);
            assertThat(a.json().path("status").asText()).isEqualTo("ready");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void previewCountsAndSamplesFromHistoryWithoutSavingAnything(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            for (int i = 0; i < 3; i++) accepted(h, "/v1/track", "{\"userId\":\"u1\",\"event\":\"export\"}");
            accepted(h, "/v1/track", "{\"userId\":\"u2\",\"event\":\"export\"}");
            h.process();
            String tables = "SELECT (SELECT COUNT(*) FROM segments) + (SELECT COUNT(*) FROM segment_members) "
                    + "+ (SELECT COUNT(*) FROM segment_state) + (SELECT COUNT(*) FROM segment_generations)";
            long before = count(h, tables);

            TestHerald.Answer trial = admin(h, "POST", "/api/v1/segments/preview", "{\"condition\":" + TRIAL + "}");
            TestHerald.Answer exporters = admin(h, "POST", "/api/v1/segments/preview",
                    "{\"condition\":{\"event\":\"export\",\"count\":{\"op\":\"gte\",\"value\":3}}}");

            assertThat(trial.status()).as(trial.body()).isEqualTo(200);
            assertThat(trial.json().path("count").asLong()).isEqualTo(3);
            assertThat(texts(trial.json().path("sample"))).as("anonymous people by their anonymous id")
                    .containsExactlyInAnyOrder("u1", "u2", "v1");
            assertThat(trial.json().path("complete").asBoolean()).isTrue();
            assertThat(trial.json().path("evaluated").asLong()).isEqualTo(4);
            assertThat(trial.json().path("total").asLong()).isEqualTo(4);
            assertThat(exporters.status()).as(exporters.body()).isEqualTo(200);
            assertThat(exporters.json().path("count").asLong()).isEqualTo(1);
            assertThat(texts(exporters.json().path("sample"))).containsExactly("u1");
            assertThat(count(h, tables)).as("segment rows").isEqualTo(before);
            assertThat(h.admin("/api/v1/segments").json().path("data")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personShowsEverySegmentTheyAreIn(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String trial = ready(h, "Trial", TRIAL);
            clock.advance(Duration.ofMinutes(5));
            String known = ready(h, "Known", "{\"attribute\":\"plan\",\"op\":\"exists\"}");

            JsonNode segments = person(h, "u1").path("segments");

            assertThat(segments).extracting(m -> m.path("id").asText()).containsExactly(trial, known);
            assertThat(segments).extracting(m -> m.path("name").asText()).containsExactly("Trial", "Known");
            assertThat(segments).extracting(m -> m.path("enteredAt").asText())
                    .containsExactly(START, "2026-11-22T12:05:00Z");
            assertThat(segmentNamesOf(h, "u3")).containsExactly("Known");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anotherWorkspacesAdminKeyNeitherSeesNorTouchesTheSegments(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);
            String other = h.herald().workspaces().create("other").adminKey();

            for (String path : List.of("", "/members", "/count")) {
                TestHerald.Answer a = admin(h, other, "GET", "/api/v1/segments/" + id + path, null);
                assertThat(a.status()).as(path).isEqualTo(404);
            }
            assertThat(admin(h, other, "PUT", "/api/v1/segments/" + id, "{\"name\":\"mine\"}").status()).isEqualTo(404);
            assertThat(admin(h, other, "DELETE", "/api/v1/segments/" + id, null).status()).isEqualTo(404);
            assertThat(admin(h, other, "GET", "/api/v1/segments", null).json().path("data")).isEmpty();
            TestHerald.Answer uses = admin(h, other, "POST", "/api/v1/segments",
                    "{\"name\":\"x\",\"condition\":{\"segment\":\"" + id + "\"}}");
            assertThat(uses.status()).as(uses.body()).isEqualTo(400);
            assertThat(uses.json().path("error").path("field").asText()).isEqualTo("condition.segment");
            TestHerald.Answer preview = admin(h, other, "POST", "/api/v1/segments/preview", "{\"condition\":" + TRIAL + "}");
            assertThat(preview.json().path("count").asLong()).as("the other workspace has no people").isZero();
            assertThat(preview.json().path("sample")).isEmpty();

            JsonNode mine = segment(h, id);
            assertThat(mine.path("name").asText()).isEqualTo("Trial");
            assertThat(mine.path("count").asLong()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everySegmentEndpointNeedsAnAdminKey(Engine engine) {
        try (TestHerald h = herald(engine)) {
            seed(h);
            String id = ready(h, "Trial", TRIAL);
            String body = "{\"name\":\"x\",\"condition\":" + PRO + "}";
            String[][] calls = {{"POST", "/api/v1/segments", body}, {"GET", "/api/v1/segments", null},
                    {"GET", "/api/v1/segments/" + id, null}, {"PUT", "/api/v1/segments/" + id, body},
                    {"DELETE", "/api/v1/segments/" + id, null}, {"GET", "/api/v1/segments/" + id + "/members", null},
                    {"GET", "/api/v1/segments/" + id + "/count", null},
                    {"POST", "/api/v1/segments/preview", "{\"condition\":" + PRO + "}"}};
            for (String[] call : calls) {
                Map<String, String> headers = call[2] == null ? Map.of() : Map.of("Content-Type", Api.JSON);
                TestHerald.Answer none = Api.request(h, call[0], call[1], headers,
                        call[2] == null ? null : Api.utf8(call[2]));
                assertThat(none.status()).as("%s %s without a key", call[0], call[1]).isEqualTo(401);
                assertThat(none.errorCode()).isEqualTo("missing_key");
                TestHerald.Answer write = admin(h, TestHerald.WRITE_KEY, call[0], call[1], call[2]);
                assertThat(write.status()).as("%s %s with a write key", call[0], call[1]).isEqualTo(403);
                assertThat(write.errorCode()).isEqualTo("wrong_key_kind");
            }
            JsonNode unchanged = segment(h, id);
            assertThat(unchanged.path("name").asText()).isEqualTo("Trial");
            assertThat(unchanged.path("condition")).isEqualTo(Api.json(TRIAL));
            assertThat(count(h, "SELECT COUNT(*) FROM segments")).isEqualTo(1);
        }
    }
}
