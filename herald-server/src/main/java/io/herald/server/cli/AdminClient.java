package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The admin API as the command line calls it: JSON in, JSON out, and an API error turned into a {@link Failure}
 * carrying the API's own message.
 */
final class AdminClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String key;

    AdminClient(String baseUrl, String key) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.key = key;
    }

    /**
     * Something the command could not do, with the sentence to print and the exit code: 2 when Herald refused the
     * request (a client mistake, as the API's 4xx say), 1 when Herald could not be reached or failed.
     */
    static final class Failure extends RuntimeException {
        private final int exitCode;

        Failure(String message, int exitCode) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    JsonNode get(String path) {
        return send(request(path).GET());
    }

    JsonNode post(String path, JsonNode body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)));
    }

    private HttpRequest.Builder request(String path) {
        URI uri;
        try {
            uri = URI.create(baseUrl + path);
        } catch (IllegalArgumentException e) {
            throw new Failure("--url " + baseUrl + " is not a URL: " + e.getMessage(), 2);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new Failure("--url must start with http:// or https://, was " + baseUrl, 2);
        }
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key);
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new Failure("cannot reach Herald at " + baseUrl + ": " + (e.getMessage() != null ? e.getMessage()
                    : "connection refused"), 1);
        } catch (HttpTimeoutException e) {
            throw new Failure("cannot reach Herald at " + baseUrl + ": " + describe(e), 1);
        } catch (IOException e) {
            throw new Failure("the request to Herald at " + baseUrl + " failed: " + describe(e), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted", 1);
        }
        JsonNode body = parse(r.body());
        if (r.statusCode() / 100 == 2) {
            if (body == null && !r.body().isEmpty()) {
                throw new Failure("Herald answered HTTP " + r.statusCode() + " with a body that is not JSON", 1);
            }
            return body;
        }
        String message = body == null ? null : body.path("error").path("message").asText(null);
        if (message == null) {
            // Not Herald's error shape: a proxy in between, or not Herald at all.
            String text = r.body().length() > 200 ? r.body().substring(0, 200) + "…" : r.body();
            message = "HTTP " + r.statusCode() + (text.isBlank() ? "" : ": " + text.strip());
        }
        throw new Failure(message, r.statusCode() / 100 == 4 ? 2 : 1);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isEmpty()) return null;
        try {
            return EventCodec.mapper().readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
