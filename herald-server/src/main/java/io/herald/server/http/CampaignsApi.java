package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.campaign.Campaigns;
import io.herald.campaign.Deliveries;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.workspace.Principal;
import io.javalin.http.Context;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The admin API's campaign endpoints (API.md "Admin API → Campaigns"), and a person's campaign history (their runs
 * and deliveries). Thin: parse, call the service, shape.
 */
final class CampaignsApi {
    /** 200 steps with rich in-app messages fit; a hostile body costs no more than this. */
    private static final int MAX_CAMPAIGN_BODY = 512 * 1024;
    /** {userId, data} with data up to 32 KB. */
    private static final int MAX_TRIGGER_BODY = 64 * 1024;

    private final Campaigns campaigns;
    private final Deliveries deliveries;
    private final Auth auth;

    CampaignsApi(Campaigns campaigns, Deliveries deliveries, Auth auth) {
        this.campaigns = campaigns;
        this.deliveries = deliveries;
        this.auth = auth;
    }

    void create(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_CAMPAIGN_BODY, "too_large", false);
        ctx.status(201);
        AdminApi.json(ctx, Views.campaign(campaigns.create(p.workspaceId(), body.node())));
    }

    void list(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(campaigns.list(p.workspaceId(), AdminApi.limit(ctx), ctx.queryParam("cursor")),
                Views::campaign));
    }

    void get(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.campaign(campaigns.get(p.workspaceId(), ctx.pathParam("id"))));
    }

    void update(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_CAMPAIGN_BODY, "too_large", false);
        AdminApi.json(ctx, Views.campaign(campaigns.update(p.workspaceId(), ctx.pathParam("id"), body.node())));
    }

    void delete(Context ctx) {
        Principal p = auth.adminKey(ctx);
        campaigns.delete(p.workspaceId(), ctx.pathParam("id"));
        ctx.status(204);
    }

    void activate(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.campaign(campaigns.activate(p.workspaceId(), ctx.pathParam("id"))));
    }

    void pause(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.campaign(campaigns.pause(p.workspaceId(), ctx.pathParam("id"))));
    }

    void archive(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.campaign(campaigns.archive(p.workspaceId(), ctx.pathParam("id"))));
    }

    /** 202: the trigger is durable in the person's log, and starts the run when the processor reaches it. */
    void trigger(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_TRIGGER_BODY, "too_large", false);
        String id = ctx.pathParam("id");
        campaigns.trigger(p.workspaceId(), id, body.node());
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("campaignId", id);
        o.put("userId", body.node().path("userId").asText());
        ctx.status(202);
        AdminApi.json(ctx, o);
    }

    void runs(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(campaigns.runs(p.workspaceId(), ctx.pathParam("id"), ctx.queryParam("userId"),
                AdminApi.limit(ctx), ctx.queryParam("cursor")), Views::run));
    }

    void metrics(Context ctx) {
        Principal p = auth.adminKey(ctx);
        String by = ctx.queryParam("by");
        if (by != null && !by.equals("day")) throw ClientError.invalid("by", "by must be day");
        Long from = instant(ctx, "from", false);
        Long to = instant(ctx, "to", true);
        AdminApi.json(ctx, Views.metrics(campaigns.metrics(p.workspaceId(), ctx.pathParam("id"), from, to)));
    }

    void personRuns(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(campaigns.runsOfPerson(p.workspaceId(), ctx.pathParam("userId"), AdminApi.limit(ctx),
                ctx.queryParam("cursor")), Views::run));
    }

    void personDeliveries(Context ctx) {
        Principal p = auth.adminKey(ctx);
        AdminApi.json(ctx, Views.page(deliveries.ofPerson(p.workspaceId(), ctx.pathParam("userId"), AdminApi.limit(ctx),
                ctx.queryParam("cursor")), Views::delivery));
    }

    /**
     * A query parameter as epoch milliseconds: an ISO-8601 instant, or a date (UTC) meaning the start of that day;
     * for the end of a range ({@code endOfDay}) a date includes the whole day. Null when absent.
     */
    static Long instant(Context ctx, String name, boolean endOfDay) {
        String v = ctx.queryParam(name);
        if (v == null) return null;
        try {
            return OffsetDateTime.parse(v).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            // perhaps a date
        }
        try {
            LocalDate d = LocalDate.parse(v);
            return (endOfDay ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            throw ClientError.invalid(name, name + " must be an ISO-8601 instant (2026-11-22T10:00:00Z) or date (2026-11-22)");
        }
    }
}
