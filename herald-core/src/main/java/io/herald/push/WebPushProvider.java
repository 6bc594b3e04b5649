package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Web Push (RFC 8030) to browsers: the message as the SDK's service worker reads it, encrypted for the subscription
 * ({@code aes128gcm}, {@link WebPushCrypto}), POSTed to the subscription's endpoint with the workspace's VAPID
 * identity ({@link Vapid}, one per workspace, rebuilt when the credentials change).
 *
 * <p>The push service's answers map as docs/channels.md "Web Push" says: 201/202 sent; 404/410 the subscription is
 * gone (the device is disabled); 413 too large and 400/401/403 (usually a VAPID problem) refused for this message;
 * 429 and 5xx retried no sooner than {@code Retry-After}.
 */
public final class WebPushProvider implements PushProvider, AutoCloseable {
    /** A message without {@code ttl} is kept by the push service this long (28 days, FCM's maximum). */
    public static final Duration DEFAULT_TTL = Duration.ofDays(28);
    /** A {@code Topic} header is at most 32 characters of the base64url alphabet (RFC 8030 §5.4). */
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final int MAX_REASON_BODY = 200;

    /** How many messages may await a push service's answer at once unless told otherwise. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;

    /**
     * How the provider connects: the TLS context (null: the JVM's), the time allowed for a connection and an answer,
     * and how many messages may be in flight (encrypting or awaiting an answer) at once.
     */
    public record Options(SSLContext ssl, Duration connectTimeout, Duration requestTimeout, int maxInFlight) {
        public static Options defaults() {
            return new Options(null, Duration.ofSeconds(10), Duration.ofSeconds(30), DEFAULT_MAX_IN_FLIGHT);
        }

        public Options withSsl(SSLContext context) {
            return new Options(context, connectTimeout, requestTimeout, maxInFlight);
        }

        public Options withMaxInFlight(int n) {
            return new Options(ssl, connectTimeout, requestTimeout, n);
        }
    }

    private record Identity(String credentials, Vapid vapid) {
    }

    private final InstantSource clock;
    private final Options options;
    private final HttpClient http;
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();
    private final Semaphore inFlight;
    // Encryption costs about 2 ms of CPU per message (the JDK's P-256 ECDH dominates; docs/benchmarks.md "Web Push"):
    // done on the caller's thread it would hold the dispatcher to one core, so it runs on one thread per core.
    private final ExecutorService encryption;

    public WebPushProvider(InstantSource clock, Options options) {
        this.clock = clock;
        this.options = options;
        // HTTP/2 when the push service offers it (all the big ones do, over TLS ALPN); HTTP/1.1 otherwise.
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(options.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER);
        if (options.ssl() != null) b.sslContext(options.ssl());
        this.http = b.build();
        this.inFlight = new Semaphore(options.maxInFlight());
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicInteger n = new AtomicInteger();
        this.encryption = Executors.newFixedThreadPool(cores, r -> {
            Thread t = new Thread(r, "herald-webpush-encrypt-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String name() {
        return "webpush";
    }

    @Override
    public CompletableFuture<PushResult> send(PushTarget target, ObjectNode content) {
        WebPushSubscription sub;
        try {
            sub = WebPushSubscription.parse(target.device().token(), "token");
        } catch (ClientError e) { // registered before the check existed, or http: since disallowed: it cannot work
            return done(new PushResult.TokenGone("invalid_subscription: " + e.getMessage()));
        }
        byte[] plaintext = payload(target.deliveryId(), content).getBytes(StandardCharsets.UTF_8);
        if (plaintext.length > WebPushCrypto.MAX_PLAINTEXT) {
            return done(new PushResult.Rejected("payload_too_large: the web push payload is " + plaintext.length
                    + " bytes, push services take at most " + WebPushCrypto.MAX_PLAINTEXT
                    + " before encryption; shorten the title, body or data"));
        }
        Vapid vapid;
        try {
            vapid = vapid(target.workspaceId(), target.credentials());
        } catch (RuntimeException e) {
            return done(new PushResult.Rejected("invalid_credentials: the VAPID keys do not load (" + e.getMessage() + ")"));
        }
        try {
            inFlight.acquire(); // flow control: the dispatcher waits here while the bound is reached
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done(new PushResult.Retry("interrupted", null));
        }
        CompletableFuture<PushResult> out;
        try {
            out = CompletableFuture.supplyAsync(() -> WebPushCrypto.encrypt(plaintext, sub.p256dh(), sub.auth()), encryption)
                    .thenCompose(body -> post(sub, vapid, content, body))
                    .exceptionally(t -> {
                        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                        if (e instanceof IllegalArgumentException) {
                            return new PushResult.TokenGone("invalid_subscription: " + e.getMessage());
                        }
                        // Before the request went out (HTTP failures are answered in post): nothing was sent.
                        return new PushResult.Rejected("webpush_error: " + e);
                    });
        } catch (RuntimeException e) { // the pool refused: closing
            inFlight.release();
            return done(new PushResult.Retry("webpush_shutdown", null));
        }
        return out.whenComplete((r, t) -> inFlight.release());
    }

    private CompletableFuture<PushResult> post(WebPushSubscription sub, Vapid vapid, JsonNode content, byte[] body) {
        HttpRequest.Builder req = HttpRequest.newBuilder(sub.endpoint()).timeout(options.requestTimeout())
                .header("Authorization", vapid.authorization(sub.endpoint()))
                .header("TTL", Long.toString(ttl(content.get("ttl")).toSeconds()))
                .header("Urgency", "normal".equals(text(content, "priority")) ? "normal" : "high")
                .header("Content-Encoding", "aes128gcm")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String collapseKey = text(content, "collapseKey");
        if (collapseKey != null) req.header("Topic", topic(collapseKey));
        return http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofString())
                .handle((r, t) -> t != null ? failure(t) : result(r.statusCode(), r.body(),
                        r.headers().firstValue("Location").orElse(null),
                        r.headers().firstValue("Retry-After").orElse(null), clock));
    }

    /**
     * The JSON the SDK's service worker receives (a fixed contract): {@code {deliveryId, title, body, image?,
     * actions?: [{action, title, deepLink?}], deepLink?, data?, tag?}} (public for tests, the benchmark and the preview).
     */
    public static String payload(String deliveryId, JsonNode content) {
        ObjectNode p = EventCodec.mapper().createObjectNode();
        p.put("deliveryId", deliveryId);
        p.put("title", text(content, "title") != null ? text(content, "title") : "");
        p.put("body", text(content, "body") != null ? text(content, "body") : "");
        String image = text(content, "imageUrl");
        if (image != null) p.put("image", image);
        JsonNode buttons = content.get("buttons");
        if (buttons != null && buttons.isArray() && !buttons.isEmpty()) {
            ArrayNode actions = p.putArray("actions");
            for (JsonNode b : buttons) {
                ObjectNode a = actions.addObject();
                a.put("action", b.path("id").asText());
                a.put("title", b.path("label").asText());
                // The worker opens the clicked button's own link, else the message's (as APNs and FCM apps do).
                String link = text(b, "deepLink");
                if (link != null) a.put("deepLink", link);
            }
        }
        String deepLink = text(content, "deepLink");
        if (deepLink != null) p.put("deepLink", deepLink);
        JsonNode data = content.get("data");
        if (data != null && data.isObject()) p.set("data", data);
        String tag = text(content, "collapseKey");
        if (tag != null) p.put("tag", tag); // the browser replaces a shown notification with the same tag
        return p.toString();
    }

    /** What the push service's answer means for this device. */
    static PushResult result(int status, String body, String location, String retryAfter, InstantSource clock) {
        if (status >= 200 && status < 300) return new PushResult.Sent(location);
        String reason = "webpush_" + status + detail(body);
        if (status == 404 || status == 410) return new PushResult.TokenGone(reason);
        if (status == 413) {
            return new PushResult.Rejected("payload_too_large: the push service refused the message as too large (413)");
        }
        if (status == 429 || status >= 500) return new PushResult.Retry(reason, retryAfter(retryAfter, clock));
        if (status == 401 || status == 403) {
            return new PushResult.Rejected(reason + " (the push service refused the VAPID authorization: check the "
                    + "webpush subject and keys, and that the browser subscribed with this public key)");
        }
        return new PushResult.Rejected(reason);
    }

    private static String detail(String body) {
        if (body == null || body.isBlank()) return "";
        String b = body.strip().replaceAll("\\s+", " ");
        return ": " + (b.length() > MAX_REASON_BODY ? b.substring(0, MAX_REASON_BODY) + "…" : b);
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value, InstantSource clock) {
        if (value == null || value.isBlank()) return null;
        try {
            long s = Long.parseLong(value.trim());
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(clock.instant(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException ex) {
                return null;
            }
        }
    }

    private static PushResult failure(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        // Not connected: nothing went out, so sending again cannot duplicate it.
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException || e instanceof SSLException) {
            return new PushResult.Retry("webpush_connection_failed: " + e, null);
        }
        return new PushResult.Unknown("webpush_error: " + e);
    }

    /** The message's ttl (ISO-8601 duration or seconds), else {@link #DEFAULT_TTL}; never negative. */
    static Duration ttl(JsonNode t) {
        Duration d = ApnsProvider.ttl(t);
        return d == null ? DEFAULT_TTL : d;
    }

    /**
     * A collapse key as an RFC 8030 {@code Topic}: itself when it already is one (≤ 32 base64url characters), else
     * the first 32 characters of its SHA-256 in base64url, so equal keys still replace each other.
     */
    static String topic(String collapseKey) {
        if (TOPIC.matcher(collapseKey).matches()) return collapseKey;
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(collapseKey.getBytes(StandardCharsets.UTF_8));
            return WebPushCrypto.base64url(h).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Vapid vapid(String workspaceId, JsonNode creds) {
        String fingerprint = creds.toString();
        Identity id = identities.get(workspaceId);
        if (id != null && id.credentials().equals(fingerprint)) return id.vapid();
        Vapid v = new Vapid(creds.path("subject").asText(),
                WebPushCrypto.privateKey(WebPushCrypto.fromBase64url(creds.path("privateKey").asText())),
                creds.path("publicKey").asText(), clock);
        identities.put(workspaceId, new Identity(fingerprint, v));
        return v;
    }

    private static String text(JsonNode content, String field) {
        JsonNode v = content.get(field);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    private static CompletableFuture<PushResult> done(PushResult r) {
        return CompletableFuture.completedFuture(r);
    }

    @Override
    public void close() {
        encryption.shutdown();
        http.close();
    }
}
