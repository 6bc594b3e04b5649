package io.herald.server.http;

import static io.herald.server.http.BadInputCorpusTest.API_CAMPAIGN;
import static io.herald.server.http.BadInputCorpusTest.EVENT_CAMPAIGN;
import static io.herald.server.http.BadInputCorpusTest.OTHER_ADMIN_KEY;
import static io.herald.server.http.BadInputCorpusTest.SEEDED;
import static io.herald.server.http.BadInputCorpusTest.when;
import static io.herald.server.http.Api.utf8;

import io.herald.server.http.BadInputCorpusTest.Case;
import io.herald.server.testing.TestHerald;
import java.util.Base64;
import java.util.List;

/**
 * {@link BadInputCorpusTest}'s cases for the campaign endpoints: definitions (each error naming its step and field),
 * lifecycle, triggers, keys, workspaces. They run against that test's seeded fixture and its two active campaigns.
 */
final class BadInputCampaignCases {
    private BadInputCampaignCases() {
    }

    /** A campaign whose steps are {@code steps} (the trigger and anything else at the top: {@code top}). */
    private static String campaign(String top, String steps) {
        return "{\"name\":\"c\",\"trigger\":{\"event\":\"e\"}," + top + "\"start\":\"s1\",\"steps\":{" + steps + "}}";
    }

    static void addTo(List<Case> c) {
        String exit = "\"done\":{\"type\":\"exit\"}";
        String push = "\"type\":\"message\",\"channel\":\"push\",\"message\":{\"title\":\"t\"}";
        String valid = campaign("", "\"s1\":{" + push + ",\"next\":\"done\"}," + exit);
        String create = "/api/v1/campaigns";
        String api = "/api/v1/campaigns/" + API_CAMPAIGN;
        String onEvent = "/api/v1/campaigns/" + EVENT_CAMPAIGN;
        // Bodies.
        c.add(when("campaign: malformed JSON").admin("POST", create, "{\"name\":").expect(400, "invalid_json"));
        c.add(when("campaign: array body").admin("POST", create, "[" + valid + "]").expect(400, "invalid_json"));
        c.add(when("campaign: string body").admin("POST", create, "\"campaign\"").expect(400, "invalid_json"));
        c.add(when("campaign: XML body").admin("POST", create, "<campaign/>").header("Content-Type", "application/xml")
                .expect(415, "unsupported_media_type"));
        c.add(when("campaign: body over 512 KB").admin("POST", create, campaign("\"description\":\"" + "d".repeat(513 * 1024)
                + "\",", "\"s1\":{\"type\":\"exit\"}")).expect(413, "too_large"));
        c.add(when("campaign: unknown field").admin("POST", create, campaign("\"colour\":\"red\",", "\"s1\":{\"type\":\"exit\"}"))
                .expect(400, "invalid_field", "colour"));
        c.add(when("campaign: name missing").admin("POST", create, valid.replace("\"name\":\"c\",", ""))
                .expect(400, "missing_field", "name"));
        c.add(when("campaign: trigger missing").admin("POST", create, valid.replace("\"trigger\":{\"event\":\"e\"},", ""))
                .expect(400, "missing_field", "trigger"));
        c.add(when("campaign: two triggers").admin("POST", create, valid.replace("{\"event\":\"e\"}", "{\"event\":\"e\",\"api\":true}"))
                .expect(400, "invalid_field", "trigger"));
        c.add(when("campaign: key as a number").admin("POST", create, campaign("\"key\":7,", "\"s1\":{\"type\":\"exit\"}"))
                .expect(400, "invalid_field", "key"));
        c.add(when("campaign: key taken").admin("POST", create, campaign("\"key\":\"seeded\",", "\"s1\":{\"type\":\"exit\"}"))
                .expect(409, "already_exists", "key"));
        c.add(when("campaign: start names no step").admin("POST", create, valid.replace("\"start\":\"s1\"", "\"start\":\"s0\""))
                .expect(400, "invalid_field", "start"));
        // Steps.
        c.add(when("campaign: unknown step type").admin("POST", create, campaign("", "\"s1\":{\"type\":\"teleport\",\"next\":\"done\"},"
                + exit)).expect(400, "invalid_field", "steps.s1.type"));
        c.add(when("campaign: next names no step").admin("POST", create, campaign("", "\"s1\":{" + push + ",\"next\":\"nowhere\"}"))
                .expect(400, "invalid_field", "steps.s1.next"));
        c.add(when("campaign: next missing").admin("POST", create, campaign("", "\"s1\":{" + push + "}," + exit))
                .expect(400, "missing_field", "steps.s1.next"));
        c.add(when("campaign: unreachable step").admin("POST", create, campaign("", "\"s1\":{" + push + ",\"next\":\"done\"},"
                + "\"s9\":{" + push + ",\"next\":\"done\"}," + exit)).expect(400, "invalid_field", "steps.s9"));
        c.add(when("campaign: a loop").admin("POST", create, campaign("", "\"s1\":{" + push + ",\"next\":\"s2\"},"
                + "\"s2\":{\"type\":\"delay\",\"duration\":\"P1D\",\"next\":\"s1\"}")).expect(400, "invalid_field", "steps.s2.next"));
        c.add(when("campaign: weights adding to 90").admin("POST", create, campaign("", "\"s1\":{" + push + ",\"next\":\"s3\"},"
                + "\"s3\":{\"type\":\"split\",\"paths\":[{\"weight\":50,\"next\":\"done\"},{\"weight\":40,\"next\":\"done\"}]},"
                + exit)).expect(400, "invalid_field", "steps.s3.paths"));
        c.add(when("campaign: duration in words").admin("POST", create, campaign("", "\"s1\":{\"type\":\"delay\",\"duration\":\"a week\","
                + "\"next\":\"done\"}," + exit)).expect(400, "invalid_field", "steps.s1.duration"));
        c.add(when("campaign: negative timeout").admin("POST", create, campaign("", "\"s1\":{\"type\":\"wait_until\",\"event\":\"x\","
                + "\"timeout\":\"-PT1H\",\"next\":\"done\",\"onTimeout\":\"done\"}," + exit)).expect(400, "invalid_field", "steps.s1.timeout"));
        c.add(when("campaign: delay past ten years").admin("POST", create, campaign("", "\"s1\":{\"type\":\"delay\","
                + "\"duration\":\"P999999999999D\",\"next\":\"done\"}," + exit)).expect(400, "invalid_field", "steps.s1.duration"));
        c.add(when("campaign: unknown channel").admin("POST", create, campaign("", "\"s1\":{\"type\":\"message\",\"channel\":\"fax\","
                + "\"message\":{},\"next\":\"done\"}," + exit)).expect(400, "invalid_field", "steps.s1.channel"));
        c.add(when("campaign: message step without message").admin("POST", create, campaign("", "\"s1\":{\"type\":\"message\","
                + "\"channel\":\"push\",\"next\":\"done\"}," + exit)).expect(400, "missing_field", "steps.s1.message"));
        c.add(when("campaign: unknown field in a step").admin("POST", create, campaign("", "\"s1\":{" + push + ",\"next\":\"done\","
                + "\"colour\":\"red\"}," + exit)).expect(400, "invalid_field", "steps.s1.colour"));
        c.add(when("campaign: step is not an object").admin("POST", create, campaign("", "\"s1\":\"exit\""))
                .expect(400, "invalid_field", "steps.s1"));
        // Conditions and references.
        c.add(when("campaign: malformed audience").admin("POST", create, campaign("\"audience\":{\"and\":[{\"attribute\":\"plan\","
                + "\"op\":\"equals\",\"value\":\"free\"}]},", "\"s1\":{\"type\":\"exit\"}")).expect(400, "invalid_field", "audience.and[0].op"));
        c.add(when("campaign: malformed branch condition").admin("POST", create, campaign("", "\"s1\":{\"type\":\"branch\","
                + "\"condition\":{\"attribute\":\"plan\"},\"yes\":\"done\",\"no\":\"done\"}," + exit))
                .expect(400, "missing_field", "steps.s1.condition.op"));
        c.add(when("campaign: unknown segment in a segmentEntered trigger").admin("POST", create, valid.replace("{\"event\":\"e\"}",
                "{\"segmentEntered\":\"seg_nope\"}")).expect(400, "invalid_field", "trigger.segmentEntered"));
        c.add(when("campaign: unknown segment in the audience").admin("POST", create, campaign("\"audience\":{\"segment\":\"seg_nope\"},",
                "\"s1\":{\"type\":\"exit\"}")).expect(400, "invalid_field", "audience"));
        c.add(when("campaign: broadcast to an unknown segment").admin("POST", create, valid.replace("{\"event\":\"e\"}",
                "{\"broadcast\":{\"segment\":\"seg_nope\"}}")).expect(400, "invalid_field", "trigger.broadcast.segment"));
        // Keys.
        c.add(when("campaign: no key").admin("POST", create, valid).header("Authorization", (String) null).expect(401, "missing_key"));
        c.add(when("campaign: write key").admin("POST", create, valid).header("Authorization", "Bearer " + TestHerald.WRITE_KEY)
                .expect(403, "wrong_key_kind"));
        // One campaign.
        c.add(when("campaign: read an unknown one").get("/api/v1/campaigns/cmp_nope").expect(404, "not_found"));
        c.add(when("campaign: change an unknown one").admin("PUT", "/api/v1/campaigns/cmp_nope", valid).expect(404, "not_found"));
        c.add(when("campaign: change with a mistake").admin("PUT", api, campaign("", "\"s1\":{\"type\":\"teleport\"}"))
                .expect(400, "invalid_field", "steps.s1.type"));
        c.add(when("campaign: change its status by PUT").admin("PUT", api, valid.replace("{\"name\"", "{\"status\":\"paused\",\"name\""))
                .expect(400, "invalid_field", "status"));
        c.add(when("campaign: change its id by PUT").admin("PUT", api, valid.replace("{\"name\"", "{\"id\":\"cmp_x\",\"name\""))
                .expect(400, "invalid_field", "id"));
        c.add(when("campaign: delete an active one").admin("DELETE", api, (String) null).expect(409, "invalid_state"));
        c.add(when("campaign: delete an unknown one").admin("DELETE", "/api/v1/campaigns/cmp_nope", (String) null).expect(404, "not_found"));
        c.add(when("campaign: activate an active one").admin("POST", api + "/activate", (String) null).expect(409, "invalid_state"));
        c.add(when("campaign: pause an unknown one").admin("POST", "/api/v1/campaigns/cmp_nope/pause", (String) null).expect(404, "not_found"));
        c.add(when("campaigns: limit=0").get("/api/v1/campaigns?limit=0").expect(400, "invalid_field", "limit"));
        c.add(when("campaigns: bad cursor").get("/api/v1/campaigns?cursor=not%20a%20cursor!").expect(400, "invalid_field", "cursor"));
        // Triggers.
        String trigger = api + "/trigger";
        c.add(when("trigger: malformed JSON").admin("POST", trigger, "{\"userId\":").expect(400, "invalid_json"));
        c.add(when("trigger: array body").admin("POST", trigger, "[]").expect(400, "invalid_json"));
        c.add(when("trigger: userId missing").admin("POST", trigger, "{\"data\":{}}").expect(400, "missing_field", "userId"));
        c.add(when("trigger: userId as a number").admin("POST", trigger, "{\"userId\":42}").expect(400, "invalid_field", "userId"));
        c.add(when("trigger: unknown field").admin("POST", trigger, "{\"userId\":\"" + SEEDED + "\",\"when\":\"now\"}")
                .expect(400, "invalid_field", "when"));
        c.add(when("trigger: data not an object").admin("POST", trigger, "{\"userId\":\"" + SEEDED + "\",\"data\":\"x\"}")
                .expect(400, "invalid_field", "data"));
        c.add(when("trigger: data over 32 KB").admin("POST", trigger, "{\"userId\":\"" + SEEDED + "\",\"data\":{\"p\":\""
                + "p".repeat(33 * 1024) + "\"}}").expect(400, "invalid_field", "data"));
        c.add(when("trigger: body over 64 KB").admin("POST", trigger, "{\"userId\":\"" + SEEDED + "\",\"data\":{\"p\":\""
                + "p".repeat(65 * 1024) + "\"}}").expect(413, "too_large"));
        c.add(when("trigger: unknown person").admin("POST", trigger, "{\"userId\":\"nobody\"}").expect(404, "not_found"));
        c.add(when("trigger: a campaign not triggered by the API").admin("POST", onEvent + "/trigger", "{\"userId\":\"" + SEEDED + "\"}")
                .expect(409, "invalid_state"));
        c.add(when("trigger: unknown campaign").admin("POST", "/api/v1/campaigns/cmp_nope/trigger", "{\"userId\":\"" + SEEDED + "\"}")
                .expect(404, "not_found"));
        c.add(when("trigger: no key").admin("POST", trigger, "{\"userId\":\"" + SEEDED + "\"}").header("Authorization", (String) null)
                .expect(401, "missing_key"));
        // Runs, metrics and a person's history.
        c.add(when("runs: limit=0").get(api + "/runs?limit=0").expect(400, "invalid_field", "limit"));
        c.add(when("runs: bad cursor").get(api + "/runs?cursor=not%20a%20cursor!").expect(400, "invalid_field", "cursor"));
        c.add(when("runs: unknown campaign").get("/api/v1/campaigns/cmp_nope/runs").expect(404, "not_found"));
        c.add(when("metrics: by=week").get(api + "/metrics?by=week").expect(400, "invalid_field", "by"));
        c.add(when("metrics: from in words").get(api + "/metrics?from=yesterday").expect(400, "invalid_field", "from"));
        c.add(when("metrics: to before from").get(api + "/metrics?from=2026-11-20&to=2026-11-10").expect(400, "invalid_field", "from"));
        c.add(when("metrics: two years at once").get(api + "/metrics?from=2024-11-01&to=2026-11-01").expect(400, "invalid_field", "from"));
        c.add(when("metrics: a year past what instants hold").get(api + "/metrics?to=%2B999999999-01-01T00:00:00Z")
                .expect(400, "invalid_field", "to"));
        c.add(when("metrics: unknown campaign").get("/api/v1/campaigns/cmp_nope/metrics").expect(404, "not_found"));
        for (String history : List.of("/runs", "/deliveries")) {
            c.add(when("person history " + history + ": unknown person").get("/api/v1/people/nobody" + history).expect(404, "not_found"));
            c.add(when("person history " + history + ": limit=0").get("/api/v1/people/" + SEEDED + history + "?limit=0")
                    .expect(400, "invalid_field", "limit"));
            c.add(when("person history " + history + ": bad cursor").get("/api/v1/people/" + SEEDED + history + "?cursor="
                    + Base64.getUrlEncoder().encodeToString(utf8("not-a-cursor"))).expect(400, "invalid_field", "cursor"));
            c.add(when("other workspace reads person history " + history).get("/api/v1/people/" + SEEDED + history)
                    .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        }
        // Another workspace's admin key reaches none of the campaigns.
        for (String[] call : new String[][] {{"GET", api}, {"PUT", api}, {"DELETE", api}, {"POST", api + "/pause"},
                {"POST", api + "/archive"}, {"POST", trigger}, {"GET", api + "/runs"}, {"GET", api + "/metrics"}}) {
            String body = call[0].equals("PUT") ? valid : call[1].endsWith("/trigger") ? "{\"userId\":\"" + SEEDED + "\"}" : null;
            c.add(when("other workspace: " + call[0] + " " + call[1].replace(API_CAMPAIGN, "{id}")).admin(call[0], call[1], body)
                    .header("Authorization", "Bearer " + OTHER_ADMIN_KEY).expect(404, "not_found"));
        }
        c.add(when("other workspace lists campaigns").get("/api/v1/campaigns").header("Authorization", "Bearer " + OTHER_ADMIN_KEY)
                .expect(200, null));
    }
}
