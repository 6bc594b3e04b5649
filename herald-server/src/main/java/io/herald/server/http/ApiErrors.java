package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.javalin.http.Context;

/** Writes API.md's error body: {@code {"error": {"code", "message", "field"?}}}. */
final class ApiErrors {
    private ApiErrors() {
    }

    static void write(Context ctx, int status, String code, String message, String field) {
        ctx.status(status).contentType("application/json").result(body(code, message, field));
    }

    static String body(String code, String message, String field) {
        ObjectNode body = EventCodec.mapper().createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        if (field != null) error.put("field", field);
        return body.toString();
    }
}
