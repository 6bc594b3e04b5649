package io.herald.preference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.credential.MasterKey;
import io.herald.credential.SignedTokens;
import io.herald.event.EventCodec;
import java.util.Optional;

/**
 * Signed tokens in unsubscribe and preference-center links ({@link SignedTokens}, a key of their own). The token is the only authority
 * those public pages have, so verification is constant-time and refuses anything not signed by this server.
 * Tokens do not expire: an unsubscribe link must keep working for as long as the message is in someone's inbox.
 */
public final class LinkTokens {
    /** Longer than any token this class issues (ids and a topic key are bounded); longer input is refused unread. */
    public static final int MAX_LENGTH = 1024;

    private final SignedTokens tokens;

    public LinkTokens(MasterKey master) {
        this.tokens = new SignedTokens(master, "preference-links/hmac-sha256", MAX_LENGTH);
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
        return tokens.issue(json);
    }

    /** The claim of a token this server signed; empty for anything else (malformed, tampered, another key). */
    public Optional<Claim> verify(String token) {
        return tokens.verify(token).flatMap(json -> {
            String w = json.path("w").textValue();
            String p = json.path("p").textValue();
            if (w == null || p == null) return Optional.empty();
            return Optional.of(new Claim(w, p, json.path("c").textValue(), json.path("t").textValue(),
                    json.path("d").textValue()));
        });
    }
}
