package io.herald.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Renders a message of a channel for one person: picks the variant (deterministically from the context's bucket
 * key) and the translation (the person's locale, {@code pt-BR} → {@code pt} → as written), then fills in every
 * text field with Liquid — push title, body and buttons, in-app blocks, email subject and HTML, webhook URL,
 * headers and body, whatever strings the message has.
 *
 * <p>Undefined variables print as nothing and are reported; a message with {@code "strict": true} fails instead.
 * A render is bounded in time ({@value #MAX_MILLIS} ms), output ({@value #MAX_OUTPUT} characters) and loop
 * iterations; going over fails with {@code render_limit}. HTML in an email is kept as written (no escaping).
 */
public final class Renderer {
    static final long MAX_MILLIS = 250;
    static final int MAX_OUTPUT = 1_000_000;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final InstantSource clock;
    private final Liquid liquid;

    public Renderer() {
        this(InstantSource.system());
    }

    /** @param clock what {@code now} and {@code today} mean in the date filter */
    public Renderer(InstantSource clock) {
        this.clock = clock;
        this.liquid = MessageParser.LIQUID;
    }

    /**
     * @param channel push, in_app, email, sms, whatsapp or webhook
     * @param message the message as saved (validated when it was saved)
     */
    public Rendered render(String channel, JsonNode message, RenderContext context) throws RenderFailure {
        if (message == null || !message.isObject()) throw new RenderFailure("invalid_message", "the message is not an object");
        Integer variant = null;
        JsonNode variants = message.get("variants");
        JsonNode translation = Locales.pick(message.get("translations"), context.locale());
        // Most messages have neither: they are rendered from as saved (fill copies what it renders).
        boolean layered = translation != null || (variants != null && variants.isArray() && !variants.isEmpty());
        ObjectNode chosen = layered || message.has("translations") || message.has("variants")
                ? base(message) : (ObjectNode) message;
        layer(chosen, translation);
        if (variants != null && variants.isArray() && !variants.isEmpty()) {
            variant = pick(variants, context.bucketKey());
            JsonNode v = variants.get(variant);
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("weight") && !e.getKey().equals("translations")) chosen.set(e.getKey(), e.getValue());
            }
            layer(chosen, Locales.pick(v.get("translations"), context.locale()));
        }
        RenderState state = new RenderState(zone(context.timezone()), Locales.of(context.locale()), clock.instant(),
                MAX_MILLIS, MAX_OUTPUT);
        Map<String, Object> vars = new HashMap<>(8);
        vars.put("person", Scope.root("person", context.person(), state));
        vars.put("event", Scope.root("event", context.event(), state));
        vars.put("journey", Scope.root("journey", context.journey(), state));
        vars.put("campaign", Scope.root("campaign", context.campaign(), state));
        vars.put("delivery", Scope.root("delivery", context.delivery(), state));
        ObjectNode content = (ObjectNode) fill(chosen, vars, state);
        List<String> undefined = state.undefined();
        JsonNode strict = chosen.get("strict");
        if (!undefined.isEmpty() && strict != null && strict.asBoolean(false)) {
            throw new RenderFailure("undefined_variable", "the message is strict and these variables are undefined: "
                    + String.join(", ", undefined));
        }
        return new Rendered(content, undefined, variant);
    }

    private static ObjectNode base(JsonNode message) {
        ObjectNode copy = JSON.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = message.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("translations") && !e.getKey().equals("variants")) copy.set(e.getKey(), e.getValue());
        }
        return copy;
    }

    private static void layer(ObjectNode target, JsonNode translation) {
        if (translation == null || !translation.isObject()) return;
        target.setAll((ObjectNode) translation);
    }

    /** The variant for a bucket key: its place in 0..99 against the weights laid end to end. */
    static int pick(JsonNode variants, String bucketKey) {
        int bucket = bucket(bucketKey == null ? "" : bucketKey);
        int upTo = 0;
        for (int i = 0; i < variants.size(); i++) {
            upTo += variants.get(i).path("weight").asInt(0);
            if (bucket < upTo) return i;
        }
        return variants.size() - 1;
    }

    /** 0..99 from a stable hash of the key (FNV-1a, then a 64-bit finalizer to spread similar keys). */
    static int bucket(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, 100);
    }

    private static final Map<String, ZoneId> ZONES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The person's zone; UTC when unknown (an unknown zone is not worth failing a message for). */
    private static ZoneId zone(String timezone) {
        if (timezone == null || timezone.isBlank()) return ZoneOffset.UTC;
        ZoneId z = ZONES.get(timezone);
        if (z != null) return z;
        try {
            z = ZoneId.of(timezone);
        } catch (DateTimeException e) {
            z = ZoneOffset.UTC;
        }
        if (ZONES.size() < 10_000) ZONES.put(timezone, z);
        return z;
    }

    /** Every string under {@code n} rendered; other values kept. Shares unchanged subtrees with the message. */
    private JsonNode fill(JsonNode n, Map<String, Object> vars, RenderState state) throws RenderFailure {
        if (n.isTextual()) {
            String s = n.textValue();
            if (!Liquid.isTemplate(s)) return n;
            return TextNode.valueOf(liquid.render(s, vars, state));
        }
        if (n.isObject()) {
            ObjectNode out = JSON.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), fill(e.getValue(), vars, state));
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JSON.arrayNode(n.size());
            for (JsonNode item : n) out.add(fill(item, vars, state));
            return out;
        }
        return n;
    }
}
