package io.herald.store;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** One page of a list and the opaque cursor of the next ({@code null} on the last page). */
public record Page<T>(List<T> data, String next) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;

    /** Encodes cursor parts into an opaque token. */
    public static String cursor(String... parts) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes a token from {@link #cursor}; null when the token is malformed or has another shape. A part holding
     * U+0000 is never one Herald made (no stored id has it) and PostgreSQL refuses it as a query parameter.
     */
    public static String[] parseCursor(String token, int parts) {
        if (token == null || token.isEmpty()) return null;
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.indexOf('\u0000') >= 0) return null;
            String[] p = decoded.split("\n", -1);
            return p.length == parts ? p : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
