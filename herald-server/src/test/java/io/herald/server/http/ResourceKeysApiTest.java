package io.herald.server.http;

import static io.herald.server.http.Api.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Segment keys and the campaign endpoints campaigns as code uses (docs/api.md), on both engines. */
class ResourceKeysApiTest {
    private static final String CAMPAIGN = """
            {"key":"welcome","name":"Welcome","trigger":{"event":"signed_up"},"start":"x","steps":{"x":{"type":"exit"}}}""";

    @TempDir
    Path dir;

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
    void aSegmentKeyNamesOneSegmentOfTheWorkspaceAndCanChangeOrGo(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T12:00:00Z"))) {
            String condition = "\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"pro\"}";
            JsonNode pro = ok(admin(h, "POST", "/api/v1/segments", "{\"key\":\"pro\",\"name\":\"Pro\"," + condition + "}"), 201);
            assertThat(pro.path("key").asText()).isEqualTo("pro");
            refused(admin(h, "POST", "/api/v1/segments", "{\"key\":\"pro\",\"name\":\"Again\"," + condition + "}"), 409,
                    "already_exists", "key");
            JsonNode plain = ok(admin(h, "POST", "/api/v1/segments", "{\"name\":\"No key\"," + condition + "}"), 201);
            assertThat(plain.path("key").isNull()).isTrue();
            ok(admin(h, "POST", "/api/v1/segments", "{\"name\":\"No key either\"," + condition + "}"), 201);
            refused(admin(h, "PUT", "/api/v1/segments/" + plain.path("id").asText(), "{\"key\":\"pro\"}"), 409, "already_exists", "key");
            refused(admin(h, "POST", "/api/v1/segments", "{\"key\":\"\",\"name\":\"Blank\"," + condition + "}"), 400,
                    "invalid_field", "key");

            String id = pro.path("id").asText();
            assertThat(ok(admin(h, "PUT", "/api/v1/segments/" + id, "{\"key\":\"pro-users\"}"), 200).path("key").asText())
                    .isEqualTo("pro-users");
            assertThat(ok(admin(h, "PUT", "/api/v1/segments/" + id, "{\"name\":\"Renamed\"}"), 200).path("key").asText())
                    .as("kept when not sent").isEqualTo("pro-users");
            assertThat(ok(admin(h, "PUT", "/api/v1/segments/" + id, "{\"key\":null}"), 200).path("key").isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignsAreCreatedAsDraftsVersionedOnceLiveAndMovedThroughTheirLifecycle(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T12:00:00Z"))) {
            JsonNode c = ok(admin(h, "POST", "/api/v1/campaigns", CAMPAIGN), 201);
            String id = c.path("id").asText();
            assertThat(c.path("status").asText()).isEqualTo("draft");
            assertThat(c.path("key").asText()).isEqualTo("welcome");
            assertThat(c.path("trigger").path("event").asText()).isEqualTo("signed_up");
            refused(admin(h, "POST", "/api/v1/campaigns", CAMPAIGN), 409, "already_exists", "key");
            refused(admin(h, "POST", "/api/v1/campaigns/" + id + "/pause", null), 409, "invalid_state", null);

            ok(admin(h, "PUT", "/api/v1/campaigns/" + id, CAMPAIGN.replace("Welcome", "Hello")), 200);
            assertThat(ok(admin(h, "GET", "/api/v1/campaigns/" + id, null), 200).path("version").asInt()).isEqualTo(1);
            assertThat(ok(admin(h, "POST", "/api/v1/campaigns/" + id + "/activate", null), 200).path("status").asText())
                    .isEqualTo("active");
            JsonNode v2 = ok(admin(h, "PUT", "/api/v1/campaigns/" + id, CAMPAIGN.replace("Welcome", "Hi")), 200);
            assertThat(v2.path("version").asInt()).isEqualTo(2);
            assertThat(v2.path("name").asText()).isEqualTo("Hi");
            assertThat(ok(admin(h, "POST", "/api/v1/campaigns/" + id + "/pause", null), 200).path("status").asText())
                    .isEqualTo("paused");
            assertThat(ok(admin(h, "POST", "/api/v1/campaigns/" + id + "/archive", null), 200).path("status").asText())
                    .isEqualTo("archived");
            refused(admin(h, "PUT", "/api/v1/campaigns/" + id, CAMPAIGN), 409, "invalid_state", null);

            refused(admin(h, "POST", "/api/v1/campaigns", "{\"name\":\"x\",\"trigger\":{\"segmentEntered\":\"seg_nope\"},"
                    + "\"start\":\"x\",\"steps\":{\"x\":{\"type\":\"exit\"}}}"), 400, "invalid_field", "trigger.segmentEntered");
            refused(admin(h, "GET", "/api/v1/campaigns/cmp_nope", null), 404, "not_found", null);
            JsonNode list = ok(admin(h, "GET", "/api/v1/campaigns?limit=1", null), 200);
            assertThat(list.path("data")).hasSize(1);
        }
    }
}
