package io.herald.message;

import static io.herald.message.Fields.at;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The in-app message: format and where it shows, its steps of blocks (text, image, button, input, rating,
 * choice), when it shows ({@code display}), its style overrides and the attributes its answers set.
 */
final class InAppParser {
    static final Set<String> FORMATS = Set.of("modal", "banner", "slide_in", "tooltip", "inline", "fullscreen");
    static final Set<String> POSITIONS = Set.of("top", "bottom", "center", "left", "right", "top_left", "top_right",
            "bottom_left", "bottom_right");
    static final int MAX_STEPS = 10;
    static final int MAX_BLOCKS = 30;
    private static final Pattern STEP_ACTION = Pattern.compile("step:(\\d{1,3})");
    private static final Set<String> ACTIONS = Set.of("next", "back", "close", "submit", "url", "deepLink");

    private InAppParser() {
    }

    static Message parse(ObjectNode m, String f, Message.Options o) {
        Fields.only(m, f, MessageParser.with(Set.of("format", "position", "anchor", "placement", "steps", "display",
                "style", "setAttributes", "anonymous")));
        String format = Fields.oneOf(m, f, "format", FORMATS, "modal, banner, slide_in, tooltip, inline, fullscreen", true);
        String position = Fields.oneOf(m, f, "position", POSITIONS,
                "top, bottom, center, left, right, top_left, top_right, bottom_left, bottom_right", false);
        if (position != null && (format.equals("inline") || format.equals("fullscreen"))) {
            throw ClientError.invalid(at(f, "position"), at(f, "position") + " does not apply to the " + format + " format");
        }
        String anchor = Fields.text(m, f, "anchor", 500, format.equals("tooltip"));
        if (anchor != null && !format.equals("tooltip")) {
            throw ClientError.invalid(at(f, "anchor"), at(f, "anchor") + " applies only to the tooltip format");
        }
        String placement = Fields.text(m, f, "placement", 64, format.equals("inline"));
        if (placement != null && !format.equals("inline")) {
            throw ClientError.invalid(at(f, "placement"), at(f, "placement") + " applies only to the inline format");
        }
        if (placement != null && !Liquid.isTemplate(placement) && !Fields.ID.matcher(placement).matches()) {
            throw ClientError.invalid(at(f, "placement"), at(f, "placement") + " must be a slot id: 1 to 64 letters, digits, - or _");
        }
        Map<String, String> answers = new HashMap<>();
        int steps = steps(m, f, answers);
        JsonNode display = Fields.object(m, f, "display", false);
        Message.InApp.Frequency frequency = new Message.InApp.Frequency("once", null, null);
        int priority = 50;
        if (display != null) {
            String df = at(f, "display");
            Fields.only(display, df, Set.of("pages", "excludePages", "afterSeconds", "onEvent", "frequency", "priority",
                    "expiresAfter"));
            pages(display, df, "pages");
            pages(display, df, "excludePages");
            Fields.whole(display, df, "afterSeconds", 0, 86_400);
            Fields.text(display, df, "onEvent", 200, false);
            frequency = frequency(display, df);
            Integer p = Fields.whole(display, df, "priority", 0, 100);
            if (p != null) priority = p;
            Fields.duration(display, df, "expiresAfter", Fields.MAX_DURATION);
        }
        JsonNode style = Fields.object(m, f, "style", false);
        if (style != null && style.toString().length() > 8000) {
            throw ClientError.invalid(at(f, "style"), at(f, "style") + " must be at most 8000 characters as JSON");
        }
        setAttributes(m, f, answers);
        boolean anonymous = Fields.bool(m, f, "anonymous");
        return new Message.InApp(m, o, format, position, anchor, placement, steps, frequency, priority, anonymous);
    }

    private static int steps(JsonNode m, String f, Map<String, String> answers) {
        JsonNode steps = Fields.array(m, f, "steps", 1, MAX_STEPS, true);
        Set<String> ids = new HashSet<>();
        for (int s = 0; s < steps.size(); s++) {
            String sf = at(f, "steps") + "[" + s + "]";
            JsonNode step = steps.get(s);
            if (!step.isObject()) throw ClientError.invalid(sf, sf + " must be an object {blocks: [...]}");
            Fields.only(step, sf, Set.of("id", "blocks"));
            if (step.has("id")) MessageParser.id(step, sf, ids);
            JsonNode blocks = Fields.array(step, sf, "blocks", 1, MAX_BLOCKS, true);
            for (int b = 0; b < blocks.size(); b++) {
                block(blocks.get(b), sf + ".blocks[" + b + "]", s, steps.size(), ids, answers);
            }
        }
        return steps.size();
    }

    private static void block(JsonNode n, String bf, int step, int steps, Set<String> ids, Map<String, String> answers) {
        if (!n.isObject()) throw ClientError.invalid(bf, bf + " must be a block object with a type");
        String type = Fields.oneOf(n, bf, "type", Set.of("text", "image", "button", "input", "rating", "choice"),
                "text, image, button, input, rating, choice", true);
        switch (type) {
            case "text" -> {
                Fields.only(n, bf, Set.of("type", "text"));
                Fields.text(n, bf, "text", 10_000, true);
            }
            case "image" -> {
                Fields.only(n, bf, Set.of("type", "url", "alt"));
                Fields.url(n, bf, "url", true);
                Fields.text(n, bf, "alt", 500, true);
            }
            case "button" -> button(n, bf, step, steps, ids);
            case "input" -> {
                Fields.only(n, bf, Set.of("type", "id", "inputType", "label", "required", "placeholder"));
                answers.put(MessageParser.id(n, bf, ids), bf);
                Fields.oneOf(n, bf, "inputType", Set.of("text", "email", "number"), "text, email, number", true);
                Fields.text(n, bf, "label", 500, true);
                Fields.bool(n, bf, "required");
                Fields.text(n, bf, "placeholder", 200, false);
            }
            case "rating" -> {
                Fields.only(n, bf, Set.of("type", "id", "scale", "label"));
                answers.put(MessageParser.id(n, bf, ids), bf);
                JsonNode scale = n.get("scale");
                if (scale == null) throw ClientError.missing(bf + ".scale");
                if (!scale.isIntegralNumber() || (scale.intValue() != 5 && scale.intValue() != 10)) {
                    throw ClientError.invalid(bf + ".scale", bf + ".scale must be 5 or 10 (10 = NPS)");
                }
                Fields.text(n, bf, "label", 500, false);
            }
            case "choice" -> {
                Fields.only(n, bf, Set.of("type", "id", "options", "multiple", "label"));
                answers.put(MessageParser.id(n, bf, ids), bf);
                JsonNode options = Fields.array(n, bf, "options", 1, 20, true);
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < options.size(); i++) {
                    JsonNode o = options.get(i);
                    String of = bf + ".options[" + i + "]";
                    if (!o.isTextual() || o.textValue().isBlank() || o.textValue().length() > 200) {
                        throw ClientError.invalid(of, of + " must be a non-empty string of at most 200 characters");
                    }
                    if (!seen.add(o.textValue())) throw ClientError.invalid(of, of + " repeats option '" + o.textValue() + "'");
                }
                Fields.bool(n, bf, "multiple");
                Fields.text(n, bf, "label", 500, false);
            }
            default -> throw new IllegalStateException(type);
        }
    }

    private static void button(JsonNode n, String bf, int step, int steps, Set<String> ids) {
        Fields.only(n, bf, Set.of("type", "id", "label", "action", "url"));
        MessageParser.id(n, bf, ids);
        Fields.text(n, bf, "label", 100, true);
        String action = Fields.text(n, bf, "action", 20, true);
        String af = bf + ".action";
        Matcher goTo = STEP_ACTION.matcher(action);
        if (goTo.matches()) {
            int target = Integer.parseInt(goTo.group(1));
            if (target < 1 || target > steps) {
                throw ClientError.invalid(af, af + ": step:N counts steps from 1; this message has " + steps
                        + (steps == 1 ? " step" : " steps"));
            }
        } else if (!ACTIONS.contains(action)) {
            throw ClientError.invalid(af, af + " must be one of next, back, close, submit, step:N, url, deepLink");
        } else if (action.equals("next") && step == steps - 1) {
            throw ClientError.invalid(af, af + ": next on the last step has no step to go to");
        } else if (action.equals("back") && step == 0) {
            throw ClientError.invalid(af, af + ": back on the first step has no step to go to");
        }
        boolean needsUrl = action.equals("url") || action.equals("deepLink");
        if (needsUrl && !n.has("url")) throw ClientError.missing(bf + ".url");
        if (!needsUrl && n.has("url")) throw ClientError.invalid(bf + ".url", bf + ".url applies only to the url and deepLink actions");
        if (action.equals("url")) Fields.url(n, bf, "url", true);
        if (action.equals("deepLink")) Fields.deepLink(n, bf, "url", true);
    }

    private static void pages(JsonNode d, String df, String key) {
        JsonNode p = Fields.array(d, df, key, 1, 50, false);
        if (p == null) return;
        for (int i = 0; i < p.size(); i++) {
            JsonNode v = p.get(i);
            String pf = df + "." + key + "[" + i + "]";
            if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > 500) {
                throw ClientError.invalid(pf, pf + " must be a URL glob (/pricing/*) or a screen name of at most 500 characters");
            }
        }
    }

    private static Message.InApp.Frequency frequency(JsonNode d, String df) {
        JsonNode v = d.get("frequency");
        String ff = df + ".frequency";
        if (v == null || v.isNull()) return new Message.InApp.Frequency("once", null, null);
        if (v.isTextual() && Set.of("once", "once_per_session", "always").contains(v.textValue())) {
            return new Message.InApp.Frequency(v.textValue(), null, null);
        }
        if (v.isObject()) {
            Fields.only(v, ff, Set.of("max", "per"));
            Integer max = Fields.whole(v, ff, "max", 1, 1000);
            if (max == null) throw ClientError.missing(ff + ".max");
            Duration per = Fields.duration(v, ff, "per", Fields.MAX_DURATION);
            if (per == null) throw ClientError.missing(ff + ".per");
            return new Message.InApp.Frequency("max", max, per);
        }
        throw ClientError.invalid(ff, ff + " must be once, once_per_session, always or {max, per}");
    }

    private static void setAttributes(JsonNode m, String f, Map<String, String> answers) {
        JsonNode s = Fields.object(m, f, "setAttributes", false);
        if (s == null) return;
        String sf = at(f, "setAttributes");
        if (s.isEmpty() || s.size() > 50) throw ClientError.invalid(sf, sf + " must set 1 to 50 attributes");
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String af = sf + "." + e.getKey();
            if (e.getKey().isBlank() || e.getKey().length() > 200) throw ClientError.invalid(af, "attribute names are 1 to 200 characters");
            if (!e.getValue().isTextual() || !answers.containsKey(e.getValue().textValue())) {
                throw ClientError.invalid(af, af + " must name the id of an input, rating or choice block of this message");
            }
        }
    }
}
