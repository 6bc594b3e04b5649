package io.herald.preference;

import io.herald.credential.MasterKey;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The links a message carries for its person: one-click unsubscribe ({@code {base}/u/{token}}) and the hosted
 * preference center ({@code {base}/preferences/{token}}), both with the same signed token ({@link LinkTokens}).
 */
public final class Links {
    private final Supplier<String> publicUrl;
    private final LinkTokens tokens;

    /**
     * Links signed with a key of this instance alone: well-formed, but no server accepts them. For tests and tools
     * that need the shape of a link only; a server uses {@link #Links(Supplier, LinkTokens)}.
     *
     * @param publicUrl where people reach this Herald, e.g. {@code https://herald.example.com} (no trailing slash)
     */
    public Links(String publicUrl) {
        this(() -> publicUrl, new LinkTokens(MasterKey.generate(new SecureRandom())));
    }

    /**
     * @param publicUrl where people reach this Herald (no trailing slash); asked at each link, since a server on a
     *                  port picked at start knows its address only then
     */
    public Links(Supplier<String> publicUrl, LinkTokens tokens) {
        this.publicUrl = publicUrl;
        this.tokens = tokens;
    }

    /** {@code unsubscribeUrl} and {@code preferencesUrl} for a delivery (topic may be null). */
    public Map<String, String> forDelivery(String workspaceId, String personId, String deliveryId, String channel,
                                           String topic) {
        String token = tokens.issue(new LinkTokens.Claim(workspaceId, personId, channel, topic, deliveryId));
        String base = publicUrl.get();
        return Map.of("unsubscribeUrl", base + "/u/" + token, "preferencesUrl", base + "/preferences/" + token);
    }

    /**
     * The headers an email carries so mail clients offer one-click unsubscribe (RFC 2369 and RFC 8058): the client
     * POSTs {@code List-Unsubscribe=One-Click} to the URL, which unsubscribes without a page in between.
     */
    public static Map<String, String> emailHeaders(String unsubscribeUrl) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("List-Unsubscribe", "<" + unsubscribeUrl + ">");
        h.put("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        return h;
    }
}
