package io.herald.server.http;

import io.herald.credential.Credentials;
import io.herald.error.ClientError;
import io.herald.push.FcmProvider;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/**
 * The admin API's channel credentials: {@code GET|PUT|DELETE /api/v1/channels/{channel}}. Secrets are never
 * answered in full; a masked value sent back keeps the stored one.
 */
final class ChannelsApi {
    /** An FCM service account (the largest credentials) is about 2.5 KB. */
    private static final int MAX_BODY = 64 * 1024;

    private final Credentials credentials;
    private final Auth auth;

    ChannelsApi(Credentials credentials, Auth auth) {
        this.credentials = credentials;
        this.auth = auth;
    }

    void get(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, credentials.view(p.workspaceId(), ctx.pathParam("channel")));
    }

    void put(Context ctx) {
        Principal p = auth.adminKey(ctx);
        String channel = ctx.pathParam("channel");
        if (!Credentials.channels().contains(channel)) { // refused before the body is read
            throw ClientError.notFound("channel " + channel + " (channels with credentials: "
                    + String.join(", ", Credentials.channels()) + ")");
        }
        String verify = ctx.queryParam("verify");
        if (verify != null && !verify.equals("true") && !verify.equals("false")) {
            throw ClientError.invalid("verify", "verify must be true or false");
        }
        if ("true".equals(verify) && !channel.equals("fcm")) {
            throw ClientError.invalid("verify", "verify=true checks fcm credentials only (by fetching a token)");
        }
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        if (!"true".equals(verify)) {
            AdminApi.json(ctx, credentials.put(p.workspaceId(), channel, body.node()));
            return;
        }
        // A token fetched from the account's token_uri before the credentials are stored: refused → 400, nothing stored.
        AdminApi.json(ctx, credentials.put(p.workspaceId(), channel, body.node(), doc -> {
            String problem = FcmProvider.verify(doc);
            if (problem != null) throw ClientError.invalid("serviceAccount", "serviceAccount: " + problem);
        }));
    }

    void delete(Context ctx) {
        Principal p = auth.adminKey(ctx);
        credentials.delete(p.workspaceId(), ctx.pathParam("channel"));
        ctx.status(204);
    }
}
