package io.herald.server.http;

import io.herald.preference.Preferences;
import io.herald.preference.Topics;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/**
 * The admin API's topic and preference endpoints (API.md "Admin API → Topics & preferences"). Thin: parse, call
 * the service, shape.
 */
final class TopicsApi {
    /** A topic is a few hundred bytes. */
    private static final int MAX_TOPIC_BODY = 16 * 1024;
    /** Preferences name at most every topic (1,000) on every channel: about 140 KB written out. */
    private static final int MAX_PREFERENCES_BODY = 256 * 1024;

    private final Topics topics;
    private final Preferences preferences;
    private final Auth auth;

    TopicsApi(Topics topics, Preferences preferences, Auth auth) {
        this.topics = topics;
        this.preferences = preferences;
        this.auth = auth;
    }

    void create(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_TOPIC_BODY, "too_large", false);
        ctx.status(201);
        AdminApi.json(ctx, Views.topic(topics.create(p.workspaceId(), body.node())));
    }

    void list(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(topics.list(p.workspaceId(), AdminApi.limit(ctx), ctx.queryParam("cursor")),
                Views::topic));
    }

    void get(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.topic(topics.get(p.workspaceId(), ctx.pathParam("key"))));
    }

    void update(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_TOPIC_BODY, "too_large", false);
        AdminApi.json(ctx, Views.topic(topics.update(p.workspaceId(), ctx.pathParam("key"), body.node())));
    }

    void delete(Context ctx) {
        Principal p = auth.adminKey(ctx);
        topics.delete(p.workspaceId(), ctx.pathParam("key"));
        ctx.status(204);
    }

    void preferences(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, preferences.get(p.workspaceId(), ctx.pathParam("userId")));
    }

    /** 202: the change is durable in the person's log, and applied when the processor reaches it. */
    void changePreferences(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_PREFERENCES_BODY, "too_large", false);
        var stored = preferences.put(p.workspaceId(), ctx.pathParam("userId"), body.node());
        ctx.status(202);
        AdminApi.json(ctx, stored);
    }
}
