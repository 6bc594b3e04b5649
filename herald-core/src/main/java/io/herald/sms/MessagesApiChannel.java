package io.herald.sms;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.delivery.Channel;
import io.herald.delivery.Channels;
import io.herald.delivery.Outbound;
import io.herald.delivery.Outcome;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The {@code sms} and {@code whatsapp} channels (one instance each) through a provider speaking the widely used
 * Messages API: {@code POST {baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json}, HTTP Basic
 * {@code accountSid:authToken}, a form body {@code To, From, Body, MediaUrl?, StatusCallback}. The workspace's
 * credentials ({@code accountSid, authToken, from, baseUrl?}) choose the account; the person's {@code phone} attribute
 * (E.164) is the recipient, and a person without one fails with {@code no_phone}.
 *
 * <p>2xx is sent (the provider's message sid is kept); 429, 5xx, timeouts and connection failures are retried
 * (honoring {@code Retry-After}); any other 4xx is rejected with the provider's error code and message; any other
 * failure while the request was in flight is unknown (the text may have gone out, so it is never re-sent).
 * Delivery reports come back to {@code {publicUrl}/v1/providers/messages/status/{token}} ({@link StatusCallbacks}).
 */
public final class MessagesApiChannel implements Channel, AutoCloseable {
    public static final String DEFAULT_BASE_URL = "https://api.twilio.com";
    public static final String NO_PHONE = "no_phone";
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int SNIPPET = 200;

    private final String name;
    private final Database db;
    private final BiFunction<String, String, Optional<JsonNode>> credentials;
    private final StatusTokens tokens;
    private final Supplier<String> publicUrl;
    private final InstantSource clock;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    /**
     * @param name        {@code sms} or {@code whatsapp}
     * @param credentials the workspace's decrypted credentials per channel ({@code Credentials::get})
     * @param publicUrl   Herald's public base URL, where the provider posts status callbacks
     */
    public MessagesApiChannel(String name, Database db, BiFunction<String, String, Optional<JsonNode>> credentials,
                              StatusTokens tokens, Supplier<String> publicUrl, InstantSource clock) {
        if (!name.equals("sms") && !name.equals("whatsapp")) throw new IllegalArgumentException("sms or whatsapp, not " + name);
        this.name = name;
        this.db = db;
        this.credentials = credentials;
        this.tokens = tokens;
        this.publicUrl = publicUrl;
        this.clock = clock;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).executor(executor).build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<Outcome> send(Outbound d) {
        Optional<JsonNode> found;
        try {
            found = credentials.apply(d.workspaceId(), name);
        } catch (RuntimeException e) { // unreadable under this master key: an operator can fix it, so not final
            return done(new Outcome.Retry("credentials_unreadable", null));
        }
        if (found.isEmpty()) return done(new Outcome.Rejected(Channels.NO_PROVIDER));
        JsonNode creds = found.get();
        String phone = phoneOf(d.workspaceId(), d.personId());
        if (phone == null) return done(new Outcome.Rejected(NO_PHONE));
        String sid = creds.path("accountSid").asText("");
        String base = creds.path("baseUrl").asText(DEFAULT_BASE_URL);
        if (base.isBlank()) base = DEFAULT_BASE_URL;
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        Map<String, String> form = new LinkedHashMap<>();
        form.put("To", address(phone));
        String from = creds.path("from").asText("");
        // A messaging service picks the sender itself: it goes as MessagingServiceSid, not From.
        if (from.matches("MG[0-9a-fA-F]{32}")) form.put("MessagingServiceSid", from);
        else form.put("From", address(from));
        form.put("Body", d.content().path("body").asText(""));
        String media = d.content().path("mediaUrl").asText(null);
        if (media != null && !media.isBlank()) form.put("MediaUrl", media);
        form.put("StatusCallback", stripSlash(publicUrl.get()) + "/v1/providers/messages/status/"
                + tokens.issue(d.workspaceId(), d.deliveryId()));
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(base + "/2010-04-01/Accounts/"
                            + URLEncoder.encode(sid, StandardCharsets.UTF_8) + "/Messages.json"))
                    .timeout(TIMEOUT)
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((sid + ":"
                            + creds.path("authToken").asText("")).getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    // Providers that deduplicate by this header drop a repeat after a lost answer.
                    .header("I-Twilio-Idempotency-Token", d.idempotencyKey())
                    .POST(HttpRequest.BodyPublishers.ofString(encode(form))).build();
        } catch (IllegalArgumentException e) {
            return done(new Outcome.Rejected("invalid_base_url"));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(this::answer)
                .exceptionally(MessagesApiChannel::failure);
    }

    private Outcome answer(HttpResponse<String> r) {
        int code = r.statusCode();
        JsonNode json = parse(r.body());
        if (code >= 200 && code < 300) return new Outcome.Sent(json.path("sid").asText(null));
        if (code == 429 || code >= 500) {
            return new Outcome.Retry("http_" + code, retryAfter(r.headers().firstValue("Retry-After").orElse(null)));
        }
        String message = json.path("message").asText("");
        if (message.isEmpty()) message = snippet(r.body());
        String providerCode = json.hasNonNull("code") ? " " + json.get("code").asText() : "";
        return new Outcome.Rejected("http_" + code + providerCode + (message.isEmpty() ? "" : ": " + message));
    }

    private static Outcome failure(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
            return new Outcome.Retry("connection_failed", null);
        }
        // The request went out and no answer came: the text may have been sent, so it must not be sent again.
        if (e instanceof HttpTimeoutException) return new Outcome.Unknown("timeout");
        if (e instanceof IOException) return new Outcome.Unknown("connection_lost: " + e.getMessage());
        return new Outcome.Unknown(name(e));
    }

    private static String name(Throwable e) {
        return "provider_error: " + e;
    }

    /** The person's {@code phone} attribute, or null when missing or not a phone number. */
    private String phoneOf(String workspaceId, String personId) {
        String attributes = db.read(c -> Sql.queryOne(c, "SELECT attributes FROM persons WHERE workspace_id = ? AND id = ?",
                rs -> rs.getString(1), workspaceId, personId)).orElse(null);
        if (attributes == null) return null;
        try {
            JsonNode phone = EventCodec.mapper().readTree(attributes).path("phone");
            String p = phone.isTextual() ? phone.textValue().strip() : null;
            if (p == null || p.isEmpty()) return null;
            if (name.equals("whatsapp") && p.startsWith("whatsapp:")) p = p.substring("whatsapp:".length());
            return p.matches("\\+[1-9][0-9]{6,14}") ? p : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** WhatsApp addresses are {@code whatsapp:+E164}; the prefix is added when the credentials or phone lack it. */
    private String address(String number) {
        if (name.equals("whatsapp") && !number.startsWith("whatsapp:")) return "whatsapp:" + number;
        return number;
    }

    private Duration retryAfter(String value) {
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

    private static JsonNode parse(String body) {
        try {
            JsonNode n = body == null || body.isEmpty() ? null : EventCodec.mapper().readTree(body);
            return n == null ? EventCodec.mapper().createObjectNode() : n;
        } catch (IOException e) {
            return EventCodec.mapper().createObjectNode();
        }
    }

    private static String snippet(String body) {
        if (body == null) return "";
        String s = body.replaceAll("\\s+", " ").strip();
        return s.length() > SNIPPET ? s.substring(0, SNIPPET) : s;
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
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
