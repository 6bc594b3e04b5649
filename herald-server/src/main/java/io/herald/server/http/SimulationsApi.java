package io.herald.server.http;

import io.herald.simulation.Simulations;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/** The admin API's campaign simulations (docs/api.md "Simulating a campaign"). Thin: parse, call the service, shape. */
final class SimulationsApi {
    /** A timeline of 10,000 entries, a campaign and its segments fit well inside 4 MB. */
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private final Simulations simulations;
    private final Auth auth;

    SimulationsApi(Simulations simulations, Auth auth) {
        this.simulations = simulations;
        this.auth = auth;
    }

    /** {@code POST /api/v1/campaigns/{id}/simulate}: a saved campaign (a draft too), as it is now. */
    void saved(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        AdminApi.json(ctx, simulations.saved(p.workspaceId(), ctx.pathParam("id"), body.node()).toJson());
    }

    /** {@code POST /api/v1/campaigns/simulate}: a campaign given in the request. */
    void inline(Context ctx) {
        Principal p = auth.adminKey(ctx);
        var body = Bodies.readJson(ctx, MAX_BODY, "too_large", false);
        AdminApi.json(ctx, simulations.inline(p.workspaceId(), body.node()).toJson());
    }
}
