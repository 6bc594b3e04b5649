package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Creates and watches segments through the admin API ({@code POST /api/v1/segments}), as an operator would. */
final class SegmentsAdmin {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final String authorization;

    SegmentsAdmin(int port, String adminKey) {
        this.base = "http://127.0.0.1:" + port + "/api/v1/segments";
        this.authorization = "Bearer " + adminKey;
    }

    /** What {@link SegmentMix} is given to name the segment at position {@code j} before it exists. */
    static String forwardRef(int j) {
        return "@segment-" + j;
    }

    /**
     * Creates the segments in order, each condition's {@link #forwardRef forward references} replaced by the ids the
     * server gave the earlier ones; returns their ids.
     */
    List<String> createAll(String namePrefix, List<ObjectNode> conditions) throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < conditions.size(); i++) {
            String condition = conditions.get(i).toString();
            for (int j = i - 1; j >= 0; j--) { // from the highest, so @segment-1 does not match inside @segment-12
                condition = condition.replace('"' + forwardRef(j) + '"', '"' + ids.get(j) + '"');
            }
            ids.add(create(namePrefix + i, EventCodec.mapper().readTree(condition)).path("id").asText());
        }
        return ids;
    }

    /** Creates one segment; the answer is the segment with its status and progress. */
    JsonNode create(String name, JsonNode condition) throws IOException, InterruptedException {
        ObjectNode body = EventCodec.mapper().createObjectNode().put("name", name);
        body.set("condition", condition);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("creating segment " + name + " failed: " + r.statusCode() + " " + r.body());
        }
        return EventCodec.mapper().readTree(r.body());
    }

    /** One segment as {@code GET /api/v1/segments/{id}} shows it ({@code status}, {@code progress}, {@code count}). */
    JsonNode get(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/" + id))
                .timeout(Duration.ofSeconds(60)).header("Authorization", authorization).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException("reading segment " + id + " failed: " + r.statusCode());
        return EventCodec.mapper().readTree(r.body());
    }

    /** Waits until every segment is {@code ready}. */
    void awaitReady(List<String> ids, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String id : ids) {
            while (!get(id).path("status").asText().equals("ready")) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("segment " + id + " not ready after " + timeout);
                Thread.sleep(100);
            }
        }
    }
}
