package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web SDK as herald.jar serves it: the build put it on the classpath, customers' pages can load it from any
 * origin, it stays inside its size budget, and the way it sends calls (text/plain, write key in the body, so
 * browsers need no CORS preflight) is one the tracking API accepts.
 */
class SdkRoutesTest {
    private static final int BUDGET_GZIPPED = 15 * 1024;

    @TempDir
    Path dir;
    private TestHerald h;

    @BeforeEach
    void start() {
        h = TestHerald.start(Engine.SQLITE, dir, TestClock.at("2026-11-22T10:00:00Z"));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private TestHerald.Answer get(String path) {
        return h.send(HttpRequest.newBuilder(URI.create(h.baseUrl() + path)).header("Origin", "https://shop.example")
                .GET());
    }

    @Test
    void servesTheSdkScriptToAnyOriginWithinItsGzipBudget() throws IOException {
        TestHerald.Answer a = get("/sdk/herald.js");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(a.response().headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(a.response().headers().firstValue("Cache-Control").orElse("")).contains("max-age=");
        assertThat(a.body()).contains("herald-web").contains("/v1/batch");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(a.body().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(gz.size()).as("herald.js gzipped bytes").isLessThan(BUDGET_GZIPPED);
    }

    @Test
    void servesTheServiceWorker() {
        TestHerald.Answer a = get("/sdk/herald-sw.js");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(a.response().headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(a.body()).contains("/v1/push/events");
    }

    @Test
    void anyOtherPathUnderSdkIsAJsonNotFound() {
        for (String path : new String[] {"/sdk/nope.js", "/sdk/herald.js.map", "/sdk/", "/sdk/a/herald.js",
                "/sdk/..%2Fapplication.properties", "/sdk/%2e%2e"}) {
            TestHerald.Answer a = get(path);
            assertThat(a.status()).as(path).isIn(400, 404);
            assertThat(a.body()).as(path).startsWith("{\"error\"");
        }
    }

    @Test
    void acceptsABatchTheWaySdkSendsIt() {
        String body = "{\"writeKey\":\"" + TestHerald.WRITE_KEY + "\",\"sentAt\":\"2026-11-22T10:00:00Z\",\"batch\":[{"
                + "\"type\":\"track\",\"event\":\"export_clicked\",\"anonymousId\":\"a-1\",\"messageId\":\"m-1\","
                + "\"timestamp\":\"2026-11-22T10:00:00Z\",\"context\":{\"library\":{\"name\":\"herald-web\"}}}]}";
        TestHerald.Answer a = Api.request(h, "POST", "/v1/batch", Map.of("Content-Type", "text/plain;charset=UTF-8",
                "Origin", "https://shop.example"), Api.utf8(body));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.response().headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://shop.example");
    }
}
