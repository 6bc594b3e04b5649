package io.herald.sms;

import io.herald.credential.MasterKey;
import io.herald.credential.SignedTokens;
import io.herald.event.EventCodec;
import java.util.Optional;

/**
 * The token in a status callback URL ({@link SignedTokens}, a key of its own), naming the workspace and the
 * delivery. The callback route is public (the provider calls it), so this token is its only authority: whoever
 * cannot forge it cannot move a delivery's status.
 */
public final class StatusTokens {
    public static final int MAX_LENGTH = 512;

    private final SignedTokens tokens;

    public StatusTokens(MasterKey master) {
        this.tokens = new SignedTokens(master, "message-status-callbacks/hmac-sha256", MAX_LENGTH);
    }

    /** Whose delivery a token names. */
    public record Claim(String workspaceId, String deliveryId) {
    }

    public String issue(String workspaceId, String deliveryId) {
        return tokens.issue(EventCodec.mapper().createObjectNode().put("w", workspaceId).put("d", deliveryId));
    }

    /** The claim of a token this server signed; empty for anything else. */
    public Optional<Claim> verify(String token) {
        return tokens.verify(token).flatMap(json -> {
            String w = json.path("w").textValue();
            String d = json.path("d").textValue();
            return w == null || d == null ? Optional.empty() : Optional.of(new Claim(w, d));
        });
    }
}
