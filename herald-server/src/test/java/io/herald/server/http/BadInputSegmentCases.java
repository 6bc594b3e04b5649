package io.herald.server.http;

import static io.herald.server.http.BadInputCorpusTest.BASIC_WRITE;
import static io.herald.server.http.BadInputCorpusTest.OTHER_ADMIN_KEY;
import static io.herald.server.http.BadInputCorpusTest.SEGMENT_A;
import static io.herald.server.http.BadInputCorpusTest.SEGMENT_B;
import static io.herald.server.http.BadInputCorpusTest.when;
import static io.herald.server.http.Api.utf8;

import io.herald.server.http.BadInputCorpusTest.Case;
import io.herald.server.testing.TestHerald;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link BadInputCorpusTest}'s cases for the segment endpoints: bodies, conditions (each error naming its field),
 * keys, workspaces. They run against that test's seeded fixture.
 */
final class BadInputSegmentCases {
    private BadInputSegmentCases() {
    }

    /** The segment endpoints: bodies, conditions (each error naming its field), keys, workspaces. */
    static void addTo(List<Case> c) {
        String segments = "/api/v1/segments";
        String a = segments + "/" + SEGMENT_A;
        String preview = segments + "/preview";
        String ok = "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}";
        String create = "{\"name\":\"n\",\"condition\":" + ok + "}";
        // Bodies that are not a JSON object, or too large.
        c.add(when("segment: malformed JSON").admin("POST", segments, "{\"name\":").expect(400, "invalid_json"));
        c.add(when("segment: JSON array").admin("POST", segments, "[" + create + "]").expect(400, "invalid_json"));
        c.add(when("segment: JSON string").admin("POST", segments, "\"segment\"").expect(400, "invalid_json"));
        c.add(when("segment: JSON null").admin("PUT", a, "null").expect(400, "invalid_json"));
        c.add(when("segment: empty body").admin("POST", segments, "").expect(400, "invalid_json"));
        c.add(when("preview: JSON array").admin("POST", preview, "[]").expect(400, "invalid_json"));
        c.add(when("segment: text/plain").admin("POST", segments, create).header("Content-Type", "text/plain")
                .expect(415, "unsupported_media_type"));
        c.add(when("segment: application/xml").admin("PUT", a, "<segment/>").header("Content-Type", "application/xml")
                .expect(415, "unsupported_media_type"));
        String huge = "{\"name\":\"n\",\"description\":\"" + "d".repeat(300 * 1024) + "\",\"condition\":" + ok + "}";
        c.add(when("segment: body over 256 KB").admin("POST", segments, huge).expect(413, "too_large"));
        c.add(when("segment: body over 256 KB without Content-Length").admin("PUT", a, huge).chunked().expect(413, "too_large"));
        c.add(when("preview: gzip bomb").admin("POST", preview, Api.gzip(utf8("{\"condition\":" + ok + ",\"name\":\""
                + "a".repeat(4 * 1024 * 1024) + "\"}"))).header("Content-Encoding", "gzip").expect(413, "too_large"));
        // The segment's own fields.
        c.add(when("segment: no name").admin("POST", segments, "{\"condition\":" + ok + "}").expect(400, "missing_field", "name"));
        c.add(when("segment: no condition").admin("POST", segments, "{\"name\":\"n\"}").expect(400, "missing_field", "condition"));
        c.add(when("segment: blank name").admin("POST", segments, "{\"name\":\" \",\"condition\":" + ok + "}")
                .expect(400, "invalid_field", "name"));
        c.add(when("segment: name of 201 chars").admin("POST", segments, "{\"name\":\"" + "n".repeat(201) + "\",\"condition\":"
                + ok + "}").expect(400, "invalid_field", "name"));
        c.add(when("segment: name a number").admin("PUT", a, "{\"name\":7}").expect(400, "invalid_field", "name"));
        c.add(when("segment: description an object").admin("PUT", a, "{\"description\":{}}").expect(400, "invalid_field", "description"));
        c.add(when("segment: NUL in the name").admin("POST", segments, "{\"name\":\"n\\u0000\",\"condition\":" + ok + "}")
                .expect(400, "invalid_field", "name"));
        c.add(when("segment: NUL in the description").admin("PUT", a, "{\"description\":\"d\\u0000\"}")
                .expect(400, "invalid_field", "description"));
        c.add(when("segment: unknown field").admin("POST", segments, "{\"name\":\"n\",\"condition\":" + ok + ",\"colour\":\"red\"}")
                .expect(400, "invalid_field", "colour"));
        c.add(when("segment: condition null").admin("POST", segments, "{\"name\":\"n\",\"condition\":null}")
                .expect(400, "invalid_field", "condition"));
        c.add(when("preview: no condition").admin("POST", preview, "{}").expect(400, "missing_field", "condition"));
        c.add(when("preview: unknown field").admin("POST", preview, "{\"condition\":" + ok + ",\"limit\":5}")
                .expect(400, "invalid_field", "limit"));
        // Conditions: the error names the part at fault.
        Map<String, String[]> conditions = new LinkedHashMap<>();
        conditions.put("condition a string", new String[] {"\"plan = trial\"", "condition"});
        conditions.put("condition empty", new String[] {"{}", "condition"});
        conditions.put("condition of two kinds", new String[] {"{\"attribute\":\"plan\",\"op\":\"exists\",\"event\":\"e\"}",
                "condition"});
        conditions.put("unknown op", new String[] {"{\"and\":[" + ok + ",{\"attribute\":\"plan\",\"op\":\"is\",\"value\":1}]}",
                "condition.and[1].op"});
        conditions.put("attribute without op", new String[] {"{\"attribute\":\"plan\"}", "condition.op", "missing_field"});
        conditions.put("in without a list", new String[] {"{\"attribute\":\"plan\",\"op\":\"in\",\"value\":\"trial\"}",
                "condition.value"});
        conditions.put("within not a duration", new String[] {"{\"attribute\":\"seen\",\"op\":\"within\",\"value\":\"soon\"}",
                "condition.value"});
        conditions.put("negative count", new String[] {"{\"and\":[{\"event\":\"e\",\"count\":{\"op\":\"gte\",\"value\":-1}}]}",
                "condition.and[0].count.value"});
        conditions.put("fractional count", new String[] {"{\"event\":\"e\",\"count\":{\"op\":\"gte\",\"value\":1.5}}",
                "condition.count.value"});
        conditions.put("count and aggregate", new String[] {"{\"event\":\"e\",\"count\":{\"op\":\"gte\",\"value\":1},"
                + "\"aggregate\":{\"fn\":\"sum\",\"property\":\"p\",\"op\":\"gte\",\"value\":1}}", "condition"});
        conditions.put("unknown aggregate fn", new String[] {"{\"event\":\"e\",\"aggregate\":{\"fn\":\"median\",\"property\":\"p\","
                + "\"op\":\"gte\",\"value\":1}}", "condition.aggregate.fn"});
        conditions.put("reversed between durations", new String[] {"{\"event\":\"e\",\"between\":[\"P7D\",\"P30D\"]}",
                "condition.between"});
        conditions.put("reversed between instants", new String[] {"{\"event\":\"e\",\"between\":[\"2026-12-01T00:00:00Z\","
                + "\"2026-11-01T00:00:00Z\"]}", "condition.between"});
        conditions.put("between of one", new String[] {"{\"event\":\"e\",\"between\":[\"P7D\"]}", "condition.between"});
        conditions.put("within and between", new String[] {"{\"event\":\"e\",\"within\":\"P7D\",\"between\":[\"P30D\",\"P7D\"]}",
                "condition"});
        conditions.put("zero within", new String[] {"{\"event\":\"e\",\"within\":\"PT0S\"}", "condition.within"});
        conditions.put("last with a window", new String[] {"{\"event\":\"e\",\"within\":\"P7D\",\"last\":{\"op\":\"before\","
                + "\"value\":\"P1D\"}}", "condition.last"});
        conditions.put("where not a list", new String[] {"{\"event\":\"e\",\"where\":{\"property\":\"p\"}}", "condition.where"});
        conditions.put("unknown field in a where filter", new String[] {"{\"event\":\"e\",\"where\":[{\"property\":\"p\","
                + "\"op\":\"eq\",\"value\":1,\"x\":1}]}", "condition.where[0].x"});
        conditions.put("unknown field in a part", new String[] {"{\"or\":[{\"attribute\":\"a\",\"op\":\"eq\",\"value\":1,"
                + "\"colour\":2}]}", "condition.or[0].colour"});
        conditions.put("empty and", new String[] {"{\"and\":[]}", "condition.and"});
        conditions.put("not of a list", new String[] {"{\"not\":[" + ok + "]}", "condition.not"});
        conditions.put("device platform unknown", new String[] {"{\"device\":{\"platform\":\"windows\"}}",
                "condition.device.platform"});
        conditions.put("device pushEnabled a string", new String[] {"{\"device\":{\"pushEnabled\":\"yes\"}}",
                "condition.device.pushEnabled"});
        conditions.put("subscribed without channel", new String[] {"{\"subscribed\":{\"topic\":\"t\"}}",
                "condition.subscribed.channel", "missing_field"});
        conditions.put("message status unknown", new String[] {"{\"message\":\"c1\",\"status\":\"read\"}", "condition.status"});
        conditions.put("unknown segment", new String[] {"{\"or\":[" + ok + "," + ok + ",{\"segment\":\"seg_unknown\"}]}",
                "condition.or[2].segment"});
        // An event name is looked up in the store: accepted, it failed every computation of the segment.
        conditions.put("NUL in an event name", new String[] {"{\"not\":{\"event\":\"e\\u0000\"}}", "condition.not.event"});
        conditions.put("segment of another type", new String[] {"{\"segment\":42}", "condition.segment"});
        conditions.put("nesting 13 deep", new String[] {"{\"not\":".repeat(13) + ok + "}".repeat(13),
                "condition" + ".not".repeat(13)});
        conditions.put("301 parts", new String[] {"{\"and\":[" + ands(100) + "," + ands(100) + "," + ands(100) + "]}",
                "condition.and[2].and[96]"});
        conditions.put("101 conditions in a list", new String[] {"{\"or\":[" + String.join(",", java.util.Collections.nCopies(101, ok))
                + "]}", "condition.or"});
        conditions.forEach((name, cf) -> {
            String code = cf.length > 2 ? cf[2] : "invalid_field";
            c.add(when("segment create: " + name).admin("POST", segments, "{\"name\":\"n\",\"condition\":" + cf[0] + "}")
                    .expect(400, code, cf[1]));
            c.add(when("preview: " + name).admin("POST", preview, "{\"condition\":" + cf[0] + "}").expect(400, code, cf[1]));
        });
        c.add(when("segment edit: unknown op").admin("PUT", a, "{\"condition\":{\"attribute\":\"plan\",\"op\":\"like\"}}")
                .expect(400, "invalid_field", "condition.op"));
        c.add(when("segment edit: uses itself").admin("PUT", a, "{\"condition\":{\"segment\":\"" + SEGMENT_A + "\"}}")
                .expect(400, "invalid_field", "condition.segment"));
        c.add(when("segment edit: cycle through the segment using it").admin("PUT", a, "{\"condition\":{\"and\":[" + ok
                + ",{\"not\":{\"segment\":\"" + SEGMENT_B + "\"}}]}}").expect(400, "invalid_field", "condition.and[1].not.segment"));
        // Resources and lists.
        c.add(when("segment: unknown id").get(segments + "/seg_unknown").expect(404, "not_found"));
        c.add(when("segment: edit unknown id").admin("PUT", segments + "/seg_unknown", create).expect(404, "not_found"));
        c.add(when("segment: delete unknown id").admin("DELETE", segments + "/seg_unknown", (String) null).expect(404, "not_found"));
        c.add(when("segment: members of unknown id").get(segments + "/seg_unknown/members").expect(404, "not_found"));
        c.add(when("segment: PATCH").admin("PATCH", a, "{\"name\":\"n\"}").expect(405, "method_not_allowed"));
        c.add(when("segment: DELETE on the list").admin("DELETE", segments, (String) null).expect(405, "method_not_allowed"));
        c.add(when("segment: delete one another uses").admin("DELETE", a, (String) null).expect(409, "in_use"));
        c.add(when("segments: limit=0").get(segments + "?limit=0").expect(400, "invalid_field", "limit"));
        c.add(when("segments: limit=1001").get(segments + "?limit=1001").expect(400, "invalid_field", "limit"));
        c.add(when("segments: bad cursor").get(segments + "?cursor=not%20a%20cursor!").expect(400, "invalid_field", "cursor"));
        c.add(when("members: limit=abc").get(a + "/members?limit=abc").expect(400, "invalid_field", "limit"));
        c.add(when("segments: NUL in the cursor").get(segments + "?cursor=" + Base64.getUrlEncoder().encodeToString(utf8("\u0000")))
                .expect(400, "invalid_field", "cursor"));
        c.add(when("members: bad cursor").get(a + "/members?cursor=" + Base64.getUrlEncoder().encodeToString(utf8("a\nb")))
                .expect(400, "invalid_field", "cursor"));
        // Keys.
        c.add(when("segment: create without a key").admin("POST", segments, create).header("Authorization", (String) null)
                .expect(401, "missing_key"));
        c.add(when("segment: create with a write key").admin("POST", segments, create).header("Authorization", "Bearer "
                + TestHerald.WRITE_KEY).expect(403, "wrong_key_kind"));
        c.add(when("segment: edit without a key").admin("PUT", a, "{\"name\":\"x\"}").header("Authorization", (String) null)
                .expect(401, "missing_key"));
        c.add(when("segment: delete with a write key").admin("DELETE", a, (String) null).header("Authorization", "Bearer "
                + TestHerald.WRITE_KEY).expect(403, "wrong_key_kind"));
        c.add(when("segment: read with an unknown key").get(a).header("Authorization", "Bearer ha_nope_0000000000000")
                .expect(401, "invalid_key"));
        c.add(when("segment: members with a write key as Basic").get(a + "/members").header("Authorization", BASIC_WRITE)
                .expect(401, "missing_key"));
        c.add(when("preview without a key").admin("POST", preview, "{\"condition\":" + ok + "}").header("Authorization", (String) null)
                .expect(401, "missing_key"));
        c.add(when("segment: bad body and no key: the key is checked first").admin("POST", segments, "{").header("Authorization", (String) null)
                .expect(401, "missing_key"));
        // Another workspace's admin key never reaches this workspace's segments.
        for (String path : List.of("", "/members", "/count")) {
            c.add(when("other workspace reads segment" + path).get(a + path).header("Authorization", "Bearer " + OTHER_ADMIN_KEY)
                    .expect(404, "not_found"));
        }
        c.add(when("other workspace edits segment").admin("PUT", a, "{\"name\":\"mine\"}")
                .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        c.add(when("other workspace deletes segment").admin("DELETE", a, (String) null)
                .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        c.add(when("other workspace lists segments").get(segments).header("Authorization", "Bearer " + OTHER_ADMIN_KEY)
                .expect(200, null));
        c.add(when("other workspace uses segment in a preview").admin("POST", preview, "{\"condition\":{\"segment\":\""
                + SEGMENT_A + "\"}}").header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(400, "invalid_field", "condition.segment"));
        c.add(when("other workspace uses segment in its own").admin("POST", segments, "{\"name\":\"n\",\"condition\":{\"segment\":\""
                + SEGMENT_A + "\"}}").header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(400, "invalid_field", "condition.segment"));
    }

    /** {@code {"and": [n leaf conditions]}}: n + 1 parts. */
    private static String ands(int n) {
        return "{\"and\":[" + String.join(",", java.util.Collections.nCopies(n, "{\"event\":\"e\"}")) + "]}";
    }
}
