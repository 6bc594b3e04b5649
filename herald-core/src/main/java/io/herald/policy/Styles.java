package io.herald.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A workspace's global in-app styles (API.md "Settings": {@code /settings/styles}): colors, a dark color set and
 * when to use it, fonts, corner radii and spacing. SDKs put these values into CSS (and native views), so every
 * value is checked against a narrow grammar of its kind: no {@code ;}, braces, quotes out of place, {@code url(}
 * or any function but a color's can get through to break out of a declaration.
 *
 * <p>A document sets what it names; everything it leaves out is at its default (what GET returns when nothing was
 * ever set), so what GET returns is always complete.
 */
public final class Styles {
    private Styles() {
    }

    /** The kinds of value a style takes, each with its grammar. */
    private enum Kind {
        COLOR("a CSS color: #rgb, #rrggbb, #rrggbbaa, rgb()/rgba()/hsl()/hsla() or a color name",
                Pattern.compile("#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})"
                        + "|(?:rgba?|hsla?)\\([0-9.,%/ +\\-]{1,60}(?:deg)?[0-9.,%/ +\\-]{0,40}\\)"
                        + "|[a-zA-Z]{3,30}")),
        LENGTH("a CSS length: 0 or a number with px, rem, em or %, such as 12px",
                Pattern.compile("0|[0-9]{1,4}(?:\\.[0-9]{1,3})?(?:px|rem|em|%)")),
        FONT_FAMILY("a comma-separated list of font names (letters, digits, spaces, - and _; quoted with \" or ' "
                + "when they have spaces)", Pattern.compile(
                "(?:[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*|\"[A-Za-z0-9 _-]{1,60}\"|'[A-Za-z0-9 _-]{1,60}')"
                        + "(?:, ?(?:[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*|\"[A-Za-z0-9 _-]{1,60}\"|'[A-Za-z0-9 _-]{1,60}'))*")),
        WEIGHT("a font weight: 100, 200, … 900", null),
        MODE("auto, light or dark", Pattern.compile("auto|light|dark"));

        final String describe;
        final Pattern grammar;

        Kind(String describe, Pattern grammar) {
            this.describe = describe;
            this.grammar = grammar;
        }
    }

    private static final int MAX_FONT_FAMILY = 300;
    private static final Map<String, String> LIGHT = colors("#2563eb", "#64748b", "#ffffff", "#f8fafc", "#0f172a",
            "#64748b", "#e2e8f0", "#ffffff", "#2563eb", "#dc2626", "#16a34a", "rgba(15, 23, 42, 0.5)");
    private static final Map<String, String> DARK = colors("#60a5fa", "#94a3b8", "#0f172a", "#1e293b", "#f1f5f9",
            "#94a3b8", "#334155", "#0f172a", "#93c5fd", "#f87171", "#4ade80", "rgba(0, 0, 0, 0.6)");

    /** Every field, by dot path, with its kind and default, in the order documents show them. */
    private static final Map<String, Object[]> SPEC = spec();

    private static Map<String, String> colors(String... v) {
        String[] names = {"primary", "secondary", "background", "surface", "text", "mutedText", "border", "buttonText",
                "link", "error", "success", "overlay"};
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) m.put(names[i], v[i]);
        return m;
    }

    private static Map<String, Object[]> spec() {
        Map<String, Object[]> s = new LinkedHashMap<>();
        LIGHT.forEach((k, v) -> s.put("colors." + k, new Object[] {Kind.COLOR, v}));
        s.put("darkMode.mode", new Object[] {Kind.MODE, "auto"});
        DARK.forEach((k, v) -> s.put("darkMode.colors." + k, new Object[] {Kind.COLOR, v}));
        s.put("fonts.family", new Object[] {Kind.FONT_FAMILY,
                "system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif"});
        s.put("fonts.sizes.title", new Object[] {Kind.LENGTH, "20px"});
        s.put("fonts.sizes.body", new Object[] {Kind.LENGTH, "15px"});
        s.put("fonts.sizes.small", new Object[] {Kind.LENGTH, "13px"});
        s.put("fonts.sizes.button", new Object[] {Kind.LENGTH, "15px"});
        s.put("fonts.weights.title", new Object[] {Kind.WEIGHT, 600});
        s.put("fonts.weights.body", new Object[] {Kind.WEIGHT, 400});
        s.put("fonts.weights.button", new Object[] {Kind.WEIGHT, 600});
        s.put("radii.container", new Object[] {Kind.LENGTH, "12px"});
        s.put("radii.button", new Object[] {Kind.LENGTH, "8px"});
        s.put("radii.input", new Object[] {Kind.LENGTH, "6px"});
        s.put("radii.image", new Object[] {Kind.LENGTH, "8px"});
        s.put("spacing.padding", new Object[] {Kind.LENGTH, "20px"});
        s.put("spacing.gap", new Object[] {Kind.LENGTH, "12px"});
        s.put("spacing.buttonPadding", new Object[] {Kind.LENGTH, "10px"});
        return s;
    }

    /** The styles of a workspace that never set any. */
    public static ObjectNode defaults() {
        ObjectNode doc = EventCodec.mapper().createObjectNode();
        for (Map.Entry<String, Object[]> e : SPEC.entrySet()) put(doc, e.getKey(), e.getValue()[1]);
        return doc;
    }

    /** {@code body} over the defaults, or a 400 naming the first field at fault. */
    public static ObjectNode parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the body must be a JSON object {colors, darkMode, fonts, radii, "
                    + "spacing}", null);
        }
        ObjectNode doc = defaults();
        walk(body, "", doc);
        return doc;
    }

    /** Checks every field under {@code n} (at {@code prefix}) and sets it in {@code doc}. */
    private static void walk(JsonNode n, String prefix, ObjectNode doc) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            JsonNode v = e.getValue();
            Object[] spec = SPEC.get(path);
            if (spec == null) {
                if (!isSection(path)) throw ClientError.invalid(path, "unknown field " + path + "; styles have "
                        + String.join(", ", children(prefix)));
                if (v.isNull()) continue; // a section left out: its defaults
                if (!v.isObject()) throw ClientError.invalid(path, path + " must be an object");
                walk(v, path + ".", doc);
                continue;
            }
            if (v.isNull()) continue;
            put(doc, path, value((Kind) spec[0], v, path));
        }
    }

    private static Object value(Kind kind, JsonNode v, String path) {
        if (kind == Kind.WEIGHT) {
            if (v.isIntegralNumber() && v.canConvertToInt() && v.intValue() >= 100 && v.intValue() <= 900
                    && v.intValue() % 100 == 0) return v.intValue();
            throw ClientError.invalid(path, path + " must be " + kind.describe);
        }
        if (!v.isTextual()) throw ClientError.invalid(path, path + " must be a string: " + kind.describe);
        String s = v.textValue().strip();
        int limit = kind == Kind.FONT_FAMILY ? MAX_FONT_FAMILY : 100;
        if (s.length() > limit || !kind.grammar.matcher(s).matches()) {
            throw ClientError.invalid(path, path + " must be " + kind.describe);
        }
        return s;
    }

    private static boolean isSection(String path) {
        String p = path + ".";
        for (String k : SPEC.keySet()) if (k.startsWith(p)) return true;
        return false;
    }

    private static java.util.List<String> children(String prefix) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String k : SPEC.keySet()) {
            if (k.startsWith(prefix)) out.add(k.substring(prefix.length()).split("\\.")[0]);
        }
        return java.util.List.copyOf(out);
    }

    private static void put(ObjectNode doc, String path, Object value) {
        String[] parts = path.split("\\.");
        ObjectNode n = doc;
        for (int i = 0; i < parts.length - 1; i++) {
            n = n.get(parts[i]) instanceof ObjectNode o ? o : n.putObject(parts[i]);
        }
        if (value instanceof Integer i) n.put(parts[parts.length - 1], i);
        else n.put(parts[parts.length - 1], (String) value);
    }
}
