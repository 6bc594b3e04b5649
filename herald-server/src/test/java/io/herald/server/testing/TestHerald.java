package io.herald.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;

/**
 * A real Herald on a free port over a fresh store, for API tests, with the bootstrap keys below. Processing runs
 * only when a test calls {@link #process()}, so tests see a deterministic state without waiting.
 */
public final class TestHerald implements AutoCloseable {
    public static final String WRITE_KEY = "hw_test_write_key_0123456789";
    public static final String ADMIN_KEY = "ha_test_admin_key_0123456789";
    public static final String IDENTITY_SECRET = "hs_test_identity_secret_0123456789";

    private final Herald herald;
    private final DatabaseConfig dbConfig;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestHerald(Herald herald, DatabaseConfig dbConfig) {
        this.herald = herald;
        this.dbConfig = dbConfig;
    }

    public static TestHerald start(Engine engine, Path tempDir, InstantSource clock) {
        DatabaseConfig db = TestDatabase.freshConfig(engine, tempDir);
        Config config = new Config("127.0.0.1", 0, tempDir, db, 1, WRITE_KEY, ADMIN_KEY, IDENTITY_SECRET, false);
        return new TestHerald(Herald.start(config, clock, false), db);
    }

    public Herald herald() {
        return herald;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + herald.port();
    }

    /** Runs the person processor over everything appended so far. */
    public int process() {
        return herald.processor().drain();
    }

    /** An answer: status, raw body, and the body as JSON when it is JSON. */
    public record Answer(int status, String body, HttpResponse<String> response) {
        public JsonNode json() {
            try {
                return EventCodec.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        public String errorCode() {
            return json().path("error").path("code").asText(null);
        }
    }

    /** POST to the tracking API with the write key as HTTP Basic username. */
    public Answer track(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", basic(WRITE_KEY))
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** GET from the admin API with the admin key. */
    public Answer admin(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).GET());
    }

    public Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        herald.close();
        TestDatabase.dropSchema(dbConfig);
    }
}
