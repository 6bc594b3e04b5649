package io.herald.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One persistent HTTP/1.1 connection on a plain socket, for load that must cost the client next to nothing: a
 * request is written as prepared bytes and the answer read with a minimal parser (status line, headers,
 * Content-Length or chunked body, discarded) over a buffer of its own. java.net.http spent a quarter of a 2-core machine's CPU on the same
 * load (its connection pool walks a list per request). Not thread-safe: one connection per sending thread.
 */
final class KeepAlive implements AutoCloseable {
    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    KeepAlive(String host, int port) {
        this.host = host;
        this.port = port;
    }

    static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] post(String path, String authorization, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return request;
    }

    /**
     * Sends a prepared request and reads its answer; returns the status, or -1 when the connection failed (it is
     * opened again for the next request; the request is not retried, since a POST may have been taken).
     */
    int exchange(byte[] request) {
        try {
            if (socket == null) open();
            out.write(request);
            out.flush();
            return readResponse();
        } catch (IOException e) {
            close();
            return -1;
        }
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(60_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        pos = 0;
        limit = 0;
    }

    // The answer is read through this buffer and parsed in place: a header line becomes a String only when it is
    // one of the three that matter, so a 2 KB answer with a dozen headers costs the client a few microseconds.
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;

    private int readResponse() throws IOException {
        int start = lineEnd();
        if (pos - start < 14 || !ascii(start, "http/1.1 ")) throw new IOException("bad status line");
        int status = (buf[start + 9] - '0') * 100 + (buf[start + 10] - '0') * 10 + (buf[start + 11] - '0');
        long length = 0;
        boolean chunked = false;
        boolean closes = false;
        for (int h = lineEnd(); pos - h > 2; h = lineEnd()) {
            if (ascii(h, "content-length:")) length = Long.parseLong(value(h, 15));
            else if (ascii(h, "transfer-encoding:")) chunked = value(h, 18).equalsIgnoreCase("chunked");
            else if (ascii(h, "connection:")) closes = value(h, 11).equalsIgnoreCase("close");
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                skip(size);
                lineEnd();
            }
            while (pos - lineEnd() > 2) {
                // trailers are not used
            }
        } else {
            skip(length);
        }
        if (closes) close();
        return status;
    }

    /** Moves {@code pos} past the next line (CRLF included) and returns where the line started. */
    private int lineEnd() throws IOException {
        int from = pos;
        int i = pos;
        while (true) {
            if (i == limit) {
                // Compact what is left of the line to the front, then read more after it.
                int kept = limit - from;
                if (kept == buf.length) throw new IOException("header line longer than the buffer");
                System.arraycopy(buf, from, buf, 0, kept);
                i -= from;
                from = 0;
                limit = kept;
                int n = in.read(buf, limit, buf.length - limit);
                if (n < 0) throw new EOFException("connection closed");
                limit += n;
            }
            if (buf[i++] == '\n') {
                pos = i;
                return from;
            }
        }
    }

    /** Whether the line at {@code at} starts with {@code lower} (ASCII, ignoring case). */
    private boolean ascii(int at, String lower) {
        if (pos - at < lower.length()) return false;
        for (int k = 0; k < lower.length(); k++) {
            if (Character.toLowerCase((char) buf[at + k]) != lower.charAt(k)) return false;
        }
        return true;
    }

    private String value(int at, int skip) {
        return new String(buf, at + skip, pos - at - skip, StandardCharsets.US_ASCII).trim();
    }

    private long chunkSize() throws IOException {
        int at = lineEnd();
        String line = new String(buf, at, pos - at, StandardCharsets.US_ASCII).trim();
        int semi = line.indexOf(';');
        return Long.parseLong(semi < 0 ? line : line.substring(0, semi).trim(), 16);
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            if (pos == limit) {
                pos = 0;
                limit = in.read(buf, 0, buf.length);
                if (limit < 0) {
                    limit = 0;
                    throw new EOFException("connection closed in a body");
                }
            }
            int k = (int) Math.min(n, limit - pos);
            pos += k;
            n -= k;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do: the connection is dropped either way
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
