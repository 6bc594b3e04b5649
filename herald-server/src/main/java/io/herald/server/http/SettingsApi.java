package io.herald.server.http;

import io.herald.policy.Settings;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/**
 * The admin API's settings documents: {@code /settings/policies} (the policy gate's caps, quiet hours and default
 * timezone) and {@code /settings/styles} (in-app global styles). Thin: parse, call the service, shape.
 */
final class SettingsApi {
    /** Either document is a few kilobytes at most (20 caps; a fixed set of style fields). */
    private static final int MAX_BODY = 64 * 1024;

    private final Settings settings;
    private final Auth auth;

    SettingsApi(Settings settings, Auth auth) {
        this.settings = settings;
        this.auth = auth;
    }

    void policies(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, settings.policies(p.workspaceId()));
    }

    void putPolicies(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        AdminApi.json(ctx, settings.putPolicies(p.workspaceId(), body.node()));
    }

    void styles(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, settings.styles(p.workspaceId()));
    }

    void putStyles(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        AdminApi.json(ctx, settings.putStyles(p.workspaceId(), body.node()));
    }
}
