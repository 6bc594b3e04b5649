package io.herald.push;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One workspace's VAPID identity (RFC 8292): signs the ES256 JWT a push service checks against the public key the
 * browser subscribed with, and builds the {@code Authorization: vapid t=…, k=…} header.
 *
 * <p>A token is valid for {@link #VALIDITY} and depends only on the push service's origin, so it is signed once per
 * audience and reused until less than {@link #RENEW_BEFORE} of it is left: signing costs an ECDSA operation, far
 * more than the message encryption's HMACs (see WebPushEncryptionBenchmark).
 */
public final class Vapid {
    /** How long a token is valid; RFC 8292 allows at most 24 hours. */
    public static final Duration VALIDITY = Duration.ofHours(12);
    /** A cached token is replaced once less than this is left, so none expires in flight or under clock skew. */
    public static final Duration RENEW_BEFORE = Duration.ofHours(1);
    /** Audiences kept at once; push services are few, so reaching this means something odd: start over. */
    private static final int MAX_AUDIENCES = 1024;
    private static final String HEADER = WebPushCrypto.base64url("{\"typ\":\"JWT\",\"alg\":\"ES256\"}"
            .getBytes(StandardCharsets.UTF_8));

    private final String subject;
    private final ECPrivateKey privateKey;
    private final String publicKey;
    private final InstantSource clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Token(String header, long renewAt) {
    }

    /**
     * @param subject   {@code mailto:} or {@code https:} contact for the push service's operators
     * @param publicKey the uncompressed P-256 point, base64url (the {@code k} parameter)
     */
    public Vapid(String subject, ECPrivateKey privateKey, String publicKey, InstantSource clock) {
        this.subject = subject;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.clock = clock;
    }

    /** The {@code Authorization} header for a request to {@code endpoint}, from the cache when still fresh. */
    public String authorization(URI endpoint) {
        String audience = audience(endpoint);
        long now = clock.millis();
        Token t = tokens.get(audience);
        if (t == null || now >= t.renewAt()) {
            if (tokens.size() >= MAX_AUDIENCES) tokens.clear();
            long exp = now / 1000 + VALIDITY.toSeconds();
            t = new Token("vapid t=" + jwt(audience, exp) + ", k=" + publicKey,
                    (exp - RENEW_BEFORE.toSeconds()) * 1000);
            tokens.put(audience, t);
        }
        return t.header();
    }

    /** A freshly signed JWT for {@code audience} expiring at {@code exp} (epoch seconds); never cached. */
    public String jwt(String audience, long exp) {
        String claims = "{\"aud\":" + quote(audience) + ",\"exp\":" + exp + ",\"sub\":" + quote(subject) + "}";
        String input = HEADER + "." + WebPushCrypto.base64url(claims.getBytes(StandardCharsets.UTF_8));
        try {
            // JWS ES256 wants the signature as raw R ‖ S (32 bytes each), not the DER SEQUENCE the plain
            // SHA256withECDSA gives: the P1363 variant is the JDK doing that conversion.
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(privateKey);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + WebPushCrypto.base64url(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ES256 signing failed: " + e.getMessage(), e);
        }
    }

    /** The push service's origin, the JWT's {@code aud}: scheme, host and a non-default port. */
    public static String audience(URI endpoint) {
        String scheme = endpoint.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = endpoint.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + endpoint.getHost().toLowerCase(java.util.Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    private static String quote(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }
}
