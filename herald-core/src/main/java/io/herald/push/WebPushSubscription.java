package io.herald.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A browser's PushSubscription as the web SDK registers it (the device token of provider {@code webpush}):
 * {@code {"endpoint": "https://…", "keys": {"p256dh": "<base64url point>", "auth": "<base64url 16 bytes>"}}}.
 *
 * @param endpoint the push service URL Herald POSTs the message to
 * @param p256dh   the browser's P-256 public key, an uncompressed point
 * @param auth     the browser's 16-byte authentication secret
 */
public record WebPushSubscription(URI endpoint, byte[] p256dh, byte[] auth) {
    /**
     * Lets subscriptions name {@code http:} endpoints and loopback or private addresses (a push service on a private
     * network, tests); off by default, as every real push service is public HTTPS, and a write key is public: without
     * this anyone could make Herald POST to hosts inside its network. System property, or the environment variable
     * HERALD_WEBPUSH_ALLOW_HTTP.
     */
    public static final String ALLOW_HTTP_PROPERTY = "herald.webpush.allowHttp";

    /** Whether {@code http:} endpoints are accepted (see {@link #ALLOW_HTTP_PROPERTY}). */
    public static boolean httpAllowed() {
        return Boolean.parseBoolean(System.getProperty(ALLOW_HTTP_PROPERTY, System.getenv("HERALD_WEBPUSH_ALLOW_HTTP")));
    }

    /**
     * Reads a subscription's JSON text, or throws a 400 {@link ClientError} naming the faulty field under
     * {@code field} (e.g. {@code token.keys.auth}).
     */
    public static WebPushSubscription parse(String json, String field) {
        JsonNode n;
        try {
            n = EventCodec.mapper().readTree(json);
        } catch (IOException e) {
            n = null;
        }
        if (n == null || !n.isObject()) {
            throw ClientError.invalid(field, field + " must be the browser's PushSubscription as JSON: {\"endpoint\", "
                    + "\"keys\": {\"p256dh\", \"auth\"}}");
        }
        JsonNode e = n.get("endpoint");
        if (e == null || !e.isTextual() || e.textValue().isBlank()) throw ClientError.missing(field + ".endpoint");
        URI endpoint;
        try {
            endpoint = new URI(e.textValue());
        } catch (URISyntaxException ex) {
            endpoint = null;
        }
        boolean relaxed = httpAllowed();
        boolean http = endpoint != null && "http".equals(endpoint.getScheme()) && relaxed;
        if (endpoint == null || endpoint.getHost() == null || !("https".equals(endpoint.getScheme()) || http)
                || endpoint.getRawUserInfo() != null) {
            throw ClientError.invalid(field + ".endpoint", field + ".endpoint must be the push service's https URL");
        }
        if (!relaxed && internal(endpoint.getHost())) {
            throw ClientError.invalid(field + ".endpoint", field + ".endpoint must be a public push service, not a "
                    + "loopback or private address");
        }
        JsonNode keys = n.get("keys");
        if (keys == null || !keys.isObject()) throw ClientError.missing(field + ".keys");
        byte[] p256dh = bytes(keys, "p256dh", field + ".keys.p256dh");
        try {
            WebPushCrypto.publicKey(p256dh);
        } catch (IllegalArgumentException ex) {
            throw ClientError.invalid(field + ".keys.p256dh", field + ".keys.p256dh must be a P-256 public key (an "
                    + "uncompressed point of 65 bytes, base64url): " + ex.getMessage());
        }
        byte[] auth = bytes(keys, "auth", field + ".keys.auth");
        if (auth.length != 16) {
            throw ClientError.invalid(field + ".keys.auth", field + ".keys.auth must be 16 bytes in base64url, not "
                    + auth.length);
        }
        return new WebPushSubscription(endpoint, p256dh, auth);
    }

    /** A host that is loopback, private or link-local by its name or its literal address (no DNS lookup). */
    private static boolean internal(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal")) return true;
        boolean literal = h.startsWith("[") || h.matches("[0-9.]+");
        if (!literal) return false;
        try {
            java.net.InetAddress a = java.net.InetAddress.getByName(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
            return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                    || (a instanceof java.net.Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc); // unique local fc00::/7
        } catch (java.net.UnknownHostException e) {
            return true; // not an address after all: refuse rather than guess
        }
    }

    private static byte[] bytes(JsonNode keys, String name, String field) {
        JsonNode v = keys.get(name);
        if (v == null || !v.isTextual() || v.textValue().isBlank()) throw ClientError.missing(field);
        try {
            return WebPushCrypto.fromBase64url(v.textValue());
        } catch (IllegalArgumentException ex) {
            throw ClientError.invalid(field, field + " must be base64url");
        }
    }
}
