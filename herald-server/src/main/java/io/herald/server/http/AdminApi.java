package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.inapp.InApp;
import io.herald.person.People;
import io.herald.segment.Segments;
import io.herald.store.Page;
import io.herald.workspace.Principal;
import io.herald.workspace.Workspaces;
import io.javalin.http.Context;
import java.util.List;

/** The admin API's people and settings endpoints. Thin: parse, call the service, shape the answer. */
final class AdminApi {
    private final People people;
    private final InApp inApp;
    private final Segments segments;
    private final Workspaces workspaces;
    private final Auth auth;

    AdminApi(People people, Segments segments, Workspaces workspaces, InApp inApp, Auth auth) {
        this.people = people;
        this.inApp = inApp;
        this.segments = segments;
        this.workspaces = workspaces;
        this.auth = auth;
    }

    void listPeople(Context ctx) {
        Principal p = auth.adminKey(ctx);
        String anonymousId = ctx.queryParam("anonymousId");
        if (anonymousId != null) {
            var found = people.byAnonymousId(p.workspaceId(), anonymousId);
            json(ctx, Views.page(new Page<>(found.map(List::of).orElse(List.of()), null), Views::person));
            return;
        }
        json(ctx, Views.page(people.search(p.workspaceId(), ctx.queryParam("query"), limit(ctx), ctx.queryParam("cursor")),
                Views::person));
    }

    void getPerson(Context ctx) {
        Principal p = auth.adminKey(ctx);
        String userId = ctx.pathParam("userId");
        var person = people.byUserId(p.workspaceId(), userId).orElseThrow(() -> ClientError.notFound("person " + userId));
        ObjectNode view = Views.person(person);
        view.set("segments", Views.list(segments.ofPerson(p.workspaceId(), person.id()), Views::membership));
        json(ctx, view);
    }

    void personEvents(Context ctx) {
        Principal p = auth.adminKey(ctx);
        json(ctx, Views.page(people.events(p.workspaceId(), ctx.pathParam("userId"), limit(ctx),
                ctx.queryParam("cursor")), Views::event));
    }

    void personDevices(Context ctx) {
        Principal p = auth.adminKey(ctx);
        String userId = ctx.pathParam("userId");
        var person = people.byUserId(p.workspaceId(), userId).orElseThrow(() -> ClientError.notFound("person " + userId));
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.set("data", Views.list(person.devices(), Views::device));
        json(ctx, o);
    }

    void exportPerson(Context ctx) {
        Principal p = auth.adminKey(ctx);
        json(ctx, Views.export(people.export(p.workspaceId(), ctx.pathParam("userId"))));
    }

    void erasePerson(Context ctx) {
        Principal p = auth.adminKey(ctx);
        String suppress = ctx.queryParam("suppress");
        if (suppress != null && !suppress.equals("true") && !suppress.equals("false")) {
            throw ClientError.invalid("suppress", "suppress must be true or false");
        }
        inApp.forget(people.erase(p.workspaceId(), ctx.pathParam("userId"), !"false".equals(suppress)));
        ctx.status(204);
    }

    void identitySettings(Context ctx) {
        Principal p = auth.adminKey(ctx);
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("secret", workspaces.identitySecret(p.workspaceId()));
        o.put("algorithm", "HMAC-SHA256(secret, userId), hex");
        json(ctx, o);
    }

    static int limit(Context ctx) {
        String v = ctx.queryParam("limit");
        if (v == null) return Page.DEFAULT_LIMIT;
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= Page.MAX_LIMIT) return n;
        } catch (NumberFormatException ignored) {
            // reported below with the allowed range
        }
        throw ClientError.invalid("limit", "limit must be a whole number from 1 to " + Page.MAX_LIMIT);
    }

    static void json(Context ctx, ObjectNode body) {
        ctx.contentType("application/json").result(body.toString());
    }
}
