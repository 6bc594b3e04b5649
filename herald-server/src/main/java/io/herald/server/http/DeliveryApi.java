package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.TestSends;
import io.herald.delivery.WebhookSecrets;
import io.herald.event.EventCodec;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/**
 * The admin API's delivery endpoints: {@code POST /messages/test-send} and {@code GET /settings/webhooks}. Thin: parse,
 * call the service, shape.
 */
final class DeliveryApi {
    /** A message with its translations and variants fits well within this. */
    private static final int MAX_TEST_SEND_BODY = 256 * 1024;

    private final TestSends testSends;
    private final WebhookSecrets webhookSecrets;
    private final Auth auth;

    DeliveryApi(TestSends testSends, WebhookSecrets webhookSecrets, Auth auth) {
        this.testSends = testSends;
        this.webhookSecrets = webhookSecrets;
        this.auth = auth;
    }

    void testSend(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_TEST_SEND_BODY, "too_large", false);
        Dispatcher.Result r = testSends.send(p.workspaceId(), body.node());
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", r.id());
        o.put("status", r.status());
        if (r.reason() != null) o.put("reason", r.reason());
        o.set("content", r.content());
        AdminApi.json(ctx, o);
    }

    void webhookSettings(Context ctx) {
        Principal p = auth.adminKey(ctx);
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("signingSecret", webhookSecrets.signingSecret(p.workspaceId()));
        o.put("signatureHeader", "X-Herald-Signature");
        o.put("algorithm", "sha256=hex(HMAC-SHA256(signingSecret, request body))");
        o.put("idempotencyHeader", "Idempotency-Key");
        AdminApi.json(ctx, o);
    }
}
