package io.herald.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads request bodies with a hard size limit, before anything is parsed: an oversized body is refused with 413
 * after reading at most limit + 1 bytes, whatever Content-Length claims. Gzip bodies (sent by some Segment clients)
 * are limited after decompression, so a small compressed bomb cannot expand in memory.
 */
final class Bodies {
    private Bodies() {
    }

    /** A parsed JSON body and its size in bytes. */
    record Json(JsonNode node, int bytes) {
    }

    static Json readJson(Context ctx, int maxBytes, String tooLargeCode, boolean allowTextPlain) {
        checkContentType(ctx, allowTextPlain);
        long declared = ctx.req().getContentLengthLong();
        String encoding = ctx.header("Content-Encoding");
        boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
        if (!gzip && declared > maxBytes) throw tooLarge(tooLargeCode, maxBytes);
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            throw new ClientError(415, "unsupported_encoding", "Content-Encoding must be gzip or identity", null);
        }
        byte[] bytes;
        try {
            InputStream in = ctx.req().getInputStream();
            if (gzip) in = new GZIPInputStream(in);
            bytes = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw new ClientError(400, "unreadable_body", "the request body could not be read: " + e.getMessage(), null);
        }
        if (bytes.length > maxBytes) throw tooLarge(tooLargeCode, maxBytes);
        if (bytes.length == 0) throw new ClientError(400, "invalid_json", "the request body is empty", null);
        try {
            return new Json(EventCodec.mapper().readTree(bytes), bytes.length);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new ClientError(400, "invalid_json", "the request body is not valid JSON" + where, null);
        } catch (IOException e) {
            throw new ClientError(400, "invalid_json", "the request body is not valid JSON", null);
        }
    }

    /**
     * Reads and discards what is left of the request's body, up to {@link #DRAIN_LIMIT}. Every API answer calls it
     * before it is written (an after-handler, which also runs after refusals) and so do the preference pages' refusals.
     * Answered with its body unread, a request cost the client its connection:
     * <ul>
     *   <li>a refusal (a 413 found from Content-Length, a 401 before the body was looked at) made Jetty say
     *       {@code Connection: close} and close on the unread bytes, and a client still sending could lose the answer
     *       to the reset;</li>
     *   <li>a route that ignores bodies (activating a campaign with {@code {}}) could answer before the body arrived;
     *       Jetty then closed after its answer without saying so, and the client's next request on the connection got
     *       no answer at all.</li>
     * </ul>
     * A request without a body costs nothing; a body already read costs one read that finds its end; one larger than
     * the limit is cut off (the connection closes), as it must be.
     */
    static void drain(Context ctx) {
        if (ctx.req().getContentLengthLong() <= 0 && ctx.header("Transfer-Encoding") == null) return;
        try {
            InputStream raw = ctx.req().getInputStream();
            byte[] sink = new byte[16 * 1024];
            long left = DRAIN_LIMIT;
            int n;
            while (left > 0 && (n = raw.read(sink, 0, (int) Math.min(sink.length, left))) > 0) left -= n;
        } catch (IOException e) {
            // the client went away: nothing to answer
        }
    }

    static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private static void checkContentType(Context ctx, boolean allowTextPlain) {
        String type = ctx.header("Content-Type");
        if (type == null || type.isBlank()) return; // curl and some clients omit it; the body must still be JSON
        String t = type.toLowerCase();
        if (t.startsWith("application/json") || t.contains("+json")) return;
        // Browsers' sendBeacon posts text/plain to avoid a CORS preflight; the body is still JSON.
        if (allowTextPlain && t.startsWith("text/plain")) return;
        throw new ClientError(415, "unsupported_media_type", "the request body must be JSON (Content-Type: "
                + "application/json), was " + type, null);
    }

    private static ClientError tooLarge(String code, int maxBytes) {
        return new ClientError(413, code, "the request body must be at most " + maxBytes + " bytes", null);
    }
}
