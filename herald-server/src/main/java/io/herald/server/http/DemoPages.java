package io.herald.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The demo site at {@code /demo}: a pretend product ("Acme Analytics") whose static pages load {@code /sdk/herald.js}
 * and play Herald's in-app scenarios (see {@code herald demo}). Only the files named here are served, read once from
 * the classpath; the pages take the write key and the user from their own query string, so nothing secret is served.
 */
final class DemoPages {
    private static final String ROOT = "/io/herald/server/demo/";
    /** Path segment after /demo → file and content type. */
    private static final Map<String, String[]> FILES = Map.of(
            "", new String[] {"index.html", "text/html; charset=utf-8"},
            "pricing", new String[] {"pricing.html", "text/html; charset=utf-8"},
            "checkout", new String[] {"checkout.html", "text/html; charset=utf-8"},
            "settings", new String[] {"settings.html", "text/html; charset=utf-8"},
            "demo.js", new String[] {"demo.js", "text/javascript; charset=utf-8"},
            "demo.css", new String[] {"demo.css", "text/css; charset=utf-8"});

    private final Map<String, byte[]> contents;

    DemoPages() {
        java.util.HashMap<String, byte[]> read = new java.util.HashMap<>();
        FILES.forEach((segment, file) -> read.put(segment, resource(file[0])));
        this.contents = Map.copyOf(read);
    }

    void home(Context ctx) {
        serve(ctx, "");
    }

    void page(Context ctx) {
        serve(ctx, ctx.pathParam("page"));
    }

    private void serve(Context ctx, String segment) {
        byte[] body = contents.get(segment);
        if (body == null) {
            ctx.status(404).contentType("text/html; charset=utf-8")
                    .result("<!doctype html><title>Not found</title><p>No such demo page. Start at <a href=\"/demo\">/demo</a>.");
            return;
        }
        // The demo is edited with Herald; a stale cached page would load a stale SDK.
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(FILES.get(segment)[1]).result(body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = DemoPages.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IllegalStateException("demo file missing from the jar: " + ROOT + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
