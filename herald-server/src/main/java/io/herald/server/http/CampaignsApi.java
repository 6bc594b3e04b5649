package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.campaign.Campaigns;
import io.herald.event.EventCodec;
import io.herald.workspace.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The admin API's campaign endpoints that campaigns as code needs (API.md "Admin API → Campaigns"): create, list,
 * read, change, and the lifecycle. Thin: parse, call the service, shape. Metrics, runs and triggers are not here.
 */
final class CampaignsApi {
    /** A journey of 200 steps with long messages stays well under a megabyte. */
    private static final int MAX_BODY = 1024 * 1024;

    private final Campaigns campaigns;
    private final Auth auth;

    CampaignsApi(Campaigns campaigns, Auth auth) {
        this.campaigns = campaigns;
        this.auth = auth;
    }

    void routes(RoutesConfig r) {
        r.post("/api/v1/campaigns", this::create);
        r.get("/api/v1/campaigns", this::list);
        r.get("/api/v1/campaigns/{id}", this::get);
        r.put("/api/v1/campaigns/{id}", this::update);
        r.post("/api/v1/campaigns/{id}/activate", ctx -> lifecycle(ctx, campaigns::activate));
        r.post("/api/v1/campaigns/{id}/pause", ctx -> lifecycle(ctx, campaigns::pause));
        r.post("/api/v1/campaigns/{id}/archive", ctx -> lifecycle(ctx, campaigns::archive));
    }

    /** A campaign: its identity and lifecycle, and its current version's definition as it was sent. */
    static ObjectNode view(Campaigns.Campaign c) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", c.id());
        o.put("key", c.key());
        o.put("name", c.name());
        o.put("status", c.status());
        o.put("version", c.version());
        o.set("definition", c.definition());
        o.put("createdAt", Views.iso(c.createdAt()));
        o.put("updatedAt", Views.iso(c.updatedAt()));
        return o;
    }

    private void create(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        ctx.status(201);
        AdminApi.json(ctx, view(campaigns.create(p.workspaceId(), body.node())));
    }

    private void list(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(campaigns.list(p.workspaceId(), AdminApi.limit(ctx), ctx.queryParam("cursor")),
                CampaignsApi::view));
    }

    private void get(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, view(campaigns.get(p.workspaceId(), ctx.pathParam("id"))));
    }

    /** A draft changes in place; an active or paused campaign gets a new version. */
    private void update(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        AdminApi.json(ctx, view(campaigns.update(p.workspaceId(), ctx.pathParam("id"), body.node())));
    }

    private interface Transition {
        Campaigns.Campaign apply(String workspaceId, String id);
    }

    private void lifecycle(Context ctx, Transition t) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, view(t.apply(p.workspaceId(), ctx.pathParam("id"))));
    }
}
