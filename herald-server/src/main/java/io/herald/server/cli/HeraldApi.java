package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A running Herald's admin API as {@code herald apply} and {@code herald export} call it: JSON in, JSON out. A
 * refusal is a {@link Refused} carrying the API's own code, field and message, so the command can print them as
 * the API gave them; not reaching Herald is an {@link Unreachable}.
 */
final class HeraldApi {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String key;

    HeraldApi(String baseUrl, String key) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.key = key;
        URI uri;
        try {
            uri = URI.create(this.baseUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url " + baseUrl + " is not a URL: " + e.getMessage());
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("--url must start with http:// or https://, was " + baseUrl);
        }
    }

    /** Herald answered with an error (API.md's {@code {"error": {code, message, field?}}}). */
    static final class Refused extends RuntimeException {
        final int status;
        final String code;
        final String field;

        Refused(int status, String code, String message, String field) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.field = field;
        }
    }

    /** Herald could not be reached, or answered with something that is not its API. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message) {
            super(message, null, false, false);
        }
    }

    JsonNode get(String path) {
        return send(request(path).GET());
    }

    JsonNode post(String path, JsonNode body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body.toString(), StandardCharsets.UTF_8)));
    }

    JsonNode put(String path, JsonNode body) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)));
    }

    /** Every item of a list endpoint, page by page. */
    List<JsonNode> all(String path) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = get(path + "?limit=1000" + (cursor == null ? "" : "&cursor="
                    + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
            page.path("data").forEach(out::add);
            cursor = page.path("next").isTextual() ? page.path("next").textValue() : null;
        } while (cursor != null);
        return out;
    }

    /** One part of a URL path, encoded. */
    static String pathPart(String path) {
        return URLEncoder.encode(path, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key);
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new Unreachable("cannot reach Herald at " + baseUrl + ": " + describe(e));
        } catch (IOException e) {
            throw new Unreachable("the request to Herald at " + baseUrl + " failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted");
        }
        JsonNode body = parse(r.body());
        if (r.statusCode() / 100 == 2) {
            if (body == null && !r.body().isEmpty()) {
                throw new Unreachable("Herald answered HTTP " + r.statusCode() + " with a body that is not JSON");
            }
            return body;
        }
        JsonNode error = body == null ? null : body.get("error");
        if (error == null || !error.path("message").isTextual()) {
            // Not Herald's error shape: a proxy in between, or not Herald at all.
            String text = r.body().length() > 200 ? r.body().substring(0, 200) + "…" : r.body();
            throw new Unreachable("HTTP " + r.statusCode() + " from " + baseUrl + (text.isBlank() ? "" : ": " + text.strip()));
        }
        throw new Refused(r.statusCode(), error.path("code").asText(null), error.path("message").asText(),
                error.path("field").asText(null));
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
