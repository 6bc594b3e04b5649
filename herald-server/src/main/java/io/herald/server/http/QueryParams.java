package io.herald.server.http;

import io.herald.error.ClientError;
import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * One query parameter read from the raw query string. Javalin's {@code queryParam} first decodes every parameter
 * into a map of lists, which JFR put at a tenth of an in-app list request; the client APIs need three or four by
 * name, on every page view.
 */
final class QueryParams {
    private QueryParams() {
    }

    /**
     * The first value of {@code name} (as Javalin's {@code queryParam}: "" for a bare {@code name}, null when absent);
     * a value that is not valid percent-encoding is the client's mistake.
     */
    static String first(Context ctx, String name) {
        return first(ctx.queryString(), name);
    }

    static String first(String q, String name) {
        if (q == null || q.isEmpty()) return null;
        int n = q.length();
        for (int i = 0; i < n; ) {
            int amp = q.indexOf('&', i);
            if (amp < 0) amp = n;
            int eq = q.indexOf('=', i);
            int keyEnd = eq < 0 || eq > amp ? amp : eq;
            if (isName(q, i, keyEnd, name)) return keyEnd == amp ? "" : decode(q.substring(keyEnd + 1, amp), name);
            i = amp + 1;
        }
        return null;
    }

    private static boolean isName(String q, int from, int to, String name) {
        if (to - from == name.length() && q.startsWith(name, from)) return true;
        // An encoded name is rare but legal ("%77riteKey"): decoded only when it could be one.
        if (to - from < name.length() || !escaped(q, from, to)) return false;
        try {
            return URLDecoder.decode(q.substring(from, to), StandardCharsets.UTF_8).equals(name);
        } catch (IllegalArgumentException e) {
            return false; // another parameter's malformed name: not ours to judge
        }
    }

    /** Whether {@code q[from, to)} holds a percent escape or a plus: only then does decoding change it. */
    private static boolean escaped(String q, int from, int to) {
        for (int i = from; i < to; i++) {
            char ch = q.charAt(i);
            if (ch == '%' || ch == '+') return true;
        }
        return false;
    }

    private static String decode(String raw, String name) {
        if (!escaped(raw, 0, raw.length())) return raw;
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ClientError.invalid(name, name + " is not valid percent-encoding");
        }
    }
}
