package io.herald.server.http;

import io.herald.server.testing.TestHerald;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test's EventSource: reads GET /v1/inapp/stream line by line into events and comments. */
final class SseProbe implements AutoCloseable {
    record Ev(String id, String event, String data) {
    }

    private final HttpClient client = HttpClient.newHttpClient();
    final BlockingQueue<Ev> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
    final CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response;

    SseProbe(TestHerald h, String query, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.baseUrl() + "/v1/inapp/stream" + query))
                .header("Accept", "text/event-stream");
        headers.forEach(b::header);
        response = client.sendAsync(b.GET().build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAcceptAsync(r -> {
            String[] cur = new String[3];
            StringBuilder data = new StringBuilder();
            r.body().forEach(line -> {
                if (line.isEmpty()) {
                    if (cur[1] != null || !data.isEmpty()) events.add(new Ev(cur[0], cur[1], data.toString()));
                    cur[0] = cur[1] = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else if (line.startsWith("id:")) {
                    cur[0] = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    cur[1] = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    if (!data.isEmpty()) data.append('\n');
                    data.append(line.substring(5).trim());
                }
            });
        });
    }

    static SseProbe open(TestHerald h, String query) {
        return new SseProbe(h, query, Map.of());
    }

    int status() {
        return response.orTimeout(10, TimeUnit.SECONDS).join().statusCode();
    }

    /** The next event, failing the test when none comes within 10 s. */
    Ev next() {
        try {
            Ev e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) throw new AssertionError("no event within 10 s");
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next event if one comes within {@code wait}, else null. */
    Ev poll(Duration wait) {
        try {
            return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
