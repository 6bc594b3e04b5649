package io.herald.bench;

import io.herald.workspace.Secrets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Herald's in-app SSE streams, one per person, on raw sockets read by one selector thread (a few hundred bytes of
 * client state each); a stream's index is its person's ({@code u<i>}). A message event is matched with the oldest
 * ping sent to that person and not yet answered ({@link #sent}), in {@link System#nanoTime()} of this process.
 */
final class SseStreams implements AutoCloseable {
    private static final byte[] STYLES = "event: styles".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "event: message".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern CREATED = Pattern.compile("\"createdAt\":\"([^\"]+)\"");
    final AtomicInteger connected = new AtomicInteger();
    final AtomicLong received = new AtomicLong();
    /** Ping sent → message event read, nanoseconds. */
    final Latencies latencies = new Latencies();
    /**
     * From the delivery's creation (the campaign step queued it; createdAt in the message, the server's epoch
     * millis) to arrival (this process's epoch millis: the same machine's wall clock), nanoseconds.
     */
    final Latencies fromQueued = new Latencies();
    /** Per person, the nanoTime of each ping whose message has not arrived yet, oldest first. */
    final Queue<Long>[] sent;
    private final Selector selector;
    /** What arrival times are read from: the wall clock of the server's machine, which stamps createdAt. */
    private final InstantSource wallClock;
    private final byte[][] tails;

    @SuppressWarnings("unchecked")
    SseStreams(int port, int n, String writeKey, String identitySecret, InstantSource wallClock) throws IOException {
        this.wallClock = wallClock;
        this.selector = Selector.open();
        this.sent = new Queue[n];
        this.tails = new byte[n][];
        for (int i = 0; i < n; i++) sent[i] = new ConcurrentLinkedQueue<>();
        // Connected from a few threads: one after the other, 10,000 connects took 90 s with the server mostly idle.
        int threads = Math.min(8, n);
        java.util.List<Thread> openers = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<IOException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            openers.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = first; i < n; i += threads) open(port, i, writeKey, identitySecret);
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : openers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while opening streams", e);
            }
        }
        if (failure.get() != null) throw failure.get();
    }

    private void open(int port, int i, String writeKey, String identitySecret) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        String user = "u" + i;
        String request = "GET /v1/inapp/stream?writeKey=" + writeKey + "&userId=" + user + "&userHash="
                + Secrets.hmacSha256Hex(identitySecret, user) + "&sessionId=s" + i + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
        ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, i);
    }

    /** Reads until interrupted. */
    void loop() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                selector.select(500);
                for (SelectionKey k : selector.selectedKeys()) {
                    int i = (Integer) k.attachment();
                    buf.clear();
                    int n = ((SocketChannel) k.channel()).read(buf);
                    if (n < 0) {
                        k.cancel();
                        continue;
                    }
                    long now = System.nanoTime();
                    long wall = wallClock.millis();
                    byte[] tail = tails[i];
                    byte[] data = new byte[(tail == null ? 0 : tail.length) + n];
                    if (tail != null) System.arraycopy(tail, 0, data, 0, tail.length);
                    System.arraycopy(buf.array(), 0, data, tail == null ? 0 : tail.length, n);
                    connected.addAndGet(count(data, STYLES));
                    int messages = count(data, MESSAGE);
                    if (messages > 0) {
                        Matcher m = CREATED.matcher(new String(data, StandardCharsets.UTF_8));
                        while (m.find()) {
                            fromQueued.record(Math.max(0, wall - Instant.parse(m.group(1)).toEpochMilli()) * 1_000_000L);
                        }
                    }
                    for (int m = 0; m < messages; m++) {
                        Long at = sent[i].poll();
                        if (at != null) latencies.record(now - at);
                        received.incrementAndGet();
                    }
                    // Keep the last bytes, so a marker cut in two by a read is found whole next time, once.
                    int keep = Math.min(data.length, MESSAGE.length - 1);
                    tails[i] = Arrays.copyOfRange(data, data.length - keep, data.length);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            if (!Thread.currentThread().isInterrupted()) LoadGenerator.log("stream reader failed: %s", e);
        }
    }

    private static int count(byte[] data, byte[] marker) {
        int found = 0;
        outer:
        for (int i = 0; i + marker.length <= data.length; i++) {
            for (int j = 0; j < marker.length; j++) if (data[i + j] != marker[j]) continue outer;
            found++;
            i += marker.length - 1;
        }
        return found;
    }

    @Override
    public void close() throws IOException {
        for (SelectionKey k : selector.keys()) k.channel().close();
        selector.close();
    }
}
