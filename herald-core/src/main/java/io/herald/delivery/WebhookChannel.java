package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Delivers a rendered webhook message ({@code method, url, headers?, body?, timeout?}) with {@link HttpClient}.
 *
 * <p>Every request carries {@code X-Herald-Signature: sha256=<hex HMAC-SHA256 of the body>} keyed by the workspace's
 * signing secret and {@code Idempotency-Key: <the delivery's idempotency key>}, the same on every attempt, so a
 * receiver can drop a repeat. 2xx is sent; 429, 5xx, timeouts and connection failures are retried (honoring
 * {@code Retry-After} in seconds or as an HTTP date); any other 4xx is a rejection {@code http_<code>} with the start of
 * the body. Redirects are followed only within the same origin: a webhook must not be bounced to another host.
 */
public final class WebhookChannel implements Channel, AutoCloseable {
    /** How long a request may take when the message does not say. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The longest a message may ask for: a slow receiver must not hold a delivery's lease for long. */
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);
    static final int MAX_REDIRECTS = 3;
    private static final int SNIPPET = 200;
    private static final Set<String> OWN_HEADERS = Set.of("x-herald-signature", "idempotency-key", "x-herald-delivery");

    private final WebhookSecrets secrets;
    private final InstantSource clock;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    public WebhookChannel(WebhookSecrets secrets, InstantSource clock) {
        this.secrets = secrets;
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2) // negotiated over TLS; plain http stays on HTTP/1.1 (see build)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public CompletableFuture<Outcome> send(Outbound d) {
        JsonNode c = d.content();
        String method = c.path("method").asText("POST").toUpperCase(Locale.ROOT);
        String body = bodyOf(c.get("body"));
        URI uri;
        try {
            uri = new URI(c.path("url").asText(""));
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                return done(new Outcome.Rejected("invalid_url"));
            }
        } catch (URISyntaxException e) {
            return done(new Outcome.Rejected("invalid_url"));
        }
        Duration timeout = timeoutOf(c.get("timeout"));
        if (timeout == null) return done(new Outcome.Rejected("invalid_timeout"));
        String signature = WebhookSecrets.signature(secrets.signingSecret(d.workspaceId()), body);
        return attempt(d, c, method, uri, body, signature, timeout, 0);
    }

    private CompletableFuture<Outcome> attempt(Outbound d, JsonNode c, String method, URI uri, String body,
                                               String signature, Duration timeout, int redirects) {
        HttpRequest request;
        try {
            request = build(d, c, method, uri, body, signature, timeout);
        } catch (IllegalArgumentException e) {
            // A header HttpClient refuses to send (Host, Content-Length, ...) or one with a malformed name or value.
            return done(new Outcome.Rejected("invalid_header"));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .thenComposeAsync(r -> answer(d, c, method, uri, body, signature, timeout, redirects, r), executor)
                .exceptionally(WebhookChannel::failure);
    }

    private HttpRequest build(Outbound d, JsonNode c, String method, URI uri, String body, String signature,
                              Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .version("https".equals(uri.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
        boolean contentType = false;
        if (c.get("headers") instanceof com.fasterxml.jackson.databind.node.ObjectNode headers) {
            for (Map.Entry<String, JsonNode> h : headers.properties()) {
                if (OWN_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) continue; // Herald's to set
                if (h.getKey().equalsIgnoreCase("content-type")) contentType = true;
                b.header(h.getKey(), h.getValue().isTextual() ? h.getValue().textValue() : h.getValue().toString());
            }
        }
        if (!contentType && !body.isEmpty()) b.header("Content-Type", "application/json");
        b.header("X-Herald-Signature", signature);
        b.header("Idempotency-Key", d.idempotencyKey());
        b.header("X-Herald-Delivery", d.deliveryId());
        HttpRequest.BodyPublisher publisher = body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
        return b.method(method, publisher).build();
    }

    private CompletableFuture<Outcome> answer(Outbound d, JsonNode c, String method, URI uri, String body, String signature,
                                              Duration timeout, int redirects, HttpResponse<InputStream> r) {
        int code = r.statusCode();
        if (code >= 300 && code < 400 && code != 304) {
            close(r);
            String location = r.headers().firstValue("Location").orElse(null);
            if (location == null) return done(new Outcome.Rejected("http_" + code));
            URI next;
            try {
                next = uri.resolve(new URI(location));
            } catch (URISyntaxException | IllegalArgumentException e) {
                return done(new Outcome.Rejected("redirect_invalid"));
            }
            if (!sameOrigin(uri, next)) return done(new Outcome.Rejected("redirect_to_other_host"));
            if (redirects >= MAX_REDIRECTS) return done(new Outcome.Rejected("too_many_redirects"));
            // 303 turns the request into a GET, as browsers do; 307/308 (and 301/302 here) keep it.
            String m = code == 303 ? "GET" : method;
            return attempt(d, c, m, next, code == 303 ? "" : body, signature, timeout, redirects + 1);
        }
        if (code >= 200 && code < 300) {
            close(r);
            return done(new Outcome.Sent(r.headers().firstValue("X-Request-Id").orElse(null)));
        }
        if (code == 429 || code >= 500) {
            close(r);
            return done(new Outcome.Retry("http_" + code, retryAfter(r.headers().firstValue("Retry-After").orElse(null))));
        }
        String snippet = snippet(r);
        return done(new Outcome.Rejected("http_" + code + (snippet.isEmpty() ? "" : ": " + snippet)));
    }

    private static Outcome failure(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
            return new Outcome.Retry("connection_failed", null);
        }
        if (e instanceof HttpTimeoutException) return new Outcome.Retry("timeout", null);
        if (e instanceof IOException) return new Outcome.Retry("connection_error", null);
        return new Outcome.Unknown("webhook_error: " + e);
    }

    /** A body as sent: text as written, JSON as JSON, none as empty. */
    static String bodyOf(JsonNode body) {
        if (body == null || body.isNull() || body.isMissingNode()) return "";
        return body.isTextual() ? body.textValue() : body.toString();
    }

    /** The message's timeout (ISO-8601 duration or whole seconds), capped; null when malformed. */
    static Duration timeoutOf(JsonNode t) {
        if (t == null || t.isNull() || t.isMissingNode()) return DEFAULT_TIMEOUT;
        Duration d;
        try {
            d = t.isNumber() ? Duration.ofMillis((long) (t.asDouble() * 1000)) : Duration.parse(t.asText());
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
        if (d.isNegative() || d.isZero()) return null;
        return d.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : d;
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    Duration retryAfter(String value) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(clock.instant(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(String.valueOf(b.getScheme()))
                && a.getHost().equalsIgnoreCase(String.valueOf(b.getHost())) && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() != -1) return u.getPort();
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String snippet(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            byte[] bytes = in.readNBytes(SNIPPET * 4);
            String s = new String(bytes, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
            return s.length() > SNIPPET ? s.substring(0, SNIPPET) : s;
        } catch (IOException e) {
            return "";
        }
    }

    private static void close(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // the connection is dropped instead of reused; nothing is lost
        }
    }

    private static CompletableFuture<Outcome> done(Outcome o) {
        return CompletableFuture.completedFuture(o);
    }

    @Override
    public void close() {
        http.close();
        executor.close();
    }
}
