package io.herald.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens that are the only authority of a public route (unsubscribe links, tracked email links, provider status
 * callbacks): base64url(JSON claim) + "." + base64url(HMAC-SHA256 of that text), keyed by a key derived from the
 * master key for one purpose alone, so a token of one kind is never accepted as another.
 */
public final class SignedTokens {
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;
    private final int maxLength;
    /**
     * A MAC keyed once, cloned for each token: looking the algorithm up and keying it cost more than the MAC itself,
     * and the dispatcher signs a token for every delivery it renders. Null when the provider's MAC cannot be cloned.
     */
    private final Mac keyed;

    /**
     * @param purpose   names the key derivation (changing it invalidates every token issued before)
     * @param maxLength longer than any token of this kind; longer input is refused unread
     */
    public SignedTokens(MasterKey master, String purpose, int maxLength) {
        this.key = new SecretKeySpec(master.derive(purpose), "HmacSHA256");
        this.maxLength = maxLength;
        Mac prototype;
        try {
            prototype = newMac();
            prototype.clone();
        } catch (CloneNotSupportedException e) {
            prototype = null;
        }
        this.keyed = prototype;
    }

    public String issue(ObjectNode claim) {
        String payload = ENC.encodeToString(claim.toString().getBytes(StandardCharsets.UTF_8));
        return payload + "." + ENC.encodeToString(mac(payload));
    }

    /** The claim of a token this server signed for this purpose; empty for anything else (malformed, tampered). */
    public Optional<JsonNode> verify(String token) {
        if (token == null || token.length() > maxLength) return Optional.empty();
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) return Optional.empty();
        String payload = token.substring(0, dot);
        // Compared as the text issued, not as decoded bytes: base64 decoders ignore a last character's unused bits,
        // so several spellings decode to one signature, and every altered token must be refused.
        byte[] expected = ENC.encodeToString(mac(payload)).getBytes(StandardCharsets.US_ASCII);
        byte[] given = token.substring(dot + 1).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, given)) return Optional.empty();
        try {
            JsonNode json = EventCodec.mapper().readTree(Base64.getUrlDecoder().decode(payload));
            return json != null && json.isObject() ? Optional.of(json) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty(); // signed by us yet unreadable: cannot happen unless the format changed
        }
    }

    private byte[] mac(String payload) {
        Mac mac;
        try {
            mac = keyed != null ? (Mac) keyed.clone() : newMac();
        } catch (CloneNotSupportedException e) {
            mac = newMac();
        }
        return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable in this JVM", e);
        }
    }
}
