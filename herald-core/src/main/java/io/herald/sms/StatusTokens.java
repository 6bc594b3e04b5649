package io.herald.sms;

import io.herald.credential.MasterKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token in a status callback URL: base64url("workspaceId\ndeliveryId") + "." + base64url(HMAC-SHA256), keyed by
 * a key derived from the master key for this purpose alone. The callback route is public (the provider calls it), so
 * this token is its only authority: whoever cannot forge it cannot move a delivery's status.
 */
public final class StatusTokens {
    public static final int MAX_LENGTH = 512;
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;

    public StatusTokens(MasterKey master) {
        this.key = new SecretKeySpec(master.derive("message-status-callbacks/hmac-sha256"), "HmacSHA256");
    }

    /** Whose delivery a token names. */
    public record Claim(String workspaceId, String deliveryId) {
    }

    public String issue(String workspaceId, String deliveryId) {
        String payload = ENC.encodeToString((workspaceId + "\n" + deliveryId).getBytes(StandardCharsets.UTF_8));
        return payload + "." + ENC.encodeToString(mac(payload));
    }

    /** The claim of a token this server signed; empty for anything else. */
    public Optional<Claim> verify(String token) {
        if (token == null || token.length() > MAX_LENGTH) return Optional.empty();
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) return Optional.empty();
        String payload = token.substring(0, dot);
        // Compared as issued text (see LinkTokens): several base64 spellings decode alike, and each must be refused.
        byte[] expected = ENC.encodeToString(mac(payload)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, token.substring(dot + 1).getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            if (nl <= 0) return Optional.empty();
            return Optional.of(new Claim(text.substring(0, nl), text.substring(nl + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
        }
    }
}
