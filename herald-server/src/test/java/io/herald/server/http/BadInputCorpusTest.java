package io.herald.server.http;

import static io.herald.server.http.Api.count;
import static io.herald.server.http.Api.eventLogRows;
import static io.herald.server.http.Api.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.ClassDirectory;
import io.herald.server.testing.TestHerald;
import io.herald.store.Sql;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import io.herald.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What clients get wrong, as a table: every case must be refused with the documented status and JSON error, never a
 * 5xx, and must change nothing (no log row, no person, no topic, no segment, no campaign, run or delivery). The
 * cases run against one Herald per engine, seeded with one person ({@value #SEEDED}), one topic ({@value #SEEDED_TOPIC}),
 * two segments (B uses A) and two active campaigns (one triggered by the API, with key {@code seeded}; one by an event)
 * that the cross-workspace cases try to reach.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusTest {
    static final String SEEDED = "secret-user";
    private static final String SEEDED_EMAIL = "secret@example.com";
    private static final String SEEDED_TOPIC = "seeded_topic";
    /** Replaced by the admin key of a second workspace when a case runs. */
    static final String OTHER_ADMIN_KEY = "<admin key of workspace other>";
    /** Replaced by the ids of the fixture's two active campaigns (one triggered by the API, one by an event). */
    static final String API_CAMPAIGN = "<api campaign>";
    static final String EVENT_CAMPAIGN = "<event campaign>";
    static final String BASIC_WRITE = TestHerald.basic(TestHerald.WRITE_KEY);
    private static final String BEARER_ADMIN = "Bearer " + TestHerald.ADMIN_KEY;
    /** Replaced, in a case's path and body, by the ids of the seeded segments: B uses A. */
    static final String SEGMENT_A = "<segment a>";
    static final String SEGMENT_B = "<segment b>";
    private static final String SEGMENT_A_CONDITION = "{\"attribute\":\"email\",\"op\":\"exists\"}";

    private final Path dir = ClassDirectory.create("herald-BadInputCorpusTest"); // outlives every case's Herald

    private final Map<Engine, Fixture> fixtures = new EnumMap<>(Engine.class);

    private record Fixture(TestHerald herald, String otherAdminKey, String segmentA, String segmentB, String apiCampaign,
                           String eventCampaign) {
        /** The case's path or body with the placeholders replaced (bytes as ISO-8859-1: any body survives). */
        String resolve(String s) {
            return s.replace(OTHER_ADMIN_KEY, otherAdminKey).replace(SEGMENT_A, segmentA).replace(SEGMENT_B, segmentB)
                    .replace(API_CAMPAIGN, apiCampaign).replace(EVENT_CAMPAIGN, eventCampaign);
        }

        byte[] resolve(byte[] body) {
            if (body == null) return null;
            return resolve(new String(body, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /** One bad request and the answer it must get; {@code field} is null when no single field is at fault. */
    record Case(String name, String method, String path, Map<String, String> headers, byte[] body, boolean chunked,
                int status, String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Case> CASES = corpus();

    private static List<Case> corpus() {
        String kb33 = "x".repeat(33 * 1024);
        String kb26 = "y".repeat(26 * 1024);
        StringBuilder bigBatch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 20; i++) {
            bigBatch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\",\"properties\":{\"p\":\"")
                    .append(kb26).append("\"}}");
        }
        bigBatch.append("]}");
        StringBuilder traits = new StringBuilder();
        for (int i = 0; i <= 500; i++) traits.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":").append(i);
        byte[] bomb = Api.gzip(utf8("{\"userId\":\"u1\",\"event\":\"e\",\"properties\":{\"p\":\""
                + "a".repeat(10 * 1024 * 1024) + "\"}}"));
        byte[] badUtf8 = utf8("{\"userId\":\"u1\",\"event\":\"e?\"}");
        badUtf8[badUtf8.length - 3] = (byte) 0xFF;
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String valid = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"ok\"}";

        List<Case> c = new ArrayList<>();
        // Bodies that are not a JSON object.
        c.add(when("malformed JSON").post("/v1/track", "{\"userId\":\"u1\",").expect(400, "invalid_json"));
        c.add(when("JSON array instead of an object").post("/v1/track", "[{\"userId\":\"u1\",\"event\":\"e\"}]").expect(400, "invalid_json"));
        c.add(when("JSON string instead of an object").post("/v1/identify", "\"identify\"").expect(400, "invalid_json"));
        c.add(when("JSON null body").post("/v1/batch", "null").expect(400, "invalid_json"));
        c.add(when("empty body").post("/v1/track", "").expect(400, "invalid_json"));
        c.add(when("invalid UTF-8").post("/v1/track", badUtf8).expect(400, "invalid_json"));
        c.add(when("nesting 5000 deep").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\",\"properties\":{\"p\":" + deep + "}}")
                .expect(400, "invalid_json"));
        // Wrong types.
        c.add(when("properties as a string").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\",\"properties\":\"big\"}")
                .expect(400, "invalid_field", "properties"));
        c.add(when("userId as an object").post("/v1/track", "{\"userId\":{\"id\":1},\"event\":\"e\"}").expect(400, "invalid_field", "userId"));
        c.add(when("timestamp not ISO-8601").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\",\"timestamp\":\"yesterday\"}")
                .expect(400, "invalid_field", "timestamp"));
        c.add(when("timestamp past what epoch milliseconds hold").post("/v1/track",
                "{\"userId\":\"u1\",\"event\":\"e\",\"timestamp\":\"+999999999-01-01T00:00:00Z\"}")
                .expect(400, "invalid_field", "timestamp"));
        c.add(when("timestamp as a number").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\",\"timestamp\":1700000000}")
                .expect(400, "invalid_field", "timestamp"));
        c.add(when("sentAt not ISO-8601").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\",\"timestamp\":\"2026-11-22T10:00:00Z\","
                + "\"sentAt\":\"soon\"}").expect(400, "invalid_field", "sentAt"));
        c.add(when("context as an array").post("/v1/page", "{\"userId\":\"u1\",\"context\":[]}").expect(400, "invalid_field", "context"));
        c.add(when("pushEnabled not boolean").post("/v1/devices", "{\"userId\":\"u1\",\"token\":\"t1\",\"platform\":\"ios\","
                + "\"pushEnabled\":\"yes\"}").expect(400, "invalid_field", "pushEnabled"));
        // Missing or out-of-range fields.
        c.add(when("neither userId nor anonymousId").post("/v1/track", "{\"event\":\"e\"}").expect(400, "missing_field", "userId"));
        c.add(when("blank ids").post("/v1/identify", "{\"userId\":\"  \",\"anonymousId\":\"\"}").expect(400, "missing_field", "userId"));
        c.add(when("userId of 256 chars").post("/v1/track", "{\"userId\":\"" + "u".repeat(256) + "\",\"event\":\"e\"}")
                .expect(400, "invalid_field", "userId"));
        c.add(when("missing event name").post("/v1/track", "{\"userId\":\"u1\"}").expect(400, "missing_field", "event"));
        c.add(when("event name of 201 chars").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"" + "e".repeat(201) + "\"}")
                .expect(400, "invalid_field", "event"));
        c.add(when("group without groupId").post("/v1/group", "{\"userId\":\"u1\"}").expect(400, "missing_field", "groupId"));
        c.add(when("alias without previousId").post("/v1/alias", "{\"userId\":\"u1\"}").expect(400, "missing_field", "previousId"));
        c.add(when("alias without userId").post("/v1/alias", "{\"anonymousId\":\"a1\",\"previousId\":\"p\"}")
                .expect(400, "missing_field", "userId"));
        c.add(when("device without token").post("/v1/devices", "{\"userId\":\"u1\",\"platform\":\"ios\"}").expect(400, "missing_field", "token"));
        c.add(when("device on an unknown platform").post("/v1/devices", "{\"userId\":\"u1\",\"token\":\"t\",\"platform\":\"windows\"}")
                .expect(400, "invalid_field", "platform"));
        c.add(when("device removal without token").request("DELETE", "/v1/devices", utf8("{}")).expect(400, "missing_field", "token"));
        c.add(when("more than 500 traits").post("/v1/identify", "{\"userId\":\"u1\",\"traits\":{" + traits + "}}")
                .expect(400, "too_many_attributes", "traits"));
        // Batches: the call at fault is named, and the valid calls around it are not stored.
        c.add(when("unknown type in a batch").post("/v1/batch", "{\"batch\":[" + valid + ",{\"type\":\"purchase\",\"userId\":\"u1\"},"
                + valid + "]}").expect(400, "invalid_field", "batch[1].type"));
        c.add(when("call without type in a batch").post("/v1/import", "{\"batch\":[{\"userId\":\"u1\",\"event\":\"e\"}]}")
                .expect(400, "missing_field", "batch[0].type"));
        c.add(when("call in a batch is not an object").post("/v1/batch", "{\"batch\":[" + valid + ",\"track\"]}")
                .expect(400, "invalid_field", "batch[1]"));
        c.add(when("third call of a batch without event").post("/v1/batch", "{\"batch\":[" + valid + "," + valid
                + ",{\"type\":\"track\",\"userId\":\"u1\"}]}").expect(400, "missing_field", "batch[2].event"));
        c.add(when("batch not an array").post("/v1/batch", "{\"batch\":{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\"}}")
                .expect(400, "invalid_field", "batch"));
        c.add(when("batch missing").post("/v1/batch", "{\"calls\":[]}").expect(400, "missing_field", "batch"));
        c.add(when("too many traits in a batch call").post("/v1/batch", "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u1\","
                + "\"traits\":{" + traits + "}}]}").expect(400, "too_many_attributes", "batch[0].traits"));
        // Sizes.
        c.add(when("call over 32 KB").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\",\"properties\":{\"p\":\"" + kb33 + "\"}}")
                .expect(413, "call_too_large"));
        c.add(when("call over 32 KB inside a batch").post("/v1/batch", "{\"batch\":[" + valid + ",{\"type\":\"track\",\"userId\":\"u1\","
                + "\"event\":\"e\",\"properties\":{\"p\":\"" + kb33 + "\"}}]}").expect(413, "call_too_large", "batch[1]"));
        c.add(when("batch over 500 KB").post("/v1/batch", bigBatch.toString()).expect(413, "batch_too_large"));
        c.add(when("batch over 500 KB without Content-Length").post("/v1/batch", bigBatch.toString()).chunked()
                .expect(413, "batch_too_large"));
        c.add(when("gzip bomb on a call").post("/v1/track", bomb).header("Content-Encoding", "gzip").expect(413, "call_too_large"));
        c.add(when("gzip bomb on a batch").post("/v1/batch", bomb).header("Content-Encoding", "gzip").expect(413, "batch_too_large"));
        // Encodings and media types.
        c.add(when("Content-Type application/xml").post("/v1/track", "<track userId=\"u1\"/>").header("Content-Type", "application/xml")
                .expect(415, "unsupported_media_type"));
        c.add(when("Content-Encoding br").post("/v1/track", "{}").header("Content-Encoding", "br").expect(415, "unsupported_encoding"));
        c.add(when("gzip header on a plain body").post("/v1/track", "{\"userId\":\"u1\",\"event\":\"e\"}").header("Content-Encoding", "gzip")
                .expect(400, "unreadable_body"));
        // Keys on the tracking API.
        String track = "{\"userId\":\"u1\",\"event\":\"e\"}";
        c.add(when("no key").post("/v1/track", track).header("Authorization", null).expect(401, "missing_key"));
        c.add(when("unknown key").post("/v1/track", track).header("Authorization", TestHerald.basic("hw_not_a_key_0000000000"))
                .expect(401, "invalid_key"));
        c.add(when("malformed Basic header").post("/v1/track", track).header("Authorization", "Basic %%%not-base64")
                .expect(401, "invalid_key"));
        c.add(when("Basic header with empty user and no writeKey").post("/v1/track", track)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(":".getBytes(StandardCharsets.UTF_8)))
                .expect(401, "missing_key"));
        c.add(when("unknown writeKey in the body").post("/v1/track", "{\"writeKey\":\"hw_nope_000000000000\",\"userId\":\"u1\",\"event\":\"e\"}")
                .header("Authorization", null).expect(401, "invalid_key"));
        c.add(when("admin key on the tracking API").post("/v1/track", track).header("Authorization", TestHerald.basic(TestHerald.ADMIN_KEY))
                .expect(403, "wrong_key_kind"));
        c.add(when("admin key as writeKey in the body").post("/v1/batch", "{\"writeKey\":\"" + TestHerald.ADMIN_KEY + "\",\"batch\":["
                + valid + "]}").header("Authorization", null).expect(403, "wrong_key_kind"));
        c.add(when("unknown tracking path").post("/v1/purchase", track).expect(404, "not_found"));
        c.add(when("GET on a tracking path").get("/v1/track").header("Authorization", BASIC_WRITE).expect(405, "method_not_allowed"));
        // The admin API.
        c.add(when("no admin key").get("/api/v1/people").header("Authorization", null).expect(401, "missing_key"));
        c.add(when("unknown admin key").get("/api/v1/people").header("Authorization", "Bearer ha_nope_0000000000000")
                .expect(401, "invalid_key"));
        c.add(when("admin key as Basic instead of Bearer").get("/api/v1/people")
                .header("Authorization", TestHerald.basic(TestHerald.ADMIN_KEY)).expect(401, "missing_key"));
        c.add(when("write key on the admin API").get("/api/v1/people").header("Authorization", "Bearer " + TestHerald.WRITE_KEY)
                .expect(403, "wrong_key_kind"));
        c.add(when("unknown admin path").get("/api/v1/nothing-here").expect(404, "not_found"));
        c.add(when("limit=0").get("/api/v1/people?limit=0").expect(400, "invalid_field", "limit"));
        c.add(when("limit=5000").get("/api/v1/people?limit=5000").expect(400, "invalid_field", "limit"));
        c.add(when("limit=abc").get("/api/v1/people?limit=abc").expect(400, "invalid_field", "limit"));
        c.add(when("limit=0 on events").get("/api/v1/people/" + SEEDED + "/events?limit=0").expect(400, "invalid_field", "limit"));
        c.add(when("bad cursor on people").get("/api/v1/people?cursor=not%20a%20cursor!").expect(400, "invalid_field", "cursor"));
        c.add(when("bad cursor on events").get("/api/v1/people/" + SEEDED + "/events?cursor="
                + Base64.getUrlEncoder().encodeToString(utf8("not-a-cursor"))).expect(400, "invalid_field", "cursor"));
        c.add(when("query over 200 chars").get("/api/v1/people?query=" + "q".repeat(201)).expect(400, "invalid_field", "query"));
        // PostgreSQL cannot take U+0000 as a parameter: it must be a 400, not the store's failure.
        c.add(when("NUL in a query").get("/api/v1/people?query=secret%00").expect(400, "invalid_field", "query"));
        c.add(when("NUL in an anonymousId").get("/api/v1/people?anonymousId=a%00").expect(400, "invalid_field", "anonymousId"));
        c.add(when("NUL in a people cursor").get("/api/v1/people?cursor=" + Base64.getUrlEncoder().encodeToString(utf8("a\u0000")))
                .expect(400, "invalid_field", "cursor"));
        c.add(when("NUL in an events cursor").get("/api/v1/people/" + SEEDED + "/events?cursor="
                + Base64.getUrlEncoder().encodeToString(utf8("1\n\u0000"))).expect(400, "invalid_field", "cursor"));
        c.add(when("unknown person").get("/api/v1/people/nobody").expect(404, "not_found"));
        c.add(when("erase with suppress=maybe").request("DELETE", "/api/v1/people/" + SEEDED + "?suppress=maybe", null)
                .header("Authorization", BEARER_ADMIN).header("Content-Type", null).expect(400, "invalid_field", "suppress"));
        // Another workspace's admin key never reaches this workspace's person, whatever the endpoint.
        for (String path : List.of("", "/events", "/devices", "/export")) {
            c.add(when("other workspace reads person" + path).get("/api/v1/people/" + SEEDED + path)
                    .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        }
        c.add(when("other workspace finds person by query").get("/api/v1/people?query=secret").header("Authorization",
                "Bearer " + OTHER_ADMIN_KEY).expect(200, null));
        c.add(when("other workspace erases person").request("DELETE", "/api/v1/people/" + SEEDED, null).header("Content-Type", null)
                .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        // Topics and preferences (the fixture has topic SEEDED_TOPIC).
        String topic = "{\"key\":\"tips\",\"name\":\"Tips\",\"defaultOptIn\":true}";
        c.add(when("topic: malformed JSON").admin("POST", "/api/v1/topics", "{\"key\":").expect(400, "invalid_json"));
        c.add(when("topic: array body").admin("POST", "/api/v1/topics", "[]").expect(400, "invalid_json"));
        c.add(when("topic: key missing").admin("POST", "/api/v1/topics", "{\"name\":\"Tips\",\"defaultOptIn\":true}")
                .expect(400, "missing_field", "key"));
        c.add(when("topic: key with capitals and spaces").admin("POST", "/api/v1/topics",
                "{\"key\":\"Product Tips\",\"name\":\"Tips\",\"defaultOptIn\":true}").expect(400, "invalid_field", "key"));
        c.add(when("topic: key of 65 chars").admin("POST", "/api/v1/topics", "{\"key\":\"" + "k".repeat(65)
                + "\",\"name\":\"Tips\",\"defaultOptIn\":true}").expect(400, "invalid_field", "key"));
        c.add(when("topic: key as a number").admin("POST", "/api/v1/topics", "{\"key\":7,\"name\":\"Tips\",\"defaultOptIn\":true}")
                .expect(400, "invalid_field", "key"));
        c.add(when("topic: name of 201 chars").admin("POST", "/api/v1/topics", "{\"key\":\"tips\",\"name\":\"" + "n".repeat(201)
                + "\",\"defaultOptIn\":true}").expect(400, "invalid_field", "name"));
        c.add(when("topic: blank name").admin("POST", "/api/v1/topics", "{\"key\":\"tips\",\"name\":\" \",\"defaultOptIn\":true}")
                .expect(400, "invalid_field", "name"));
        c.add(when("topic: defaultOptIn missing").admin("POST", "/api/v1/topics", "{\"key\":\"tips\",\"name\":\"Tips\"}")
                .expect(400, "missing_field", "defaultOptIn"));
        c.add(when("topic: defaultOptIn as a string").admin("POST", "/api/v1/topics",
                "{\"key\":\"tips\",\"name\":\"Tips\",\"defaultOptIn\":\"yes\"}").expect(400, "invalid_field", "defaultOptIn"));
        c.add(when("topic: unknown field").admin("POST", "/api/v1/topics",
                "{\"key\":\"tips\",\"name\":\"Tips\",\"defaultOptIn\":true,\"color\":\"red\"}").expect(400, "invalid_field", "color"));
        c.add(when("topic: duplicate key").admin("POST", "/api/v1/topics", "{\"key\":\"" + SEEDED_TOPIC
                + "\",\"name\":\"Again\",\"defaultOptIn\":false}").expect(409, "already_exists", "key"));
        c.add(when("topic: body over 16 KB").admin("POST", "/api/v1/topics", "{\"key\":\"tips\",\"name\":\"" + kb33
                + "\",\"defaultOptIn\":true}").expect(413, "too_large"));
        c.add(when("topic: XML body").admin("POST", "/api/v1/topics", "<topic/>").header("Content-Type", "application/xml")
                .expect(415, "unsupported_media_type"));
        c.add(when("topic: no key").admin("POST", "/api/v1/topics", topic).header("Authorization", (String) null).expect(401, "missing_key"));
        c.add(when("topic: write key").admin("POST", "/api/v1/topics", topic).header("Authorization", "Bearer " + TestHerald.WRITE_KEY)
                .expect(403, "wrong_key_kind"));
        c.add(when("topic: change the key").admin("PUT", "/api/v1/topics/" + SEEDED_TOPIC, "{\"key\":\"other\"}")
                .expect(400, "invalid_field", "key"));
        c.add(when("topic: default as a number").admin("PUT", "/api/v1/topics/" + SEEDED_TOPIC, "{\"defaultOptIn\":0}")
                .expect(400, "invalid_field", "defaultOptIn"));
        c.add(when("topic: change an unknown topic").admin("PUT", "/api/v1/topics/nope", "{\"name\":\"x\"}").expect(404, "not_found"));
        c.add(when("topic: read an unknown topic").get("/api/v1/topics/nope").expect(404, "not_found"));
        c.add(when("topic: delete an unknown topic").admin("DELETE", "/api/v1/topics/nope", (String) null).expect(404, "not_found"));
        c.add(when("topics: limit=0").get("/api/v1/topics?limit=0").expect(400, "invalid_field", "limit"));
        c.add(when("topics: bad cursor").get("/api/v1/topics?cursor=not%20a%20cursor!").expect(400, "invalid_field", "cursor"));
        c.add(when("other workspace reads topic").get("/api/v1/topics/" + SEEDED_TOPIC)
                .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        c.add(when("other workspace deletes topic").admin("DELETE", "/api/v1/topics/" + SEEDED_TOPIC, (String) null)
                .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        String prefs = "/api/v1/people/" + SEEDED + "/preferences";
        c.add(when("preferences: unknown channel").admin("PUT", prefs, "{\"channels\":{\"fax\":false}}")
                .expect(400, "invalid_field", "channels.fax"));
        c.add(when("preferences: channel choice not boolean").admin("PUT", prefs, "{\"channels\":{\"push\":\"off\"}}")
                .expect(400, "invalid_field", "channels.push"));
        c.add(when("preferences: channels as an array").admin("PUT", prefs, "{\"channels\":[\"push\"]}")
                .expect(400, "invalid_field", "channels"));
        c.add(when("preferences: unknown topic").admin("PUT", prefs, "{\"topics\":{\"product_tips\":{\"push\":false}}}")
                .expect(400, "invalid_field", "topics.product_tips"));
        c.add(when("preferences: topic choice not an object").admin("PUT", prefs, "{\"topics\":{\"" + SEEDED_TOPIC + "\":true}}")
                .expect(400, "invalid_field", "topics." + SEEDED_TOPIC));
        c.add(when("preferences: topic on an unknown channel").admin("PUT", prefs, "{\"topics\":{\"" + SEEDED_TOPIC
                + "\":{\"pigeon\":true}}}").expect(400, "invalid_field", "topics." + SEEDED_TOPIC + ".pigeon"));
        c.add(when("preferences: topic choice as a number").admin("PUT", prefs, "{\"topics\":{\"" + SEEDED_TOPIC
                + "\":{\"push\":1}}}").expect(400, "invalid_field", "topics." + SEEDED_TOPIC + ".push"));
        c.add(when("preferences: unknown field").admin("PUT", prefs, "{\"email\":false}").expect(400, "invalid_field", "email"));
        c.add(when("preferences: malformed JSON").admin("PUT", prefs, "{\"channels\":").expect(400, "invalid_json"));
        c.add(when("preferences: body over 256 KB").admin("PUT", prefs, "{\"channels\":{\"push\":false},\"pad\":\""
                + "p".repeat(257 * 1024) + "\"}").expect(413, "too_large"));
        c.add(when("preferences: no key").admin("PUT", prefs, "{}").header("Authorization", (String) null).expect(401, "missing_key"));
        c.add(when("preferences: write key").admin("PUT", prefs, "{}").header("Authorization", "Bearer " + TestHerald.WRITE_KEY)
                .expect(403, "wrong_key_kind"));
        c.add(when("preferences: unknown person").admin("PUT", "/api/v1/people/nobody/preferences", "{}").expect(404, "not_found"));
        c.add(when("preferences: read an unknown person's").get("/api/v1/people/nobody/preferences").expect(404, "not_found"));
        c.add(when("other workspace reads preferences").get(prefs).header("Authorization", "Bearer " + OTHER_ADMIN_KEY)
                .expect(404, "not_found"));
        c.add(when("other workspace changes preferences").admin("PUT", prefs, "{\"channels\":{\"push\":false}}")
                .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        BadInputSimulationCases.addTo(c);
        BadInputSegmentCases.addTo(c);
        BadInputCampaignCases.addTo(c);
        return List.copyOf(c);
    }


    Stream<Arguments> corpusOnEveryEngine() {
        return TestDatabase.engines().flatMap(engine -> CASES.stream().map(c -> Arguments.of(engine, c)));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("corpusOnEveryEngine")
    void badRequestIsRefusedWithTheDocumentedErrorAndChangesNothing(Engine engine, Case c) {
        Fixture f = fixture(engine);
        TestHerald h = f.herald();
        h.process();
        long logRows = eventLogRows(h);
        long identities = count(h, "SELECT COUNT(*) FROM identities");
        long topics = count(h, "SELECT COUNT(*) FROM topics");
        List<String> segments = segmentRows(h);
        List<String> campaigns = campaignState(h);
        Map<String, String> headers = new LinkedHashMap<>();
        c.headers().forEach((k, v) -> headers.put(k, f.resolve(v)));

        TestHerald.Answer a = Api.request(h, c.method(), f.resolve(c.path()), headers, f.resolve(c.body()), c.chunked());

        assertThat(a.status()).as("status of %s: %s", c.name(), a.body()).isEqualTo(c.status()).isLessThan(500);
        assertThat(a.response().headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(a.body()).as("another workspace's data").doesNotContain(SEEDED_EMAIL);
        if (c.code() != null) {
            JsonNode body = a.json();
            assertThat(body.size()).as("only the error object: %s", a.body()).isEqualTo(1);
            JsonNode error = body.path("error");
            assertThat(error.path("code").asText()).as(a.body()).isEqualTo(c.code());
            assertThat(error.path("message").isTextual() && !error.path("message").asText().isBlank()).as(a.body()).isTrue();
            if (c.field() == null) assertThat(error.has("field")).as(a.body()).isFalse();
            else assertThat(error.path("field").asText()).as(a.body()).isEqualTo(c.field());
        } else {
            assertThat(a.json().path("data")).as("nothing found across workspaces: %s", a.body()).isEmpty();
        }

        assertThat(eventLogRows(h)).as("event_log rows").isEqualTo(logRows);
        assertThat(h.process()).as("events to process").isZero();
        assertThat(count(h, "SELECT COUNT(*) FROM persons WHERE user_id IS NULL OR user_id <> ?", SEEDED))
                .as("people created").isZero();
        assertThat(count(h, "SELECT COUNT(*) FROM persons WHERE user_id = ?", SEEDED)).as("the seeded person").isEqualTo(1);
        assertThat(count(h, "SELECT COUNT(*) FROM identities")).isEqualTo(identities);
        assertThat(count(h, "SELECT COUNT(*) FROM topics")).as("topics").isEqualTo(topics);
        assertThat(count(h, "SELECT COUNT(*) FROM topics WHERE topic_key = ? AND name = ?", SEEDED_TOPIC, "Seeded"))
                .as("the seeded topic, unchanged").isEqualTo(1);
        assertThat(count(h, "SELECT COUNT(*) FROM person_preferences")).as("preferences stored").isZero();
        assertThat(segmentRows(h)).as("segments, their members and generations").isEqualTo(segments);
        assertThat(campaignState(h)).as("campaigns, their versions, runs and deliveries").isEqualTo(campaigns);
    }

    /** Everything a segment change would touch, as text to compare. */
    private static List<String> segmentRows(TestHerald h) {
        return h.herald().database().read(conn -> {
            List<String> rows = new ArrayList<>(Sql.query(conn, "SELECT id, name, description, condition, generation, status, "
                    + "updated_at FROM segments ORDER BY id", rs -> rs.getString(1) + "|" + rs.getString(2) + "|"
                    + rs.getString(3) + "|" + rs.getString(4) + "|" + rs.getLong(5) + "|" + rs.getString(6) + "|" + rs.getLong(7)));
            rows.addAll(Sql.query(conn, "SELECT segment_id, person_id, entered_at FROM segment_members ORDER BY segment_id, "
                    + "person_id", rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3)));
            rows.addAll(Sql.query(conn, "SELECT workspace_id, generation FROM segment_generations ORDER BY workspace_id",
                    rs -> rs.getString(1) + "|" + rs.getLong(2)));
            return rows;
        });
    }

    /** Every campaign as stored, and how many versions, runs and deliveries there are. */
    private static List<String> campaignState(TestHerald h) {
        List<String> out = new ArrayList<>(h.herald().database().read(c -> io.herald.store.Sql.query(c,
                "SELECT id, campaign_key, name, status, version, updated_at FROM campaigns ORDER BY id",
                rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|"
                        + rs.getInt(5) + "|" + rs.getLong(6))));
        for (String table : List.of("campaign_versions", "campaign_runs", "deliveries")) {
            out.add(table + ": " + count(h, "SELECT COUNT(*) FROM " + table));
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void batchWithOneInvalidCallStoresNoneOfItsValidCalls(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T12:00:00Z"))) {
            String batch = """
                    {"batch":[{"type":"identify","userId":"u1","traits":{"plan":"trial"},"messageId":"m1"},
                              {"type":"track","userId":"u1","event":"opened","messageId":"m2"},
                              {"type":"track","userId":"u1","event":%s,"messageId":"m3"}]}""";
            TestHerald.Answer refused = h.track("/v1/batch", batch.formatted("\"" + "e".repeat(201) + "\""));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().path("error").path("field").asText()).isEqualTo("batch[2].event");
            assertThat(eventLogRows(h)).isZero();
            assertThat(h.process()).isZero();
            assertThat(Api.personRows(h)).isZero();

            // The refused attempt used up no messageId: the corrected retry stores all three.
            Api.accepted(h, "/v1/batch", batch.formatted("\"clicked\""));
            h.process();
            assertThat(Api.eventIds(h, "u1")).containsExactlyInAnyOrder("m1", "m2", "m3");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void requestsTheServerRefusesBeforeRoutingGetTheJsonErrorShapeAndAreToldTheConnectionCloses(Engine engine) {
        TestHerald h = fixture(engine).herald();
        // Kept alive, as clients keep them: the answer says whether the server closes the connection.
        List<Api.RawAnswer> answers = List.of(
                Api.raw(h, true, "GET /api/v1/people/%ZZ HTTP/1.1", "Authorization: " + BEARER_ADMIN),
                Api.raw(h, true, "POST /v1/track%ZZ HTTP/1.1", "Content-Length: 0"),
                Api.raw(h, true, "POST /v1/providers/messages/status/%00%01garbage HTTP/1.1", "Content-Length: 0"),
                Api.raw(h, true, "GET /api/v1/people HTTP/1.1", "X-Padding: " + "p".repeat(64 * 1024)),
                Api.raw(h, true, "GET /api/v1/" + "p".repeat(70 * 1024) + " HTTP/1.1"),
                Api.raw(h, true, "NOT-HTTP"));
        for (Api.RawAnswer a : answers) {
            assertThat(a.status()).as(a.body()).isBetween(400, 499);
            assertThat(a.headers().getOrDefault("content-type", "")).as(a.body()).startsWith("application/json");
            // Jetty closes the connection after these: a client that reused it would get no answer to its next call.
            assertThat(a.headers().getOrDefault("connection", "")).as(a.body()).isEqualToIgnoringCase("close");
            JsonNode error = Api.json(a.body()).path("error");
            assertThat(error.path("code").asText()).as(a.body()).isNotBlank();
            assertThat(error.path("message").asText()).as(a.body()).isNotBlank();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void nulCharactersNeitherFailTheRequestNorStallProcessing(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T12:00:00Z"))) {
            for (String body : List.of("{\"userId\":\"u1\",\"event\":\"e\",\"messageId\":\"m\\u0000\"}",
                    "{\"userId\":\"u\\u0000\",\"event\":\"e\"}", "{\"anonymousId\":\"a\\u0000\",\"event\":\"e\"}",
                    "{\"userId\":\"u2\",\"event\":\"e\\u0000\"}", "{\"userId\":\"u3\",\"name\":\"p\\u0000\"}")) {
                TestHerald.Answer a = h.track(body.contains("name") ? "/v1/page" : "/v1/track", body);
                assertThat(a.status()).as("%s -> %s", body, a.body()).isIn(200, 400);
            }
            Api.accepted(h, "/v1/track", "{\"userId\":\"after\",\"event\":\"e\"}");
            h.process();
            assertThat(h.admin("/api/v1/people/after").status()).as("events behind the NUL ones are processed").isEqualTo(200);
            assertThat(count(h, "SELECT COUNT(*) FROM dead_letters")).isZero();
        }
    }

    private Fixture fixture(Engine engine) {
        return fixtures.computeIfAbsent(engine, e -> {
            TestHerald h = TestHerald.start(e, dir, TestClock.at("2026-11-22T12:00:00Z"));
            String otherAdminKey = h.herald().workspaces().create("other").adminKey();
            Api.accepted(h, "/v1/identify", "{\"userId\":\"" + SEEDED + "\",\"traits\":{\"email\":\"" + SEEDED_EMAIL + "\"}}");
            h.process();
            TestHerald.Answer topic = Api.admin(h, "POST", "/api/v1/topics", "{\"key\":\"" + SEEDED_TOPIC
                    + "\",\"name\":\"Seeded\",\"defaultOptIn\":true}");
            if (topic.status() != 201) throw new AssertionError("seeding the topic failed: " + topic.body());
            String a = Api.admin(h, "POST", "/api/v1/segments", "{\"name\":\"A\",\"condition\":" + SEGMENT_A_CONDITION + "}")
                    .json().path("id").asText();
            String b = Api.admin(h, "POST", "/api/v1/segments", "{\"name\":\"B\",\"condition\":{\"segment\":\"" + a + "\"}}")
                    .json().path("id").asText();
            h.herald().segments().computations().runPending();
            assertThat(h.admin("/api/v1/segments/" + b).json().path("count").asLong()).as("the seeded person is in B").isEqualTo(1);
            String apiCampaign = seedCampaign(h, "{\"name\":\"Seeded\",\"key\":\"seeded\",\"trigger\":{\"api\":true},"
                    + "\"start\":\"s1\",\"steps\":{\"s1\":{\"type\":\"exit\"}}}");
            String eventCampaign = seedCampaign(h, "{\"name\":\"On event\",\"trigger\":{\"event\":\"e\"},"
                    + "\"start\":\"s1\",\"steps\":{\"s1\":{\"type\":\"exit\"}}}");
            return new Fixture(h, otherAdminKey, a, b, apiCampaign, eventCampaign);
        });
    }

    /** Creates and activates a campaign; its id. */
    private static String seedCampaign(TestHerald h, String json) {
        TestHerald.Answer created = Api.admin(h, "POST", "/api/v1/campaigns", json);
        if (created.status() != 201) throw new AssertionError("seeding a campaign failed: " + created.body());
        String id = created.json().path("id").asText();
        TestHerald.Answer active = Api.admin(h, "POST", "/api/v1/campaigns/" + id + "/activate", null);
        if (active.status() != 200) throw new AssertionError("activating a campaign failed: " + active.body());
        return id;
    }

    @AfterAll
    void closeFixtures() {
        fixtures.values().forEach(f -> f.herald().close());
        ClassDirectory.delete(dir);
    }

    static CaseBuilder when(String name) {
        return new CaseBuilder(name);
    }

    /** Builds a case: a tracking POST with the write key unless told otherwise; {@code header(k, null)} removes one. */
    static final class CaseBuilder {
        private final String name;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String method;
        private String path;
        private byte[] body;
        private boolean chunked;

        CaseBuilder(String name) {
            this.name = name;
        }

        CaseBuilder post(String path, String json) {
            return post(path, utf8(json));
        }

        CaseBuilder post(String path, byte[] body) {
            return request("POST", path, body);
        }

        CaseBuilder request(String method, String path, byte[] body) {
            this.method = method;
            this.path = path;
            this.body = body;
            headers.put("Content-Type", Api.JSON);
            headers.put("Authorization", BASIC_WRITE);
            return this;
        }

        /** An admin API request with the admin key; a JSON body unless {@code json} is null. */
        CaseBuilder admin(String method, String path, String json) {
            return admin(method, path, json == null ? null : utf8(json));
        }

        CaseBuilder admin(String method, String path, byte[] body) {
            this.method = method;
            this.path = path;
            this.body = body;
            if (body != null) headers.put("Content-Type", Api.JSON);
            headers.put("Authorization", BEARER_ADMIN);
            return this;
        }

        CaseBuilder get(String path) {
            this.method = "GET";
            this.path = path;
            headers.put("Authorization", BEARER_ADMIN);
            return this;
        }

        CaseBuilder header(String name, String value) {
            if (value == null) headers.remove(name);
            else headers.put(name, value);
            return this;
        }

        CaseBuilder chunked() {
            this.chunked = true;
            return this;
        }

        Case expect(int status, String code) {
            return expect(status, code, null);
        }

        Case expect(int status, String code, String field) {
            return new Case(name, method, path, Map.copyOf(headers), body, chunked, status, code, field);
        }
    }
}
