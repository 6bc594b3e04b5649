package io.herald.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.DeliveryProgress;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.sms.StatusCallbacks;
import io.herald.store.Database;
import io.herald.workspace.Principal;
import io.herald.workspace.Workspaces;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What happens to messages after they left: push engagement reported by the person's device
 * ({@code POST /v1/push/events}) and delivery reports from Messages-API providers
 * ({@code POST /v1/providers/messages/status/{token}}).
 */
final class EngagementApi {
    static final int MAX_BODY = 4 * 1024;
    static final int MAX_FORM = 16 * 1024;
    private static final Set<String> PUSH_EVENTS = Set.of("delivered", "opened", "dismissed");
    private static final int MAX_ID = 256;

    private final Auth auth;
    private final ClientIdentity identity;
    private final DeliveryProgress progress;
    private final StatusCallbacks callbacks;

    EngagementApi(Auth auth, Workspaces workspaces, Database db, DeliveryProgress progress, StatusCallbacks callbacks) {
        this.auth = auth;
        this.identity = new ClientIdentity(workspaces, db);
        this.progress = progress;
        this.callbacks = callbacks;
    }

    /**
     * {@code POST /v1/push/events}: the write key (Basic or ?writeKey=) names the workspace; a userId must come with
     * its userHash, an anonymousId acts only for a person nobody has identified; the delivery must be a push
     * delivery of that person, else 404 (another person's delivery is not even confirmed to exist).
     */
    void pushEvent(Context ctx) {
        Principal p = auth.writeKeyOutsideBody(ctx);
        if (p == null) {
            throw new ClientError(401, "missing_key", "this API needs a write key (HTTP Basic username or ?writeKey=)", null);
        }
        JsonNode body = Bodies.readJson(ctx, MAX_BODY, "body_too_large", true).node();
        if (!body.isObject()) throw ClientError.invalid("body", "the body must be a JSON object");
        String userId = text(body, "userId");
        String anonymousId = text(body, "anonymousId");
        String deliveryId = text(body, "deliveryId");
        String event = body.has("event") ? text(body, "event") : text(body, "type"); // API.md spells it "type"
        String actionId = text(body, "actionId");
        if (deliveryId == null) throw ClientError.missing("deliveryId");
        if (event == null) throw ClientError.missing("event");
        if (!PUSH_EVENTS.contains(event)) {
            throw ClientError.invalid("event", "event must be delivered, opened or dismissed");
        }
        if (actionId != null && !event.equals("opened")) {
            throw ClientError.invalid("actionId", "actionId goes with an opened event only");
        }
        ClientIdentity.Who who = identity.resolve(p.workspaceId(), userId, anonymousId, text(body, "userHash"));
        if (who.personId() == null) throw ClientError.notFound("person " + who.value());
        String personId = who.personId();
        Optional<DeliveryProgress.Row> row = progress.find(p.workspaceId(), deliveryId);
        if (row.isEmpty() || !row.get().personId().equals(personId) || !row.get().channel().equals("push")) {
            throw ClientError.notFound("delivery " + deliveryId);
        }
        ObjectNode extra = null;
        if (actionId != null) {
            extra = EventCodec.mapper().createObjectNode();
            extra.put("actionId", actionId);
        }
        progress.report(p.workspaceId(), deliveryId, event, null, extra);
        ctx.json(Map.of("success", true));
    }

    /** A string field of a client body: absent or null is null; otherwise a non-empty string of at most 256. */
    static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ClientError.invalid(field, field + " must be a string");
        String s = v.textValue();
        if (s.isEmpty()) throw ClientError.invalid(field, field + " must not be empty");
        if (s.length() > MAX_ID) throw ClientError.invalid(field, field + " is longer than " + MAX_ID + " characters");
        return s;
    }

    /** {@code POST /v1/providers/messages/status/{token}}: the signed token is the only authority. */
    void messageStatus(Context ctx) {
        if (ctx.req().getContentLengthLong() > MAX_FORM) {
            throw new ClientError(413, "body_too_large", "a status callback is at most " + MAX_FORM + " bytes", null);
        }
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new ClientError(415, "unsupported_media_type", "a status callback is form-encoded "
                    + "(application/x-www-form-urlencoded)", null);
        }
        Map<String, String> form = new HashMap<>();
        for (Map.Entry<String, List<String>> e : ctx.formParamMap().entrySet()) {
            if (!e.getValue().isEmpty()) form.put(e.getKey(), e.getValue().get(0));
        }
        StatusCallbacks.Result r = callbacks.handle(ctx.pathParam("token"), form);
        if (r == StatusCallbacks.Result.UNKNOWN_TOKEN) throw ClientError.notFound("status callback");
        ctx.status(204);
    }
}
