package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.Retryable;
import com.google.auth.oauth2.ServiceAccountCredentials;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;

/**
 * Firebase Cloud Messaging over its HTTP v1 API: an OAuth2 access token from the workspace's service account
 * (Google's auth library signs the JWT grant, posts it to the account's {@code token_uri}, caches the token and
 * refreshes it before it expires), then one {@code POST /v1/projects/{project_id}/messages:send} per device over a
 * shared HTTP/2 client, with a bound on requests in flight like the APNs provider's.
 *
 * <p>A rendered push message maps to the FCM message as docs/channels.md "FCM" describes: the common
 * {@code notification}, Herald's keys and the message's {@code data} as string data, and per-platform overrides for
 * Android (collapse key, ttl, priority, image, sound, tag), APNs (collapse id, priority, expiration, aps) and Web Push
 * (TTL, Urgency, link).
 */
public final class FcmProvider implements PushProvider, AutoCloseable {
    public static final String DEFAULT_BASE_URL = "https://fcm.googleapis.com";
    /** How many requests may await FCM's answer at once unless told otherwise. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    // FCM refuses data keys that are reserved words or start with these prefixes.
    private static final List<String> RESERVED_PREFIXES = List.of("google", "gcm");
    private static final List<String> RESERVED_KEYS = List.of("from", "notification", "message_type", "collapse_key");

    /**
     * How the provider connects: requests in flight, how long one may take, and the TLS context (null: the JVM's
     * default trust; a test or benchmark server with its own certificate passes one trusting it).
     */
    public record Options(int maxInFlight, Duration connectTimeout, Duration requestTimeout, SSLContext tls) {
        public static Options defaults() {
            return new Options(DEFAULT_MAX_IN_FLIGHT, Duration.ofSeconds(10), Duration.ofSeconds(30), null);
        }

        public Options withMaxInFlight(int n) {
            return new Options(n, connectTimeout, requestTimeout, tls);
        }

        public Options withTls(SSLContext context) {
            return new Options(maxInFlight, connectTimeout, requestTimeout, context);
        }
    }

    /**
     * A workspace's account: its credentials (which hold the cached token), where messages go, and the first answer
     * on this account, which later requests wait for so they share the connection it opened instead of each opening
     * their own before HTTP/2 is agreed on.
     */
    private record Account(JsonNode source, ServiceAccountCredentials google, URI send, CompletableFuture<Void> first,
                           AtomicBoolean claimed) {
    }

    private final InstantSource clock;
    private final Options options;
    private final Semaphore inFlight;
    private final HttpClient http;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();

    public FcmProvider(InstantSource clock, Options options) {
        this.clock = clock;
        this.options = options;
        this.inFlight = new Semaphore(options.maxInFlight());
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(options.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER);
        if (options.tls() != null) b.sslContext(options.tls());
        this.http = b.build();
    }

    @Override
    public String name() {
        return "fcm";
    }

    @Override
    public CompletableFuture<PushResult> send(PushTarget target, ObjectNode content) {
        Account account;
        try {
            account = account(target.workspaceId(), target.credentials());
        } catch (BadCredentials e) {
            return done(new PushResult.Rejected("invalid_credentials: " + e.getMessage()));
        }
        String authorization;
        try {
            authorization = authorization(account);
        } catch (IOException e) {
            return done(tokenFailure(target.workspaceId(), e));
        }
        String body = message(target.deliveryId(), target.device().token(), content, target.credentials(), clock)
                .toString();
        HttpRequest request = HttpRequest.newBuilder(account.send()).timeout(options.requestTimeout())
                .header("Authorization", authorization).header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        try {
            inFlight.acquire(); // flow control: the dispatcher waits here while the bound is reached
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done(new PushResult.Retry("interrupted", null));
        }
        CompletableFuture<PushResult> out;
        try {
            CompletableFuture<Void> first = account.first();
            CompletableFuture<HttpResponse<String>> sent;
            if (first.isDone()) {
                sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            } else if (!account.claimed().compareAndSet(false, true)) {
                sent = first.thenCompose(v -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            } else {
                sent = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, t) -> first.complete(null));
            }
            out = sent.handle((r, t) -> t != null ? failure(t) : result(r, target.workspaceId()));
        } catch (RuntimeException e) {
            inFlight.release();
            return done(failure(e));
        }
        return out.whenComplete((r, t) -> inFlight.release());
    }

    /**
     * The FCM v1 request body for one device (public for tests and the preview). {@code credentials} may carry
     * {@code androidClickAction}.
     */
    public static ObjectNode message(String deliveryId, String token, JsonNode content, JsonNode credentials,
                                     InstantSource clock) {
        ObjectNode root = EventCodec.mapper().createObjectNode();
        ObjectNode m = root.putObject("message");
        m.put("token", token);
        String title = textOrNull(content, "title");
        String body = textOrNull(content, "body");
        String image = textOrNull(content, "imageUrl");
        String deepLink = textOrNull(content, "deepLink");
        String sound = textOrNull(content, "sound");
        String collapseKey = textOrNull(content, "collapseKey");
        JsonNode badge = content.get("badge");
        JsonNode buttons = content.get("buttons");
        boolean hasButtons = buttons != null && buttons.isArray() && !buttons.isEmpty();
        Duration ttl = ApnsProvider.ttl(content.get("ttl"));
        boolean normal = "normal".equals(textOrNull(content, "priority"));

        ObjectNode notification = m.putObject("notification");
        if (title != null) notification.put("title", title);
        if (body != null) notification.put("body", body);
        if (image != null) notification.put("image", image);

        // FCM data values are strings only: other JSON values travel as their JSON text. Herald's keys come last so
        // the message's data cannot overwrite them.
        ObjectNode data = m.putObject("data");
        JsonNode given = content.get("data");
        if (given != null && given.isObject()) {
            for (Map.Entry<String, JsonNode> e : given.properties()) {
                if (reserved(e.getKey()) || e.getValue().isNull()) continue;
                data.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
            }
        }
        data.put("deliveryId", deliveryId);
        if (deepLink != null) data.put("deepLink", deepLink);
        if (image != null) data.put("imageUrl", image);
        if (hasButtons) data.put("buttons", buttons.toString());

        ObjectNode android = m.putObject("android");
        if (collapseKey != null) android.put("collapse_key", collapseKey);
        if (ttl != null) android.put("ttl", ttl.toSeconds() + "s");
        android.put("priority", normal ? "NORMAL" : "HIGH");
        ObjectNode an = android.putObject("notification");
        String clickAction = credentials == null ? null : textOrNull(credentials, "androidClickAction");
        if (clickAction != null) an.put("click_action", clickAction);
        if (image != null) an.put("image", image);
        if (sound != null) an.put("sound", sound);
        if (collapseKey != null) an.put("tag", collapseKey);
        if (badge != null && badge.canConvertToInt()) an.put("notification_count", badge.intValue());
        if (an.isEmpty()) android.remove("notification");

        ObjectNode apns = m.putObject("apns");
        ObjectNode headers = apns.putObject("headers");
        if (collapseKey != null) headers.put("apns-collapse-id", collapseKey);
        headers.put("apns-priority", normal ? "5" : "10");
        if (ttl != null) headers.put("apns-expiration", String.valueOf(clock.instant().plus(ttl).getEpochSecond()));
        ObjectNode aps = apns.putObject("payload").putObject("aps");
        if (sound != null) aps.put("sound", sound);
        if (badge != null && badge.canConvertToInt()) aps.put("badge", badge.intValue());
        if (image != null) aps.put("mutable-content", 1);
        if (hasButtons) {
            StringBuilder category = new StringBuilder("herald"); // the same category names as the APNs provider's
            for (JsonNode b : buttons) category.append('.').append(b.path("id").asText());
            aps.put("category", category.toString());
        }
        if (collapseKey != null) aps.put("thread-id", collapseKey);
        if (normal) aps.put("interruption-level", "passive");
        if (image != null) apns.putObject("fcm_options").put("image", image);

        ObjectNode webpush = m.putObject("webpush");
        ObjectNode wh = webpush.putObject("headers");
        if (ttl != null) wh.put("TTL", String.valueOf(ttl.toSeconds()));
        wh.put("Urgency", normal ? "normal" : "high");
        // FCM takes only an https link for web notifications; an app deep link stays in data.
        if (deepLink != null && deepLink.startsWith("https://")) webpush.putObject("fcm_options").put("link", deepLink);
        return root;
    }

    private static boolean reserved(String key) {
        if (RESERVED_KEYS.contains(key)) return true;
        String lower = key.toLowerCase(java.util.Locale.ROOT);
        for (String p : RESERVED_PREFIXES) if (lower.startsWith(p)) return true;
        return false;
    }

    /** FCM's answer for one device as a push result (docs/channels.md "FCM's answers"). */
    PushResult result(HttpResponse<String> r, String workspaceId) {
        int status = r.statusCode();
        JsonNode json = json(r.body());
        if (status == 200) return new PushResult.Sent(json.path("name").asText(null));
        JsonNode error = json.path("error");
        String grpc = error.path("status").asText("");
        String message = error.path("message").asText("");
        String fcmCode = "";
        boolean aboutToken = false;
        for (JsonNode d : error.path("details")) {
            if (d.has("errorCode")) fcmCode = d.get("errorCode").asText();
            for (JsonNode v : d.path("fieldViolations")) {
                if (v.path("field").asText().equals("message.token")) aboutToken = true;
            }
        }
        String code = !fcmCode.isEmpty() ? fcmCode : !grpc.isEmpty() ? grpc : "http_" + status;
        String reason = message.isEmpty() ? code : code + ": " + message;
        // A 404 counts only with FCM's own error body: a wrong baseUrl answering 404 must not disable every device.
        if (fcmCode.equals("UNREGISTERED") || (status == 404 && grpc.equals("NOT_FOUND"))) {
            return new PushResult.TokenGone(reason);
        }
        if (fcmCode.equals("SENDER_ID_MISMATCH")) return new PushResult.TokenGone(reason); // another project's token
        if (status == 400 && (aboutToken || message.toLowerCase(java.util.Locale.ROOT).contains("registration token"))) {
            return new PushResult.TokenGone(reason);
        }
        if (status == 429 || status >= 500) {
            return new PushResult.Retry(reason, retryAfter(r.headers().firstValue("Retry-After").orElse(null), clock));
        }
        if (status == 401 || status == 403) {
            // A token FCM no longer takes (or an account without the messaging permission): the next send fetches a
            // fresh token. Whether it works then is up to the account, so this delivery fails with the reason.
            accounts.remove(workspaceId);
            return new PushResult.Rejected("fcm_auth_failed: " + reason + " (check the service account, its role "
                    + "and that the Firebase Cloud Messaging API is enabled for the project)");
        }
        return new PushResult.Rejected(reason);
    }

    /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value, InstantSource clock) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException ignored) {
            // an HTTP date then
        }
        try {
            Duration d = Duration.between(clock.instant(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static PushResult failure(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        // Not connected: nothing went out, so sending again cannot duplicate it.
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
            return new PushResult.Retry("fcm_connection_failed: " + e, null);
        }
        return new PushResult.Unknown("fcm_error: " + e);
    }

    private PushResult tokenFailure(String workspaceId, IOException e) {
        accounts.remove(workspaceId); // a fresh start next time, whatever the library's state after a failure
        if (e instanceof Retryable r && !r.isRetryable() && e.getCause() != null
                && e.getCause().getClass().getSimpleName().equals("HttpResponseException")) {
            return new PushResult.Rejected("invalid_credentials: the token endpoint refused the service account ("
                    + oneLine(e.getMessage()) + ")");
        }
        return new PushResult.Retry("fcm_token_unavailable: " + oneLine(e.getMessage()), null);
    }

    private static String oneLine(String s) {
        if (s == null) return "";
        String one = s.replaceAll("\\s+", " ").trim();
        return one.length() > 300 ? one.substring(0, 300) + "…" : one;
    }

    private static String authorization(Account account) throws IOException {
        // Cached by the library; it fetches a token when none is valid and refreshes ahead of expiry.
        Map<String, List<String>> metadata = account.google().getRequestMetadata(account.send());
        List<String> auth = metadata.get("Authorization");
        if (auth == null || auth.isEmpty()) throw new IOException("the auth library gave no Authorization header");
        return auth.get(0);
    }

    static final class BadCredentials extends Exception {
        BadCredentials(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The workspace's account, built on first use and rebuilt when its credentials change. */
    private Account account(String workspaceId, JsonNode credentials) throws BadCredentials {
        Account a = accounts.get(workspaceId);
        // The push channel hands the same credentials object until it re-reads them: identity first, content second.
        if (a != null && (a.source() == credentials || a.source().equals(credentials))) return a;
        Account fresh = new Account(credentials, google(credentials), sendUri(credentials), new CompletableFuture<>(),
                new AtomicBoolean());
        accounts.put(workspaceId, fresh);
        return fresh;
    }

    /** The service account's credentials, scoped for FCM, with retries left to Herald's dispatcher. */
    static ServiceAccountCredentials google(JsonNode credentials) throws BadCredentials {
        JsonNode account = credentials.path("serviceAccount");
        if (account.isTextual()) {
            try {
                account = EventCodec.mapper().readTree(account.textValue());
            } catch (IOException e) {
                throw new BadCredentials("serviceAccount is not JSON", e);
            }
        }
        if (!account.isObject()) throw new BadCredentials("serviceAccount is missing", null);
        // From the fields the grant needs, not fromStream: that one also insists on client_id and private_key_id,
        // which the token endpoint does not need and a trimmed copy of the file may lack.
        try {
            ServiceAccountCredentials c = ServiceAccountCredentials.fromPkcs8(textOrNull(account, "client_id"),
                    textOrNull(account, "client_email"), textOrNull(account, "private_key"),
                    textOrNull(account, "private_key_id"), List.of(SCOPE), null,
                    URI.create(account.path("token_uri").asText()));
            return c.toBuilder().setProjectId(textOrNull(account, "project_id")).setDefaultRetriesEnabled(false).build();
        } catch (IOException | RuntimeException e) {
            throw new BadCredentials("the service account does not load (" + oneLine(e.getMessage()) + ")", e);
        }
    }

    private static URI sendUri(JsonNode credentials) throws BadCredentials {
        String base = credentials.path("baseUrl").asText(DEFAULT_BASE_URL);
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        JsonNode account = credentials.path("serviceAccount");
        String project = account.isTextual() ? null : account.path("project_id").asText(null);
        if (project == null) {
            try {
                project = EventCodec.mapper().readTree(account.asText()).path("project_id").asText(null);
            } catch (IOException e) {
                project = null;
            }
        }
        if (project == null || project.isBlank()) throw new BadCredentials("serviceAccount.project_id is missing", null);
        try {
            return URI.create(base + "/v1/projects/" + java.net.URLEncoder.encode(project, StandardCharsets.UTF_8)
                    + "/messages:send");
        } catch (IllegalArgumentException e) {
            throw new BadCredentials("baseUrl is not a URL", e);
        }
    }

    /**
     * Fetches a token with these credentials once, for {@code PUT /channels/fcm?verify=true}: null when the token
     * endpoint issued one, else why not.
     */
    public static String verify(JsonNode credentials) {
        try {
            ServiceAccountCredentials c = google(credentials);
            c.refresh();
            return null;
        } catch (BadCredentials e) {
            return e.getMessage();
        } catch (IOException e) {
            return "the token endpoint did not issue a token for the service account (" + oneLine(e.getMessage()) + ")";
        }
    }

    private static JsonNode json(String body) {
        try {
            JsonNode n = body == null || body.isEmpty() ? null : EventCodec.mapper().readTree(body);
            return n == null ? EventCodec.mapper().createObjectNode() : n;
        } catch (IOException e) {
            return EventCodec.mapper().createObjectNode();
        }
    }

    private static String textOrNull(JsonNode content, String field) {
        JsonNode v = content.get(field);
        return v != null && v.isTextual() && !v.textValue().isEmpty() ? v.textValue() : null;
    }

    private static CompletableFuture<PushResult> done(PushResult r) {
        return CompletableFuture.completedFuture(r);
    }

    @Override
    public void close() {
        accounts.clear();
        http.close();
    }
}
