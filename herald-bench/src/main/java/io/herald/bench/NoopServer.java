package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.io.IOException;

/**
 * The HTTP baseline: a Javalin server with Herald's settings (virtual threads, the same request size limit) whose
 * {@code POST /v1/batch} reads the body, parses it as JSON with Jackson and answers {@code {"success":true}}.
 * Herald's rate divided by this one's says how much of the HTTP and JSON floor Herald keeps.
 */
final class NoopServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Javalin http;

    private NoopServer(Javalin http) {
        this.http = http;
    }

    static NoopServer start() {
        Javalin http = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = 1024 * 1024;
            config.routes.post("/v1/batch", ctx -> {
                JsonNode body;
                try {
                    body = JSON.readTree(ctx.req().getInputStream().readAllBytes());
                } catch (IOException e) {
                    ctx.status(400).result("{\"error\":\"invalid_json\"}");
                    return;
                }
                if (!body.path("batch").isArray()) {
                    ctx.status(400).result("{\"error\":\"missing batch\"}");
                    return;
                }
                ctx.status(200).contentType("application/json").result("{\"success\":true}");
            });
        });
        http.start("127.0.0.1", 0);
        return new NoopServer(http);
    }

    int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
    }
}
