package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.testing.TestHerald;
import io.herald.store.Sql;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/** Requests and store probes the HTTP API tests share, over a {@link TestHerald}. */
final class Api {
    static final String JSON = "application/json";

    private Api() {
    }

    /** Any request: method, path, headers as given (nothing added), body bytes (null for none). */
    static TestHerald.Answer request(TestHerald h, String method, String path, Map<String, String> headers, byte[] body) {
        return request(h, method, path, headers, body, false);
    }

    /** As above; {@code chunked} sends the body without a Content-Length, as a streaming client would. */
    static TestHerald.Answer request(TestHerald h, String method, String path, Map<String, String> headers, byte[] body,
                                     boolean chunked) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.baseUrl() + path));
        headers.forEach(b::header);
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return h.send(b.method(method, publisher));
    }

    /** DELETE on the admin API with the bootstrap admin key. */
    static TestHerald.Answer adminDelete(TestHerald h, String path) {
        return request(h, "DELETE", path, Map.of("Authorization", "Bearer " + TestHerald.ADMIN_KEY), null);
    }

    /** A JSON request to the admin API with the bootstrap admin key ({@code json} null: no body). */
    static TestHerald.Answer admin(TestHerald h, String method, String path, String json) {
        return admin(h, TestHerald.ADMIN_KEY, method, path, json);
    }

    /** A JSON request to the admin API with the given admin key. */
    static TestHerald.Answer admin(TestHerald h, String key, String method, String path, String json) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Authorization", "Bearer " + key);
        if (json != null) headers.put("Content-Type", JSON);
        return request(h, method, path, headers, json == null ? null : utf8(json));
    }

    /** POSTs a tracking call and fails the test unless Herald answers {@code 200 {"success": true}}. */
    static void accepted(TestHerald h, String path, String json) {
        TestHerald.Answer a = h.track(path, json);
        assertThat(a.status()).as("%s %s -> %s", path, json, a.body()).isEqualTo(200);
        assertThat(a.json().path("success").asBoolean()).isTrue();
    }

    /** A raw HTTP/1.1 answer: what a client that does not validate its own request line gets back. */
    record RawAnswer(int status, Map<String, String> headers, String body) {
    }

    /**
     * Sends {@code requestLine} (e.g. {@code GET /path%ZZ HTTP/1.1}) over a plain socket, for requests Java's
     * HttpClient refuses to build; header names in the answer are lower-cased.
     */
    static RawAnswer raw(TestHerald h, String requestLine, String... headerLines) {
        return raw(h, false, requestLine, headerLines);
    }

    /**
     * As {@link #raw(TestHerald, String, String...)}; with {@code keepAlive} the request does not ask the server to
     * close, so the answer is read to the server's own close (a server that keeps the connection fails the read).
     */
    static RawAnswer raw(TestHerald h, boolean keepAlive, String requestLine, String... headerLines) {
        try (Socket socket = new Socket("127.0.0.1", h.herald().port())) {
            socket.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1\r\n")
                    .append(keepAlive ? "" : "Connection: close\r\n");
            for (String line : headerLines) head.append(line).append("\r\n");
            socket.getOutputStream().write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            String[] lines = answer.substring(0, split).split("\r\n");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
            }
            return new RawAnswer(Integer.parseInt(lines[0].split(" ")[1]), headers, answer.substring(split + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String body) {
        try {
            return EventCodec.mapper().readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static long eventLogRows(TestHerald h) {
        return logCount(h, "SELECT COUNT(*) FROM event_log");
    }

    /** A count over the event log's table, which on SQLite lives in a file of its own. */
    static long logCount(TestHerald h, String sql, Object... params) {
        return h.herald().logDatabase().read(c -> Sql.queryOne(c, sql, rs -> rs.getLong(1), params)).orElseThrow();
    }

    static long personRows(TestHerald h) {
        return count(h, "SELECT COUNT(*) FROM persons");
    }

    static long count(TestHerald h, String sql, Object... params) {
        return h.herald().database().read(c -> Sql.queryOne(c, sql, rs -> rs.getLong(1), params)).orElseThrow();
    }

    /** A person's events, newest first, as the admin API lists them (one page of up to 1000). */
    static List<JsonNode> events(TestHerald h, String userId) {
        TestHerald.Answer a = h.admin("/api/v1/people/" + userId + "/events?limit=1000");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        a.json().path("data").forEach(out::add);
        return out;
    }

    /** The ids of the events the person sent (device registrations, which get generated ids, left out). */
    static List<String> eventIds(TestHerald h, String userId) {
        return events(h, userId).stream().filter(e -> !e.path("type").asText().equals("device_registered"))
                .map(e -> e.path("id").asText()).toList();
    }

    static JsonNode person(TestHerald h, String userId) {
        TestHerald.Answer a = h.admin("/api/v1/people/" + userId);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /**
     * Follows a list's {@code next} cursor from the first page to the last, failing on a repeated item, and returns
     * the values of {@code idField} in the order served.
     */
    static List<String> allPages(TestHerald h, String firstPath, String idField) {
        List<String> seen = new ArrayList<>();
        Set<String> unique = new LinkedHashSet<>();
        String path = firstPath;
        for (int pages = 0; path != null; pages++) {
            assertThat(pages).as("pages followed; the cursor does not end").isLessThan(1000);
            TestHerald.Answer a = h.admin(path);
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            for (JsonNode item : a.json().path("data")) {
                String id = item.path(idField).asText();
                assertThat(unique.add(id)).as("%s served twice", id).isTrue();
                seen.add(id);
            }
            JsonNode next = a.json().get("next");
            assertThat(next).as("every page says next, null on the last").isNotNull();
            path = next.isNull() ? null : firstPath + "&cursor=" + next.asText();
        }
        return seen;
    }
}
