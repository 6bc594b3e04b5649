package io.herald.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.inapp.InApp;
import io.herald.policy.Settings;
import io.herald.workspace.Principal;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * The in-app Client API (API.md "Client API"): a person's eligible messages, their live stream, and what they did
 * with a message; plus the admin's recall. Every client request carries the write key (Basic or ?writeKey=, since
 * EventSource cannot send headers) and an identity verified by {@link ClientIdentity}.
 */
final class InAppApi {
    static final int MAX_BODY = 16 * 1024;
    static final int MAX_ANSWERS = 50;
    static final int MAX_ANSWER_CHARS = 2000;

    private final Auth auth;
    private final ClientIdentity identity;
    private final InApp inApp;
    private final Settings settings;
    private final InAppStreams streams;

    InAppApi(Auth auth, ClientIdentity identity, InApp inApp, Settings settings) {
        this.auth = auth;
        this.identity = identity;
        this.inApp = inApp;
        this.settings = settings;
        this.streams = new InAppStreams(inApp.feed(), identity);
    }

    InAppStreams streams() {
        return streams;
    }

    /** {@code GET /v1/inapp/messages}: {@code {data, styles, lastEventId}}. */
    void messages(Context ctx) {
        ClientIdentity.Verified who = verified(ctx);
        InApp.Found found = inApp.listing(who.workspaceId(), who.kind(), who.value(), who.anonymousOnly());
        if (found.identified() && who.anonymousOnly()) throw ClientIdentity.identifiedAnonymous();
        InApp.Listing listing = found.listing();
        // Written as text around the styles' cached JSON: the same document, without serializing the styles (most
        // of the answer) again for every page view.
        StringBuilder out = new StringBuilder(2048).append("{\"data\":[");
        for (int i = 0; i < listing.data().size(); i++) {
            if (i > 0) out.append(',');
            out.append(listing.data().get(i));
        }
        out.append("],\"styles\":").append(settings.stylesJson(who.workspaceId()))
                .append(",\"lastEventId\":\"").append(listing.lastEventId()).append("\"}");
        // Straight to the response, with its length: a result handed to Javalin is copied out of an input stream
        // through a new 8 KB buffer per request.
        byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
        ctx.contentType("application/json");
        ctx.res().setContentLength(body.length);
        try {
            ctx.res().getOutputStream().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException("the page's connection failed while its list was written", e);
        }
    }

    /** {@code GET /v1/inapp/stream}: text/event-stream, resuming after Last-Event-ID (header or ?lastEventId=). */
    void stream(Context ctx) {
        ClientIdentity.Who who = who(ctx);
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new ClientError(406, "not_acceptable", "this endpoint answers text/event-stream; send "
                    + "Accept: text/event-stream (EventSource does)", null);
        }
        String header = ctx.header("Last-Event-ID");
        String raw = header != null && !header.isBlank() ? header : QueryParams.first(ctx, "lastEventId");
        Long lastEventId = null;
        if (raw != null && !raw.isBlank()) {
            String field = header != null && !header.isBlank() ? "Last-Event-ID" : "lastEventId";
            try {
                lastEventId = Long.parseLong(raw.trim());
            } catch (NumberFormatException e) {
                throw ClientError.invalid(field, field + " must be an event id this stream sent (a whole number)");
            }
            if (lastEventId < 0) throw ClientError.invalid(field, field + " must not be negative");
        }
        String sessionId = query(ctx, "sessionId");
        streams.open(ctx, who, lastEventId, sessionId, settings.stylesJson(who.workspaceId()));
    }

    /** {@code POST /v1/inapp/events}. */
    void event(Context ctx) {
        Principal p = writeKey(ctx);
        JsonNode body = Bodies.readJson(ctx, MAX_BODY, "body_too_large", true).node();
        if (!body.isObject()) throw ClientError.invalid("body", "the body must be a JSON object");
        String deliveryId = EngagementApi.text(body, "deliveryId");
        String type = EngagementApi.text(body, "type");
        if (deliveryId == null) throw ClientError.missing("deliveryId");
        if (type == null) throw ClientError.missing("type");
        if (!InApp.EVENT_TYPES.contains(type)) {
            throw ClientError.invalid("type", "type must be shown, clicked, dismissed, submitted or step");
        }
        String buttonId = EngagementApi.text(body, "buttonId");
        Integer step = null;
        JsonNode s = body.get("step");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || s.asLong() < 1 || s.asLong() > 100) {
                throw ClientError.invalid("step", "step must be a whole number from 1 to 100 (the message step, counting from 1 as step:N actions do)");
            }
            step = s.intValue();
        }
        if (type.equals("step") && step == null) throw ClientError.missing("step");
        ObjectNode answers = answers(body.get("answers"));
        if (answers != null && !type.equals("submitted")) {
            throw ClientError.invalid("answers", "answers go with a submitted event only");
        }
        String sessionId = EngagementApi.text(body, "sessionId");
        ClientIdentity.Who who = identity.resolve(p.workspaceId(), EngagementApi.text(body, "userId"),
                EngagementApi.text(body, "anonymousId"), EngagementApi.text(body, "userHash"));
        inApp.report(p.workspaceId(), who.personId(), who.anonymousOnly(), new InApp.Report(deliveryId, type, buttonId,
                step, answers, sessionId, who.userId(), who.anonymousId()));
        ctx.json(Map.of("success", true));
    }

    /** {@code POST /api/v1/deliveries/{deliveryId}/recall} (admin). */
    void recall(Context ctx) {
        Principal p = auth.adminKey(ctx);
        InApp.Recalled r = inApp.recall(p.workspaceId(), ctx.pathParam("deliveryId"));
        ctx.json(Map.of("id", r.id(), "status", r.status()));
    }

    private static ObjectNode answers(JsonNode a) {
        if (a == null || a.isNull()) return null;
        if (!a.isObject()) throw ClientError.invalid("answers", "answers must be an object {blockId: value}");
        if (a.size() > MAX_ANSWERS) throw ClientError.invalid("answers", "answers hold at most " + MAX_ANSWERS + " values");
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = "answers." + e.getKey();
            if (e.getKey().isEmpty() || e.getKey().length() > 64) throw ClientError.invalid(f, "answer ids are 1 to 64 characters");
            JsonNode v = e.getValue();
            if (v.isArray()) {
                if (v.size() > 20) throw ClientError.invalid(f, f + " holds at most 20 choices");
                for (JsonNode x : v) {
                    if (!x.isTextual() || x.textValue().length() > 200) {
                        throw ClientError.invalid(f, f + " must list choices as strings of at most 200 characters");
                    }
                }
            } else if (v.isTextual()) {
                if (v.textValue().length() > MAX_ANSWER_CHARS) {
                    throw ClientError.invalid(f, f + " is longer than " + MAX_ANSWER_CHARS + " characters");
                }
            } else if (!v.isNumber() && !v.isBoolean() && !v.isNull()) {
                throw ClientError.invalid(f, f + " must be a string, number, boolean or a list of choices");
            }
        }
        return (ObjectNode) a;
    }

    private Principal writeKey(Context ctx) {
        Principal p = auth.writeKeyOutsideBody(ctx);
        if (p == null) {
            throw new ClientError(401, "missing_key", "this API needs a write key (HTTP Basic username or ?writeKey=)", null);
        }
        return p;
    }

    /** The query's write key and proven ids (the list finds their person itself, in the statement it reads with). */
    private ClientIdentity.Verified verified(Context ctx) {
        Principal p = writeKey(ctx);
        return identity.verify(p.workspaceId(), query(ctx, "userId"), query(ctx, "anonymousId"), query(ctx, "userHash"));
    }

    private ClientIdentity.Who who(Context ctx) {
        return identity.resolve(verified(ctx));
    }

    private static String query(Context ctx, String name) {
        String v = QueryParams.first(ctx, name);
        if (v == null) return null;
        if (v.isEmpty()) throw ClientError.invalid(name, name + " must not be empty");
        if (v.length() > 256) throw ClientError.invalid(name, name + " is longer than 256 characters");
        return v;
    }
}
