package io.herald.message;

import static io.herald.message.Fields.at;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a message of one channel (API.md "Message (by channel)") when it is saved, so that what a
 * campaign stores can always be rendered. Every refusal is a 400 naming the exact field, under the caller's
 * prefix: {@code steps.s1.message.title}, {@code steps.s1.message.steps[0].blocks[2].action},
 * {@code message.translations.de.body}. Liquid syntax errors give line and column.
 *
 * <p>Besides the channel's fields every message may carry Herald's {@code topic}, {@code transactional},
 * {@code strict}, {@code expiresAfter}, {@code translations} ({@code {locale: {same fields}}}, each checked as the
 * message it makes) and {@code variants} ({@code [{weight, ...fields}]}, weights adding up to 100, each checked as
 * the message it makes).
 */
public final class MessageParser {
    public static final Set<String> CHANNELS = Set.of("push", "in_app", "email", "sms", "whatsapp", "webhook");
    /** A whole message as JSON text, translations and variants included. */
    static final int MAX_MESSAGE_CHARS = 512 * 1024;
    static final int MAX_TRANSLATIONS = 100;
    static final int MAX_VARIANTS = 10;
    static final Set<String> COMMON = Set.of("topic", "transactional", "strict", "expiresAfter", "translations", "variants");
    private static final Set<String> NOT_TRANSLATABLE = Set.of("topic", "transactional", "strict", "expiresAfter",
            "translations", "variants", "weight");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern LOCALE = Pattern.compile("[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,2}");
    private static final Pattern INCLUDE = Pattern.compile("\\{%-?\\s*(include|include_relative|render)\\b");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}");
    private static final Pattern TEMPLATE_NAME = Pattern.compile("[a-z0-9_]{1,512}");
    static final Liquid LIQUID = new Liquid();

    private MessageParser() {
    }

    /**
     * @param channel push, in_app, email, sms, whatsapp or webhook
     * @param message the message JSON
     * @param field   the path of the message in the request (e.g. {@code steps.s1.message}); null at the top
     */
    public static Message parse(String channel, JsonNode message, String field) {
        if (channel == null || !CHANNELS.contains(channel)) {
            throw ClientError.invalid("channel", "channel must be one of push, in_app, email, sms, whatsapp, webhook");
        }
        String f = field == null ? "" : field;
        if (message == null || message.isNull()) throw ClientError.missing(f.isEmpty() ? "message" : f);
        if (!message.isObject()) throw ClientError.invalid(f.isEmpty() ? null : f, (f.isEmpty() ? "the message" : f) + " must be an object");
        if (message.toString().length() > MAX_MESSAGE_CHARS) {
            throw new ClientError(413, "too_large", (f.isEmpty() ? "the message" : f) + " must be at most "
                    + MAX_MESSAGE_CHARS + " characters as JSON", f.isEmpty() ? null : f);
        }
        ObjectNode m = (ObjectNode) message;
        // The base first: an error in it must name the base's field, not a translation or variant built on it.
        content(channel, m, f, none());
        Message.Options options = options(channel, m, f);
        return content(channel, m, f, options);
    }

    /** The message's own fields (without translations and variants) checked, Liquid included. */
    private static Message content(String channel, ObjectNode m, String f, Message.Options options) {
        Message out = switch (channel) {
            case "push" -> push(m, f, options);
            case "in_app" -> InAppParser.parse(m, f, options);
            case "email" -> email(m, f, options);
            case "sms" -> {
                Fields.only(m, f, with(Set.of("body")));
                yield new Message.Sms(m, options, Fields.text(m, f, "body", 2000, true));
            }
            case "whatsapp" -> {
                Fields.only(m, f, with(Set.of("body", "templateName", "mediaUrl")));
                String body = Fields.text(m, f, "body", 4096, true);
                String template = Fields.text(m, f, "templateName", 512, false);
                if (template != null && !TEMPLATE_NAME.matcher(template).matches()) {
                    throw ClientError.invalid(at(f, "templateName"), at(f, "templateName") + " must be lower-case letters, digits and _");
                }
                yield new Message.WhatsApp(m, options, body, template, Fields.url(m, f, "mediaUrl", false));
            }
            case "webhook" -> webhook(m, f, options);
            default -> throw new IllegalStateException(channel);
        };
        templates(m, f, true);
        return out;
    }

    static Set<String> with(Set<String> own) {
        Set<String> all = new HashSet<>(own);
        all.addAll(COMMON);
        return all;
    }

    // ---- Herald's additions: topic, transactional, strict, expiresAfter, translations, variants ----

    private static Message.Options options(String channel, ObjectNode m, String f) {
        String topic = Fields.text(m, f, "topic", 64, false);
        if (topic != null && !TOPIC.matcher(topic).matches()) {
            throw ClientError.invalid(at(f, "topic"), at(f, "topic") + " must be a topic key: letters, digits, _ . -");
        }
        boolean transactional = Fields.bool(m, f, "transactional");
        boolean strict = Fields.bool(m, f, "strict");
        Duration expires = Fields.duration(m, f, "expiresAfter", Fields.MAX_DURATION);
        Set<String> locales = translations(channel, m, m, f);
        List<Integer> weights = variants(channel, m, f);
        return new Message.Options(topic, transactional, strict, expires, locales, weights);
    }

    private static Set<String> translations(String channel, ObjectNode base, ObjectNode holder, String f) {
        JsonNode t = Fields.object(holder, f, "translations", false);
        if (t == null) return Set.of();
        String tf = at(f, "translations");
        if (t.size() > MAX_TRANSLATIONS) throw ClientError.invalid(tf, tf + " may have at most " + MAX_TRANSLATIONS + " locales");
        Set<String> locales = new LinkedHashSet<>();
        Set<String> normalized = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String lf = tf + "." + e.getKey();
            if (!LOCALE.matcher(e.getKey()).matches()) {
                throw ClientError.invalid(lf, lf + ": a locale is a language tag such as de, pt-BR or pt_BR");
            }
            if (!normalized.add(Locales.normalize(e.getKey()))) {
                throw ClientError.invalid(lf, lf + " repeats a locale written another way");
            }
            if (!e.getValue().isObject() || e.getValue().isEmpty()) {
                throw ClientError.invalid(lf, lf + " must be an object of the message's fields in that language");
            }
            for (Iterator<String> names = e.getValue().fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (NOT_TRANSLATABLE.contains(name)) {
                    throw ClientError.invalid(lf + "." + name, lf + "." + name + " cannot be translated");
                }
            }
            overlay(channel, base, (ObjectNode) e.getValue(), lf);
            locales.add(e.getKey());
        }
        return locales;
    }

    private static List<Integer> variants(String channel, ObjectNode m, String f) {
        JsonNode v = Fields.array(m, f, "variants", 1, MAX_VARIANTS, false);
        if (v == null) return List.of();
        String vf = at(f, "variants");
        List<Integer> weights = new ArrayList<>();
        int sum = 0;
        for (int i = 0; i < v.size(); i++) {
            String pf = vf + "[" + i + "]";
            JsonNode one = v.get(i);
            if (!one.isObject()) throw ClientError.invalid(pf, pf + " must be an object {weight, ...fields it changes}");
            Integer w = Fields.whole(one, pf, "weight", 1, 100);
            if (w == null) throw ClientError.missing(pf + ".weight");
            for (Iterator<String> names = one.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("weight") && !name.equals("translations") && NOT_TRANSLATABLE.contains(name)) {
                    throw ClientError.invalid(pf + "." + name, pf + "." + name + " cannot differ between variants");
                }
            }
            weights.add(w);
            sum += w;
            ObjectNode merged = overlay(channel, m, (ObjectNode) one, pf);
            if (one.has("translations")) translationsOfVariant(channel, merged, (ObjectNode) one, pf);
        }
        if (sum != 100) throw ClientError.invalid(vf, vf + ": weights must add up to 100, they add up to " + sum);
        return List.copyOf(weights);
    }

    private static void translationsOfVariant(String channel, ObjectNode merged, ObjectNode variant, String pf) {
        translations(channel, merged, variant, pf);
    }

    /**
     * The base message with {@code own}'s fields laid over it, checked as a whole; an error in a field {@code own}
     * set is reported under {@code prefix} (e.g. {@code variants[1].title}).
     */
    static ObjectNode overlay(String channel, ObjectNode base, ObjectNode own, String prefix) {
        ObjectNode merged = withoutExtras(base);
        for (Iterator<Map.Entry<String, JsonNode>> it = own.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("weight") && !e.getKey().equals("translations")) merged.set(e.getKey(), e.getValue());
        }
        try {
            content(channel, merged, "", none());
        } catch (ClientError e) {
            throw e.field() == null ? e : new ClientError(e.status(), e.code(), prefix + "." + e.getMessage(), prefix + "." + e.field());
        }
        return merged;
    }

    private static ObjectNode withoutExtras(ObjectNode base) {
        ObjectNode copy = base.deepCopy();
        copy.remove("translations");
        copy.remove("variants");
        return copy;
    }

    private static Message.Options none() {
        return new Message.Options(null, false, false, null, Set.of(), List.of());
    }

    // ---- channels ----

    private static Message push(ObjectNode m, String f, Message.Options o) {
        Fields.only(m, f, with(Set.of("title", "body", "imageUrl", "deepLink", "buttons", "sound", "badge", "data",
                "collapseKey", "ttl", "priority")));
        String title = Fields.text(m, f, "title", 1000, false);
        String body = Fields.text(m, f, "body", 4000, false);
        if (title == null && body == null) throw ClientError.missing(at(f, "body"));
        Fields.url(m, f, "imageUrl", false);
        Fields.deepLink(m, f, "deepLink", false);
        List<Message.Push.Button> buttons = new ArrayList<>();
        JsonNode b = Fields.array(m, f, "buttons", 1, 4, false);
        if (b != null) {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < b.size(); i++) {
                String bf = at(f, "buttons") + "[" + i + "]";
                JsonNode one = b.get(i);
                if (!one.isObject()) throw ClientError.invalid(bf, bf + " must be an object {id, label, deepLink?}");
                Fields.only(one, bf, Set.of("id", "label", "deepLink"));
                String id = id(one, bf, ids);
                buttons.add(new Message.Push.Button(id, Fields.text(one, bf, "label", 100, true),
                        Fields.deepLink(one, bf, "deepLink", false)));
            }
        }
        Fields.text(m, f, "sound", 100, false);
        Fields.whole(m, f, "badge", 0, 99_999);
        JsonNode data = Fields.object(m, f, "data", false);
        if (data != null && data.toString().length() > 4000) {
            throw ClientError.invalid(at(f, "data"), at(f, "data") + " must be at most 4000 characters as JSON");
        }
        Fields.text(m, f, "collapseKey", 64, false);
        Fields.duration(m, f, "ttl", Duration.ofDays(28));
        Fields.oneOf(m, f, "priority", Set.of("high", "normal"), "high, normal", false);
        return new Message.Push(m, o, title, body, List.copyOf(buttons));
    }

    private static Message email(ObjectNode m, String f, Message.Options o) {
        Fields.only(m, f, with(Set.of("subject", "html", "text", "from", "replyTo")));
        String subject = Fields.text(m, f, "subject", 1000, true);
        String html = Fields.text(m, f, "html", Liquid.MAX_TEMPLATE_CHARS, true);
        String text = Fields.text(m, f, "text", 100_000, false);
        return new Message.Email(m, o, subject, html, text, Fields.address(m, f, "from"), Fields.address(m, f, "replyTo"));
    }

    private static Message webhook(ObjectNode m, String f, Message.Options o) {
        Fields.only(m, f, with(Set.of("method", "url", "headers", "body")));
        String method = m.has("method") ? Fields.oneOf(m, f, "method", Set.of("GET", "POST", "PUT", "PATCH", "DELETE"),
                "GET, POST, PUT, PATCH, DELETE", true) : "POST";
        String url = Fields.url(m, f, "url", true);
        JsonNode h = Fields.object(m, f, "headers", false);
        if (h != null) {
            String hf = at(f, "headers");
            if (h.size() > 50) throw ClientError.invalid(hf, hf + " may have at most 50 headers");
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String one = hf + "." + e.getKey();
                if (!HEADER.matcher(e.getKey()).matches()) throw ClientError.invalid(one, one + ": not a valid header name");
                if (!e.getValue().isTextual() || e.getValue().textValue().length() > 8000) {
                    throw ClientError.invalid(one, one + " must be a string of at most 8000 characters");
                }
            }
        }
        JsonNode body = m.get("body");
        if (body != null && !body.isNull()) {
            if (!(body.isTextual() || body.isObject() || body.isArray())) {
                throw ClientError.invalid(at(f, "body"), at(f, "body") + " must be a string (a Liquid template) or JSON whose strings are templates");
            }
            if (body.toString().length() > 100_000) {
                throw ClientError.invalid(at(f, "body"), at(f, "body") + " must be at most 100000 characters");
            }
        }
        return new Message.Webhook(m, o, method, url);
    }

    static String id(JsonNode n, String f, Set<String> seen) {
        String id = Fields.text(n, f, "id", 64, true);
        if (!Fields.ID.matcher(id).matches()) throw ClientError.invalid(f + ".id", f + ".id must be 1 to 64 letters, digits, - or _");
        if (!seen.add(id)) throw ClientError.invalid(f + ".id", f + ".id repeats id '" + id + "'");
        return id;
    }

    // ---- Liquid in every string ----

    /** Checks every string under {@code n} as a Liquid template (the top's translations and variants apart). */
    private static void templates(JsonNode n, String f, boolean top) {
        if (n.isTextual()) {
            String s = n.textValue();
            if (INCLUDE.matcher(s).find()) {
                throw ClientError.invalid(f.isEmpty() ? null : f, f + ": include and render tags are not allowed in messages");
            }
            LIQUID.check(s, f);
        } else if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (top && (e.getKey().equals("translations") || e.getKey().equals("variants"))) continue;
                templates(e.getValue(), at(f, e.getKey()), false);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) templates(n.get(i), f + "[" + i + "]", false);
        }
    }
}
