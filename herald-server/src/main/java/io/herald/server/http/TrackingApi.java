package io.herald.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.workspace.Principal;
import io.javalin.http.Context;

/** The Segment-compatible tracking API: parse, authenticate, hand to {@link Ingest}, answer once durable. */
final class TrackingApi {
    private static final String SUCCESS = "{\"success\":true}";

    private final Ingest ingest;
    private final Auth auth;

    TrackingApi(Ingest ingest, Auth auth) {
        this.ingest = ingest;
        this.auth = auth;
    }

    void handle(Context ctx, CallKind kind) {
        Principal principal = auth.writeKeyOutsideBody(ctx);
        String tooLarge = kind == CallKind.BATCH ? "batch_too_large" : "call_too_large";
        Bodies.Json body = Bodies.readJson(ctx, kind.maxBodyBytes(), tooLarge, true);
        if (principal == null) {
            JsonNode writeKey = body.node().path("writeKey");
            principal = auth.writeKeyInBody(writeKey.isTextual() ? writeKey.textValue() : null);
        }
        ingest.accept(principal.workspaceId(), kind, body.node(), body.bytes());
        ctx.status(200).contentType("application/json").result(SUCCESS);
    }
}
