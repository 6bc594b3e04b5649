package io.herald.message;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Small readers for message JSON; every refusal names the field's full path. */
final class Fields {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s<>\"]{1,64}@[^@\\s<>\"]{1,255}");
    private static final Pattern NAMED_EMAIL = Pattern.compile("[^<>]{0,200}<([^<>]+)>");
    static final Duration MAX_DURATION = Duration.ofDays(3650);

    private Fields() {
    }

    static String at(String prefix, String key) {
        return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
    }

    static void only(JsonNode n, String prefix, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                String path = at(prefix, name);
                throw ClientError.invalid(path, "unknown field " + path);
            }
        }
    }

    static String text(JsonNode n, String prefix, String key, int max, boolean required) {
        JsonNode v = n.get(key);
        String path = at(prefix, key);
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing(path);
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > max) {
            throw ClientError.invalid(path, path + " must be a non-empty string of at most " + max + " characters");
        }
        return v.textValue();
    }

    static String oneOf(JsonNode n, String prefix, String key, Set<String> values, String listed, boolean required) {
        String v = text(n, prefix, key, 40, required);
        if (v != null && !values.contains(v)) {
            String path = at(prefix, key);
            throw ClientError.invalid(path, path + " must be one of " + listed);
        }
        return v;
    }

    static boolean bool(JsonNode n, String prefix, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return false;
        String path = at(prefix, key);
        if (!v.isBoolean()) throw ClientError.invalid(path, path + " must be true or false");
        return v.booleanValue();
    }

    static Integer whole(JsonNode n, String prefix, String key, int min, int max) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        String path = at(prefix, key);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw ClientError.invalid(path, path + " must be a whole number from " + min + " to " + max);
        }
        return v.intValue();
    }

    static Duration duration(JsonNode n, String prefix, String key, Duration max) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        String path = at(prefix, key);
        Duration d = null;
        if (v.isTextual() && v.textValue().length() <= 40) {
            String s = v.textValue().toUpperCase(Locale.ROOT);
            try {
                d = Duration.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    Period p = Period.parse(s);
                    d = Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays());
                } catch (DateTimeParseException e2) {
                    // reported below
                }
            }
        }
        if (d == null) throw ClientError.invalid(path, path + " must be an ISO-8601 duration such as P7D or PT30M");
        if (d.isNegative() || d.isZero()) throw ClientError.invalid(path, path + " must be a positive duration");
        if (d.compareTo(max) > 0) throw ClientError.invalid(path, path + " must be at most " + max);
        return d;
    }

    static JsonNode object(JsonNode n, String prefix, String key, boolean required) {
        JsonNode v = n.get(key);
        String path = at(prefix, key);
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing(path);
            return null;
        }
        if (!v.isObject()) throw ClientError.invalid(path, path + " must be an object");
        return v;
    }

    static JsonNode array(JsonNode n, String prefix, String key, int min, int max, boolean required) {
        JsonNode v = n.get(key);
        String path = at(prefix, key);
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing(path);
            return null;
        }
        if (!v.isArray() || v.size() < min || v.size() > max) {
            throw ClientError.invalid(path, path + " must be a list of " + min + " to " + max + " items");
        }
        return v;
    }

    /** An http(s) URL; a URL built with Liquid is checked when rendered, not here. */
    static String url(JsonNode n, String prefix, String key, boolean required) {
        String u = text(n, prefix, key, 2000, required);
        if (u == null || Liquid.isTemplate(u)) return u;
        String path = at(prefix, key);
        try {
            URI uri = new URI(u);
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(u, "not http(s)");
            }
        } catch (URISyntaxException e) {
            throw ClientError.invalid(path, path + " must be an http or https URL");
        }
        return u;
    }

    /** A deep link: an app URL ({@code myapp://orders/1}), a web URL or a path ({@code /orders/1}). */
    static String deepLink(JsonNode n, String prefix, String key, boolean required) {
        String u = text(n, prefix, key, 2000, required);
        if (u == null || Liquid.isTemplate(u) || u.startsWith("/")) return u;
        String path = at(prefix, key);
        try {
            URI uri = new URI(u);
            if (uri.getScheme() == null) throw new URISyntaxException(u, "no scheme");
        } catch (URISyntaxException e) {
            throw ClientError.invalid(path, path + " must be a URL with a scheme (myapp://…, https://…) or a path starting with /");
        }
        return u;
    }

    /** {@code ada@example.com} or {@code Ada <ada@example.com>}. */
    static String address(JsonNode n, String prefix, String key) {
        String a = text(n, prefix, key, 320, false);
        if (a == null || Liquid.isTemplate(a)) return a;
        java.util.regex.Matcher named = NAMED_EMAIL.matcher(a.trim());
        String bare = named.matches() ? named.group(1).trim() : a.trim();
        if (!EMAIL.matcher(bare).matches()) {
            String path = at(prefix, key);
            throw ClientError.invalid(path, path + " must be an email address such as ada@example.com or Ada <ada@example.com>");
        }
        return a;
    }
}
