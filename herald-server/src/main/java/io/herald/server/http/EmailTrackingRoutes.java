package io.herald.server.http;

import io.herald.delivery.DeliveryProgress;
import io.herald.email.Tracking;
import io.javalin.http.Context;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public ends of email tracking: the open pixel ({@code GET /t/o/{token}.gif}) and the click redirect
 * ({@code GET /t/c/{token}}). Only tokens this server signed are honored (anything else is a 404), and a click goes
 * to the URL inside its token alone, so these routes are never an open redirect. Recording is best effort: a reader
 * gets the pixel and the link even when the store cannot record them.
 */
final class EmailTrackingRoutes {
    private static final Logger log = LoggerFactory.getLogger(EmailTrackingRoutes.class);
    /** A transparent 1×1 GIF. */
    private static final byte[] PIXEL = Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    private final Tracking tracking;
    private final DeliveryProgress progress;

    EmailTrackingRoutes(Tracking tracking, DeliveryProgress progress) {
        this.tracking = tracking;
        this.progress = progress;
    }

    void open(Context ctx) {
        String token = ctx.pathParam("token");
        Optional<Tracking.Hit> hit = token.endsWith(".gif")
                ? tracking.verify(token.substring(0, token.length() - 4)).filter(h -> !h.click()) : Optional.empty();
        if (hit.isEmpty()) {
            notFound(ctx);
            return;
        }
        record(hit.get(), "opened");
        ctx.header("Cache-Control", "no-store, max-age=0"); // every open should reach us, not a cache
        ctx.contentType("image/gif").result(PIXEL);
    }

    void click(Context ctx) {
        Optional<Tracking.Hit> hit = tracking.verify(ctx.pathParam("token")).filter(Tracking.Hit::click)
                .filter(h -> h.url().startsWith("https://") || h.url().startsWith("http://"));
        if (hit.isEmpty()) {
            notFound(ctx);
            return;
        }
        record(hit.get(), "clicked");
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(hit.get().url(), io.javalin.http.HttpStatus.FOUND);
    }

    private void record(Tracking.Hit hit, String status) {
        try {
            progress.report(hit.workspaceId(), hit.deliveryId(), status, null, null);
        } catch (RuntimeException e) {
            log.atWarn().setCause(e).addKeyValue("deliveryId", hit.deliveryId()).addKeyValue("status", status)
                    .log("email engagement not recorded");
        }
    }

    private static void notFound(Context ctx) {
        ApiErrors.write(ctx, 404, "not_found", "no such link", null);
    }
}
