package io.herald.server.http;

import static io.herald.server.http.BadInputCorpusTest.when;

import io.herald.server.http.BadInputCorpusTest.Case;
import io.herald.server.testing.TestHerald;
import java.util.List;

/**
 * {@link BadInputCorpusTest}'s cases for campaign simulations: nothing they refuse, and nothing they run, touches
 * the workspace's store. They run against that test's seeded fixture.
 */
final class BadInputSimulationCases {
    private BadInputSimulationCases() {
    }

    /** Simulations of inline and saved campaigns: bodies, timelines, sizes, keys. */
    static void addTo(List<Case> c) {
        String campaign = "{\"name\":\"c\",\"trigger\":{\"event\":\"e\"},\"start\":\"m\",\"steps\":{\"m\":{\"type\":"
                + "\"message\",\"channel\":\"in_app\",\"message\":{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Hi\"}]}]},\"next\":\"x\"},\"x\":{\"type\":\"exit\"}}}";
        String entry = "{\"at\":\"+PT1M\",\"userId\":\"u1\",\"type\":\"track\",\"event\":\"e\"}";
        String simulate = "/api/v1/campaigns/simulate";
        c.add(when("simulate: malformed JSON").admin("POST", simulate, "{\"campaign\":").expect(400, "invalid_json"));
        c.add(when("simulate: no campaign").admin("POST", simulate, "{\"timeline\":[" + entry + "]}")
                .expect(400, "missing_field", "campaign"));
        c.add(when("simulate: no timeline").admin("POST", simulate, "{\"campaign\":" + campaign + "}")
                .expect(400, "missing_field", "timeline"));
        c.add(when("simulate: timeline not an array").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":{}}").expect(400, "invalid_field", "timeline"));
        c.add(when("simulate: unknown field").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":[],\"speed\":2}").expect(400, "invalid_field", "speed"));
        c.add(when("simulate: entry at not a time").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":["
                + entry + "," + entry.replace("+PT1M", "soon") + "]}").expect(400, "invalid_field", "timeline[1].at"));
        c.add(when("simulate: entry before start").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"start\":\"2026-11-22T12:00:00Z\",\"timeline\":[" + entry.replace("+PT1M", "2026-11-22T11:00:00Z") + "]}")
                .expect(400, "invalid_field", "timeline[0].at"));
        c.add(when("simulate: entry of an unknown type").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":["
                + entry.replace("\"track\"", "\"purchase\"") + "]}").expect(400, "invalid_field", "timeline[0].type"));
        c.add(when("simulate: track entry without event").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":[{\"at\":\"+PT1M\",\"userId\":\"u1\",\"type\":\"track\"}]}")
                .expect(400, "missing_field", "timeline[0].event"));
        c.add(when("simulate: entry without userId").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":[{\"at\":\"+PT1M\",\"type\":\"track\",\"event\":\"e\"}]}")
                .expect(400, "missing_field", "timeline[0].userId"));
        c.add(when("simulate: event name of 201 chars").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":["
                + entry.replace("\"event\":\"e\"", "\"event\":\"" + "e".repeat(201) + "\"") + "]}")
                .expect(400, "invalid_field", "timeline[0].event"));
        c.add(when("simulate: 10,001 entries").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":["
                + String.join(",", java.util.Collections.nCopies(10_001, entry)) + "]}").expect(400, "invalid_field", "timeline"));
        c.add(when("simulate: until past 400 days").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":[],\"until\":\"P401D\"}").expect(400, "invalid_field", "until"));
        c.add(when("simulate: person attributes not an object").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":[],\"people\":[{\"userId\":\"u1\",\"attributes\":\"free\"}]}")
                .expect(400, "invalid_field", "people[0].attributes"));
        c.add(when("simulate: campaign with an unknown next").admin("POST", simulate, "{\"campaign\":"
                + campaign.replace("\"next\":\"x\"", "\"next\":\"y\"") + ",\"timeline\":[]}")
                .expect(400, "invalid_field", "campaign.steps.m.next"));
        c.add(when("simulate: campaign naming a segment nobody has").admin("POST", simulate, "{\"campaign\":"
                + campaign.replace("{\"event\":\"e\"}", "{\"segmentEntered\":\"seg_nope\"}") + ",\"timeline\":[]}")
                .expect(400, "invalid_field", "campaign.trigger.segmentEntered"));
        c.add(when("simulate: invalid segment given").admin("POST", simulate, "{\"campaign\":" + campaign
                + ",\"timeline\":[],\"segments\":[{\"id\":\"s1\",\"condition\":{\"attribute\":\"a\",\"op\":\"is\"}}]}")
                .expect(400, "invalid_field", "segments[0].condition.op"));
        c.add(when("simulate: unknown saved campaign").admin("POST", "/api/v1/campaigns/cmp_nope/simulate", "{\"timeline\":[]}")
                .expect(404, "not_found"));
        c.add(when("simulate: body over 4 MB").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":[],"
                + "\"pad\":\"" + "p".repeat(4 * 1024 * 1024) + "\"}").expect(413, "too_large"));
        c.add(when("simulate: write key").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":[]}")
                .header("Authorization", "Bearer " + TestHerald.WRITE_KEY).expect(403, "wrong_key_kind"));
        c.add(when("simulate: no key").admin("POST", simulate, "{\"campaign\":" + campaign + ",\"timeline\":[]}")
                .header("Authorization", (String) null).expect(401, "missing_key"));
    }
}
