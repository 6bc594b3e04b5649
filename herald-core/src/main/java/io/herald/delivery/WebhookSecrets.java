package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Secrets;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each workspace's webhook signing secret: generated on first use and kept in {@code workspace_settings} (kind
 * {@code webhooks}, {@code {"signingSecret": "..."}}), so receivers can verify {@code X-Herald-Signature}.
 */
public final class WebhookSecrets {
    static final String KIND = "webhooks";

    private final Database db;
    private final InstantSource clock;
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    public WebhookSecrets(Database db, InstantSource clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The workspace's signing secret, created now if it has none. */
    public String signingSecret(String workspaceId) {
        String cached = cache.get(workspaceId);
        if (cached != null) return cached;
        String stored = db.inTransaction(c -> {
            // Two first uses at once: the insert that loses does nothing, and both read the winner's secret.
            String fresh = EventCodec.mapper().createObjectNode().put("signingSecret", Secrets.generate("whsec_")).toString();
            Sql.update(c, "INSERT INTO workspace_settings (workspace_id, kind, value, updated_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (workspace_id, kind) DO NOTHING", workspaceId, KIND, fresh, clock.millis());
            return Sql.queryOne(c, "SELECT value FROM workspace_settings WHERE workspace_id = ? AND kind = ?",
                    rs -> rs.getString(1), workspaceId, KIND).orElseThrow();
        });
        String secret;
        try {
            JsonNode doc = EventCodec.mapper().readTree(stored);
            secret = doc.path("signingSecret").asText(null);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt webhook settings of workspace " + workspaceId, e);
        }
        if (secret == null || secret.isEmpty()) {
            throw new IllegalStateException("the webhook settings of workspace " + workspaceId + " hold no signingSecret");
        }
        cache.put(workspaceId, secret);
        return secret;
    }

    /** {@code sha256=<hex HMAC-SHA256 of the body>}, the value of {@code X-Herald-Signature}. */
    public static String signature(String secret, String body) {
        return "sha256=" + Secrets.hmacSha256Hex(secret, body);
    }
}
