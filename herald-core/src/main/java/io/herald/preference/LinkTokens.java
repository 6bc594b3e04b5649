package io.herald.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.credential.MasterKey;
import io.herald.event.EventCodec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed tokens in unsubscribe and preference-center links: base64url(JSON claim) + "." + base64url(HMAC-SHA256 of
 * that text), keyed by a key derived from the master key for this purpose alone. The token is the only authority
 * those public pages have, so verification is constant-time and refuses anything not signed by this server.
 * Tokens do not expire: an unsubscribe link must keep working for as long as the message is in someone's inbox.
 */
public final class LinkTokens {
    /** Longer than any token this class issues (ids and a topic key are bounded); longer input is refused unread. */
    public static final int MAX_LENGTH = 1024;
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;

    public LinkTokens(MasterKey master) {
        this.key = new SecretKeySpec(master.derive("preference-links/hmac-sha256"), "HmacSHA256");
    }

    /**
     * What a token says: whose preferences, the channel (and topic) its message came on, and the delivery (which
     * follows its person through a merge, when the person id in the token is gone).
     */
    public record Claim(String workspaceId, String personId, String channel, String topic, String deliveryId) {
    }

    public String issue(Claim claim) {
        ObjectNode json = EventCodec.mapper().createObjectNode();
        json.put("w", claim.workspaceId());
        json.put("p", claim.personId());
        if (claim.channel() != null) json.put("c", claim.channel());
        if (claim.topic() != null) json.put("t", claim.topic());
        if (claim.deliveryId() != null) json.put("d", claim.deliveryId());
        String payload = ENC.encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
        return payload + "." + ENC.encodeToString(mac(payload));
    }

    /** The claim of a token this server signed; empty for anything else (malformed, tampered, another key). */
    public Optional<Claim> verify(String token) {
        if (token == null || token.length() > MAX_LENGTH) return Optional.empty();
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
            String w = json.path("w").textValue();
            String p = json.path("p").textValue();
            if (w == null || p == null) return Optional.empty();
            return Optional.of(new Claim(w, p, json.path("c").textValue(), json.path("t").textValue(),
                    json.path("d").textValue()));
        } catch (Exception e) {
            return Optional.empty(); // signed by us yet unreadable: cannot happen unless the format changed
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
