package io.herald.server.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /sdk/{file}}: the web SDK bundled into the jar at build time (sdk/web, under {@code sdk/} on the
 * classpath). Customers' pages load it cross-origin, so it answers any origin; an unknown file is API.md's 404.
 */
final class SdkRoutes {
    /** The files the SDK build writes; nothing else on the classpath is reachable through this route. */
    private static final Map<String, String> FILES = Map.of(
            "herald.js", "text/javascript; charset=utf-8",
            "herald-sw.js", "text/javascript; charset=utf-8");
    // Pages embed the unversioned URL, so caches must come back soon to pick up a new release; an hour keeps the
    // script off the request path of most page views.
    private static final String CACHE = "public, max-age=3600";

    private final ClassLoader loader;
    private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

    SdkRoutes() {
        this(SdkRoutes.class.getClassLoader());
    }

    SdkRoutes(ClassLoader loader) {
        this.loader = loader;
    }

    void file(Context ctx) {
        String name = ctx.pathParam("file");
        String type = FILES.get(name);
        byte[] bytes = type == null ? null : loaded.computeIfAbsent(name, this::read);
        if (bytes == null || bytes.length == 0) {
            // An empty entry stands for "not in this build" (built with no SDK), so it is not re-read per request.
            ApiErrors.write(ctx, 404, "not_found", "no such SDK file: " + name, null);
            return;
        }
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.header("Cache-Control", CACHE);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType(type).result(bytes);
    }

    private byte[] read(String name) {
        try (InputStream in = loader.getResourceAsStream("sdk/" + name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sdk/" + name + " from the classpath", e);
        }
    }
}
