package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.segment.Previews;
import io.herald.segment.Segments;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/** The admin API's segment endpoints (API.md "Admin API → Segments"). Thin: parse, call the service, shape. */
final class SegmentsApi {
    /** A condition is small; 256 KB is generous and keeps a hostile body from costing more. */
    private static final int MAX_BODY = 256 * 1024;

    private final Segments segments;
    private final Auth auth;

    SegmentsApi(Segments segments, Auth auth) {
        this.segments = segments;
        this.auth = auth;
    }

    void create(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        ctx.status(201);
        AdminApi.json(ctx, Views.segment(segments.create(p.workspaceId(), body.node())));
    }

    void list(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(segments.list(p.workspaceId(), AdminApi.limit(ctx), ctx.queryParam("cursor")),
                Views::segment));
    }

    void get(Context ctx) {
        Principal p = auth.adminKey(ctx);
        ObjectNode o = Views.segment(segments.get(p.workspaceId(), ctx.pathParam("id")));
        o.put("count", segments.count(p.workspaceId(), ctx.pathParam("id")));
        AdminApi.json(ctx, o);
    }

    void update(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        AdminApi.json(ctx, Views.segment(segments.update(p.workspaceId(), ctx.pathParam("id"), body.node())));
    }

    void delete(Context ctx) {
        Principal p = auth.adminKey(ctx);
        segments.delete(p.workspaceId(), ctx.pathParam("id"));
        ctx.status(204);
    }

    void members(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(segments.members(p.workspaceId(), ctx.pathParam("id"), AdminApi.limit(ctx),
                ctx.queryParam("cursor")), Views::member));
    }

    void count(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var s = segments.get(p.workspaceId(), ctx.pathParam("id"));
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("count", segments.count(p.workspaceId(), s.id()));
        o.put("status", s.status());
        AdminApi.json(ctx, o);
    }

    void preview(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        Previews.Result r = segments.preview(p.workspaceId(), body.node());
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("count", r.complete() ? r.count() : r.estimated());
        ArrayNode sample = o.putArray("sample");
        r.sample().forEach(sample::add);
        o.put("complete", r.complete());
        o.put("evaluated", r.evaluated());
        o.put("total", r.total());
        o.put("matchedAmongEvaluated", r.count());
        AdminApi.json(ctx, o);
    }
}
