package io.herald.preference;

import java.util.Map;

/**
 * The links a message carries for its person: one-click unsubscribe and the hosted preference center, with signed
 * tokens. (Placeholder URLs; issue 5's preference center replaces the body, keeping this signature.)
 */
public final class Links {
    private final String publicUrl;

    /** @param publicUrl where people reach this Herald, e.g. {@code https://herald.example.com} (no trailing slash) */
    public Links(String publicUrl) {
        this.publicUrl = publicUrl;
    }

    /** {@code unsubscribeUrl} and {@code preferencesUrl} for a delivery (topic may be null). */
    public Map<String, String> forDelivery(String workspaceId, String personId, String deliveryId, String channel,
                                           String topic) {
        return Map.of("unsubscribeUrl", publicUrl + "/unsubscribe/pending", "preferencesUrl", publicUrl + "/preferences/pending");
    }
}
