package io.herald.push;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.ApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.InterruptionLevel;
import com.eatthepath.pushy.apns.util.SimpleApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import javax.net.ssl.SSLException;

/**
 * Apple Push Notification service through Pushy: token authentication with the workspace's .p8 key, one HTTP/2
 * client per workspace (rebuilt when its credentials change), and a bound on notifications in flight across all of
 * them, so a burst of deliveries waits for answers instead of piling up frames in memory.
 *
 * <p>A rendered push message maps to the APNs payload as docs/channels.md "APNs" describes: title and body as the
 * alert, an image as {@code mutable-content} with the URL for the app's notification service extension, buttons as a
 * category, the deep link, buttons and delivery id under the custom {@code herald} key, {@code data} as top-level
 * custom keys, {@code collapseKey} as both the collapse id and the thread id, {@code ttl} as the expiration and
 * {@code priority} as the APNs priority and interruption level.
 */
public final class ApnsProvider implements PushProvider, AutoCloseable {
    /** Apple's limit for an alert notification's payload, in bytes. */
    public static final int MAX_PAYLOAD_BYTES = 4096;
    /** How many notifications may await Apple's answer at once unless told otherwise. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
    /**
     * A PEM file of certificates to trust for the APNs server instead of the JVM's defaults: for a custom
     * {@code server: host:port} (a relay, or a mock server in tests) that presents its own certificate.
     */
    public static final String TRUST_PROPERTY = "herald.apns.trustedCertificates";

    private static final Set<String> TOKEN_GONE = Set.of("BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic");
    // ExpiredProviderToken: Pushy signs a fresh token for the next attempt.
    private static final Set<String> TRANSIENT = Set.of("TooManyRequests", "InternalServerError", "ServiceUnavailable",
            "Shutdown", "ExpiredProviderToken", "TooManyProviderTokenUpdates", "IdleTimeout");

    /** How the provider connects: notifications in flight, connections per client, certificates to trust. */
    public record Options(int maxInFlight, int connectionsPerClient, List<X509Certificate> trusted) {
        public static Options defaults() {
            return new Options(DEFAULT_MAX_IN_FLIGHT, 1, trustedFromProperty());
        }

        public Options withTrusted(List<X509Certificate> certificates) {
            return new Options(maxInFlight, connectionsPerClient, List.copyOf(certificates));
        }

        public Options withMaxInFlight(int n) {
            return new Options(n, connectionsPerClient, trusted);
        }

        public Options withConnectionsPerClient(int n) {
            return new Options(maxInFlight, n, trusted);
        }
    }

    private record Client(String credentials, ApnsClient apns, String topic) {
    }

    private final InstantSource clock;
    private final Options options;
    private final Semaphore inFlight;
    private final EventLoopGroup loop = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    public ApnsProvider(InstantSource clock, Options options) {
        this.clock = clock;
        this.options = options;
        this.inFlight = new Semaphore(options.maxInFlight());
    }

    @Override
    public String name() {
        return "apns";
    }

    @Override
    public CompletableFuture<PushResult> send(PushTarget target, ObjectNode content) {
        String payload = payload(target.deliveryId(), content);
        int size = payload.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_PAYLOAD_BYTES) {
            return done(new PushResult.Rejected("payload_too_large: the APNs payload is " + size + " bytes, Apple takes "
                    + "at most " + MAX_PAYLOAD_BYTES + "; shorten the title, body or data"));
        }
        Client client;
        try {
            client = client(target.workspaceId(), target.credentials());
        } catch (BadCredentials e) {
            return done(new PushResult.Rejected("invalid_credentials: " + e.getMessage()));
        }
        Duration ttl = ttl(content.get("ttl"));
        boolean normal = "normal".equals(content.path("priority").asText(null));
        // The same apns-id on every attempt of a delivery to a device: Apple's and Pushy's logs line up with Herald's.
        UUID apnsId = UUID.nameUUIDFromBytes((target.idempotencyKey() + ":" + target.device().id())
                .getBytes(StandardCharsets.UTF_8));
        SimpleApnsPushNotification n = new SimpleApnsPushNotification(target.device().token(), client.topic(), payload,
                clock.instant().plus(ttl != null ? ttl : SimpleApnsPushNotification.DEFAULT_EXPIRATION_PERIOD),
                normal ? DeliveryPriority.CONSERVE_POWER : DeliveryPriority.IMMEDIATE, PushType.ALERT,
                textOrNull(content, "collapseKey"), apnsId);
        try {
            inFlight.acquire(); // flow control: the dispatcher waits here while the bound is reached
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done(new PushResult.Retry("interrupted", null));
        }
        CompletableFuture<PushResult> out;
        try {
            out = client.apns().sendNotification(n).handle((r, t) -> t != null ? failure(t) : result(r));
        } catch (RuntimeException e) {
            inFlight.release();
            return done(failure(e));
        }
        return out.whenComplete((r, t) -> inFlight.release());
    }

    /** The JSON payload Apple receives for this message (public for tests and the preview). */
    public static String payload(String deliveryId, JsonNode content) {
        ApnsPayloadBuilder b = new SimpleApnsPayloadBuilder();
        String title = textOrNull(content, "title");
        String body = textOrNull(content, "body");
        if (title != null) b.setAlertTitle(title);
        if (body != null) b.setAlertBody(body);
        Map<String, Object> herald = new java.util.LinkedHashMap<>();
        herald.put("deliveryId", deliveryId);
        String image = textOrNull(content, "imageUrl");
        if (image != null) {
            // iOS shows an image only when the app's notification service extension fetches it: mutable-content lets
            // the extension run, and the URL rides along for it.
            b.setMutableContent(true);
            herald.put("imageUrl", image);
        }
        String deepLink = textOrNull(content, "deepLink");
        if (deepLink != null) herald.put("deepLink", deepLink);
        JsonNode buttons = content.get("buttons");
        if (buttons != null && buttons.isArray() && !buttons.isEmpty()) {
            // A category names the set of actions; the app registers it (the SDK does so from herald.buttons).
            StringBuilder category = new StringBuilder("herald");
            for (JsonNode button : buttons) category.append('.').append(button.path("id").asText());
            b.setCategoryName(category.toString());
            herald.put("buttons", EventCodec.mapper().convertValue(buttons, List.class));
        }
        String sound = textOrNull(content, "sound");
        if (sound != null) b.setSound(sound);
        JsonNode badge = content.get("badge");
        if (badge != null && badge.canConvertToInt()) b.setBadgeNumber(badge.intValue());
        String collapseKey = textOrNull(content, "collapseKey");
        if (collapseKey != null) b.setThreadId(collapseKey);
        if ("normal".equals(textOrNull(content, "priority"))) b.setInterruptionLevel(InterruptionLevel.PASSIVE);
        JsonNode data = content.get("data");
        if (data != null && data.isObject()) {
            for (Map.Entry<String, JsonNode> e : data.properties()) {
                if (e.getKey().equals("aps") || e.getKey().equals("herald")) continue; // Apple's and Herald's keys
                b.addCustomProperty(e.getKey(), EventCodec.mapper().convertValue(e.getValue(), Object.class));
            }
        }
        b.addCustomProperty("herald", herald);
        return b.build();
    }

    static PushResult result(PushNotificationResponse<?> r) {
        String id = r.getApnsId() != null ? r.getApnsId().toString() : null;
        if (r.isAccepted()) return new PushResult.Sent(id);
        String reason = r.getRejectionReason().orElse("http_" + r.getStatusCode());
        if (TOKEN_GONE.contains(reason) || r.getStatusCode() == 410) return new PushResult.TokenGone(reason);
        if (TRANSIENT.contains(reason) || r.getStatusCode() == 429 || r.getStatusCode() >= 500) {
            return new PushResult.Retry(reason, null);
        }
        return new PushResult.Rejected(reason);
    }

    private static PushResult failure(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        // Not connected: nothing went out, so sending again cannot duplicate it.
        if (e instanceof ConnectException || e instanceof SSLException
                || e.getClass().getSimpleName().equals("ClientNotConnectedException")) {
            return new PushResult.Retry("apns_connection_failed: " + e.getMessage(), null);
        }
        if (e.getClass().getSimpleName().equals("ClientClosedException")) return new PushResult.Retry("apns_shutdown", null);
        return new PushResult.Unknown("apns_error: " + e);
    }

    private static final class BadCredentials extends Exception {
        BadCredentials(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The workspace's client, built on first use and rebuilt (the old one closed) when its credentials change. */
    private Client client(String workspaceId, JsonNode credentials) throws BadCredentials {
        String fingerprint = credentials.toString();
        Client c = clients.get(workspaceId);
        if (c != null && c.credentials().equals(fingerprint)) return c;
        synchronized (clients) {
            c = clients.get(workspaceId);
            if (c != null && c.credentials().equals(fingerprint)) return c;
            Client fresh = build(fingerprint, credentials);
            clients.put(workspaceId, fresh);
            if (c != null) c.apns().close();
            return fresh;
        }
    }

    private Client build(String fingerprint, JsonNode creds) throws BadCredentials {
        ApnsSigningKey key;
        try (InputStream pem = new ByteArrayInputStream(creds.path("authKey").asText("").getBytes(StandardCharsets.UTF_8))) {
            key = ApnsSigningKey.loadFromInputStream(pem, creds.path("teamId").asText(), creds.path("keyId").asText());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new BadCredentials("the APNs auth key does not load (" + e.getMessage() + ")", e);
        }
        String server = creds.path("server").asText("production");
        ApnsClientBuilder b = new ApnsClientBuilder().setSigningKey(key).setEventLoopGroup(loop)
                .setConcurrentConnections(options.connectionsPerClient());
        switch (server) {
            case "production" -> b.setApnsServer(ApnsClientBuilder.PRODUCTION_APNS_HOST);
            case "development" -> b.setApnsServer(ApnsClientBuilder.DEVELOPMENT_APNS_HOST);
            default -> {
                int colon = server.lastIndexOf(':');
                try {
                    b.setApnsServer(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)));
                } catch (RuntimeException e) {
                    throw new BadCredentials("server must be production, development or host:port, not " + server, e);
                }
            }
        }
        if (!options.trusted().isEmpty()) b.setTrustedServerCertificateChain(options.trusted().toArray(X509Certificate[]::new));
        try {
            return new Client(fingerprint, b.build(), creds.path("topic").asText());
        } catch (SSLException e) {
            throw new BadCredentials("TLS setup failed (" + e.getMessage() + ")", e);
        }
    }

    /** The message's ttl (ISO-8601 duration or seconds); null when absent or unreadable. */
    static Duration ttl(JsonNode t) {
        if (t == null || t.isNull() || t.isMissingNode()) return null;
        try {
            Duration d = t.isNumber() ? Duration.ofSeconds(t.asLong()) : Duration.parse(t.asText());
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String textOrNull(JsonNode content, String field) {
        JsonNode v = content.get(field);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    private static CompletableFuture<PushResult> done(PushResult r) {
        return CompletableFuture.completedFuture(r);
    }

    private static List<X509Certificate> trustedFromProperty() {
        String path = System.getProperty(TRUST_PROPERTY, System.getenv("HERALD_APNS_TRUSTED_CERTIFICATES"));
        if (path == null || path.isBlank()) return List.of();
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot read the APNs trusted certificates from " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        synchronized (clients) {
            for (Client c : clients.values()) c.apns().close().join();
            clients.clear();
        }
        loop.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
