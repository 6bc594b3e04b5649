package io.herald.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.workspace.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Tokens that are the only authority of a public route (unsubscribe links, tracked email links, provider status
 * callbacks): base64url(JSON claim) + "." + base64url(HMAC-SHA256 of that text), keyed by a key derived from the
 * master key for one purpose alone, so a token of one kind is never accepted as another.
 */
public final class SignedTokens {
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();

    /** Keyed once: the dispatcher signs a token for every delivery it renders. */
    private final Secrets.KeyedMac mac;
    private final int maxLength;

    /**
     * @param purpose   names the key derivation (changing it invalidates every token issued before)
     * @param maxLength longer than any token of this kind; longer input is refused unread
     */
    public SignedTokens(MasterKey master, String purpose, int maxLength) {
        this.mac = new Secrets.KeyedMac(master.derive(purpose));
        this.maxLength = maxLength;
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
        return mac.mac(payload.getBytes(StandardCharsets.US_ASCII));
    }
}
