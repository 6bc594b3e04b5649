package io.herald.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.credential.Credentials;
import io.herald.error.ClientError;
import io.herald.workspace.Principal;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/push/webpush/key}: the workspace's VAPID public key, which the web SDK passes to
 * {@code pushManager.subscribe({applicationServerKey})}. Public by nature (browsers send it to the push service),
 * so the write key is enough.
 */
final class WebPushApi {
    private final Credentials credentials;
    private final Auth auth;

    WebPushApi(Credentials credentials, Auth auth) {
        this.credentials = credentials;
        this.auth = auth;
    }

    void key(Context ctx) {
        Principal p = auth.writeKeyOutsideBody(ctx);
        if (p == null) {
            throw new ClientError(401, "missing_key", "this API needs a write key (HTTP Basic username or ?writeKey=)", null);
        }
        Optional<JsonNode> creds = credentials.get(p.workspaceId(), "webpush");
        if (creds.isEmpty() || !creds.get().path("publicKey").isTextual()) {
            throw new ClientError(404, "webpush_not_configured", "this workspace has no web push (VAPID) keys; an admin "
                    + "sets them with PUT /api/v1/channels/webpush", null);
        }
        // Keys change rarely (and every subscription must then be renewed anyway): let browsers keep it a while.
        ctx.header("Cache-Control", "private, max-age=300");
        ctx.json(Map.of("publicKey", creds.get().get("publicKey").textValue()));
    }
}
