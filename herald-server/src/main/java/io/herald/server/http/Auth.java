package io.herald.server.http;

import io.herald.error.ClientError;
import io.herald.workspace.KeyKind;
import io.herald.workspace.Principal;
import io.herald.workspace.Workspaces;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Finds the key a request presents and the principal it acts as. */
final class Auth {
    private final Workspaces workspaces;

    Auth(Workspaces workspaces) {
        this.workspaces = workspaces;
    }

    private static final String WRITE_KEY = "a write key (HTTP Basic username, or writeKey in the body)";

    /**
     * The tracking API's key when the request carries it outside the body (HTTP Basic username or
     * {@code ?writeKey=}), checked before the body is read; null when it must come from the body.
     */
    Principal writeKeyOutsideBody(Context ctx) {
        String key = basicUser(ctx);
        if (key == null) key = QueryParams.first(ctx, "writeKey");
        return key == null ? null : require(key, KeyKind.WRITE, WRITE_KEY);
    }

    /** The tracking API's key from {@code writeKey} in the body. */
    Principal writeKeyInBody(String bodyWriteKey) {
        return require(bodyWriteKey, KeyKind.WRITE, WRITE_KEY);
    }

    /** The admin API: {@code Authorization: Bearer <admin key>}. */
    Principal adminKey(Context ctx) {
        String header = ctx.header("Authorization");
        String key = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) key = header.substring(7).trim();
        return require(key, KeyKind.ADMIN, "an admin key (Authorization: Bearer <admin key>)");
    }

    private Principal require(String key, KeyKind kind, String what) {
        if (key == null || key.isEmpty()) throw new ClientError(401, "missing_key", "this API needs " + what, null);
        Principal p = workspaces.authenticate(key)
                .orElseThrow(() -> new ClientError(401, "invalid_key", "the key is not valid", null));
        if (p.kind() != kind) {
            throw new ClientError(403, "wrong_key_kind", "this API needs " + what + "; a "
                    + p.kind().name().toLowerCase() + " key was given", null);
        }
        return p;
    }

    private static String basicUser(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return null;
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            String user = colon < 0 ? decoded : decoded.substring(0, colon);
            return user.isEmpty() ? null : user;
        } catch (IllegalArgumentException e) {
            throw new ClientError(401, "invalid_key", "the Authorization header is not valid Basic credentials", null);
        }
    }
}
