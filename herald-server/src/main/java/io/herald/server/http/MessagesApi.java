package io.herald.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.message.MessageParser;
import io.herald.message.RenderContext;
import io.herald.message.RenderFailure;
import io.herald.message.Rendered;
import io.herald.message.Renderer;
import io.herald.person.People;
import io.herald.person.Person;
import io.herald.workspace.Principal;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /api/v1/messages/preview}: a message rendered for a person (or for nobody), with the undefined
 * variables it met and the variant it chose — what an author checks before saving. Nothing is stored or sent.
 */
final class MessagesApi {
    /** A message is at most 512 KB as JSON; the request around it a little more. */
    private static final int MAX_BODY = 600 * 1024;
    private static final Set<String> FIELDS = Set.of("channel", "message", "userId", "event", "locale");

    private final People people;
    private final Auth auth;
    private final Renderer renderer = new Renderer();

    MessagesApi(People people, Auth auth) {
        this.people = people;
        this.auth = auth;
    }

    void preview(Context ctx) {
        Principal p = auth.adminKey(ctx);
        JsonNode body = Bodies.readJson(ctx, MAX_BODY, "too_large", false).node();
        if (!body.isObject()) throw ClientError.invalid(null, "the body must be a JSON object {channel, message, userId?, event?, locale?}");
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw ClientError.invalid(f, "unknown field " + f);
        }
        JsonNode channel = body.get("channel");
        if (channel == null || channel.isNull()) throw ClientError.missing("channel");
        if (!channel.isTextual()) throw ClientError.invalid("channel", "channel must be one of push, in_app, email, sms, whatsapp, webhook");
        JsonNode message = body.get("message");
        MessageParser.parse(channel.textValue(), message, "message");
        String locale = text(body, "locale", 35);
        String userId = text(body, "userId", 500);

        Map<String, Object> person = new HashMap<>();
        String timezone = null;
        String personLocale = null;
        if (userId != null) {
            Person who = people.byUserId(p.workspaceId(), userId).orElseThrow(() -> ClientError.notFound("person " + userId));
            person.putAll(EventCodec.mapper().convertValue(who.attributes(), Map.class));
            person.put("userId", who.userId());
            person.put("timezone", who.timezone());
            person.put("locale", who.locale());
            timezone = who.timezone();
            personLocale = who.locale();
        }
        Map<String, Object> event = RenderContext.eventView(event(body.get("event")));
        Map<String, Object> delivery = new LinkedHashMap<>();
        delivery.put("id", "preview");
        delivery.put("unsubscribeUrl", "/unsubscribe/preview");
        delivery.put("preferencesUrl", "/preferences/preview");
        RenderContext context = new RenderContext(person, event, Map.of(), Map.of("id", "preview", "name", "Preview"),
                delivery, locale != null ? locale : personLocale, timezone, userId != null ? userId : "preview");
        // A strict message would fail on an undefined variable; the preview shows it and lists the variable.
        ObjectNode lenient = ((ObjectNode) message).deepCopy();
        lenient.remove("strict");
        Rendered r;
        try {
            r = renderer.render(channel.textValue(), lenient, context);
        } catch (RenderFailure f) {
            // Over the render budget: the author's template to fix.
            throw new ClientError(400, f.reason(), f.getMessage(), "message");
        }
        ObjectNode out = EventCodec.mapper().createObjectNode();
        out.set("content", r.content());
        ArrayNode undefined = out.putArray("undefined");
        r.undefined().forEach(undefined::add);
        if (r.variant() == null) out.putNull("variant");
        else out.put("variant", r.variant());
        // A push as iOS, Android and browsers would show it, collapsed and expanded (docs/api.md "Push preview").
        if (channel.textValue().equals("push")) out.set("platforms", io.herald.push.PushPreview.platforms(r.content()));
        AdminApi.json(ctx, out);
    }

    private static JsonNode event(JsonNode e) {
        if (e == null || e.isNull()) return null;
        if (!e.isObject()) throw ClientError.invalid("event", "event must be an object {event, properties?}");
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("event") && !f.equals("properties") && !f.equals("timestamp")) {
                throw ClientError.invalid("event." + f, "unknown field event." + f);
            }
        }
        JsonNode name = e.get("event");
        if (name != null && (!name.isTextual() || name.textValue().length() > 200)) {
            throw ClientError.invalid("event.event", "event.event must be an event name of at most 200 characters");
        }
        JsonNode props = e.get("properties");
        if (props != null && !props.isNull() && !props.isObject()) {
            throw ClientError.invalid("event.properties", "event.properties must be an object");
        }
        JsonNode ts = e.get("timestamp");
        if (ts != null && !ts.isTextual()) throw ClientError.invalid("event.timestamp", "event.timestamp must be an ISO-8601 instant");
        return e;
    }

    private static String text(JsonNode body, String key, int max) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > max) {
            throw ClientError.invalid(key, key + " must be a non-empty string of at most " + max + " characters");
        }
        return v.textValue();
    }
}
