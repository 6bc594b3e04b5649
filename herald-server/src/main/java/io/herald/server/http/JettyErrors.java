package io.herald.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the requests Jetty refuses before they reach a route (a malformed URI, headers too large) in API.md's JSON
 * error shape. Without it those answers are Jetty's HTML pages, which SDKs and API clients cannot parse.
 *
 * <p>Each answer says {@code Connection: close}. Jetty closes the connection after refusing such a request (a control
 * character in the path, say) but did not say so: a client keeping connections alive (java.net.http, browsers,
 * SDKs) sent its next request on the closing one and saw it fail with no answer at all.
 */
final class JettyErrors extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, body(status, message), callback);
    }

    /** Errors found while parsing the request head, answered before any request object exists. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        fields.put(HttpHeader.CONNECTION, "close");
        return body(status, reason);
    }

    private static ByteBuffer body(int status, String message) {
        String text = message == null || message.isBlank() ? "the request could not be read (HTTP " + status + ")"
                : message;
        return ByteBuffer.wrap(ApiErrors.body(HttpApi.codeFor(status), text, null).getBytes(StandardCharsets.UTF_8));
    }
}
