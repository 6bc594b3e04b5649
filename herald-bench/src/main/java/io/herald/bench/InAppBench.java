package io.herald.bench;

import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.store.Sql;
import io.herald.workspace.Secrets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * In-app messages live (issue 6): {@code --connections} concurrent SSE streams on one Herald (memory per stream),
 * the latency from a person's event to the in-app message it triggers arriving on their stream at {@code --rate}
 * messages/s, and the eligible-messages endpoint's rate against the server's no-op endpoint ({@code GET /health})
 * in the same run.
 *
 * <p>The streams are read by one selector thread over raw sockets (a few hundred bytes of client state each), so
 * the memory measured around opening them is essentially the server's. Latency is measured from when the event's
 * POST was sent (open loop: sends are scheduled by the clock, each on its own virtual thread) to the message event
 * read from the person's stream; it includes ingest, the person processor, the campaign, the dispatcher's poll
 * (every 200 ms) and the fan-out.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar inapp --engine sqlite [--connections 10000]
 * [--rate 1000] [--seconds 15] [--list-seconds 10] [--clients 8]}. Client and server share the process, so each
 * stream costs two file descriptors: 10,000 streams need {@code ulimit -n} above 20,000.
 */
final class InAppBench {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "connections", "rate", "seconds", "list-seconds", "clients",
            "pg-url", "pg-user", "pg-password", "tmp");
    private static final String WRITE_KEY = "wk_bench_0123456789abcdef";
    private static final String ADMIN_KEY = "ak_bench_0123456789abcdef";
    private static final String IDENTITY_SECRET = "hs_bench_0123456789abcdef";
    private static final String CAMPAIGN = """
            {"name":"Ping","trigger":{"event":"ping"},"entry":{"reentry":"always"},"start":"show",
             "steps":{"show":{"type":"message","channel":"in_app","message":{"format":"banner","steps":[{"blocks":
               [{"type":"text","text":"Ping for {{ person.name }}"}]}],"display":{"frequency":"always"}},"next":"done"},
              "done":{"type":"exit"}}}""";

    private InAppBench() {
    }

    static void run(Options o) throws Exception {
        int connections = o.integer("connections", 10_000, 1);
        int rate = o.integer("rate", 1000, 1);
        int seconds = o.integer("seconds", 15, 1);
        int listSeconds = o.integer("list-seconds", 10, 1);
        int clients = o.integer("clients", 8, 1);
        try (BenchStore store = BenchStore.create(o)) {
            LoadGenerator.log("in-app on %s: %,d streams, %,d messages/s for %d s; JVM %s, %d CPUs, max heap %s",
                    store.engineName(), connections, rate, seconds, Runtime.version(),
                    Runtime.getRuntime().availableProcessors(), Memory.mib(Runtime.getRuntime().maxMemory()));
            Config config = new Config("127.0.0.1", 0, store.dir(), store.heraldConfig(), 1, WRITE_KEY, ADMIN_KEY,
                    IDENTITY_SECRET, false);
            // One clock for Herald and the reader: a message's createdAt is compared with its arrival time.
            InstantSource clock = InstantSource.system();
            try (Herald herald = Herald.start(config, clock, true)) {
                Http http = new Http(herald.port());
                String campaign = http.admin("/api/v1/campaigns", CAMPAIGN).replaceAll("(?s).*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
                http.admin("/api/v1/campaigns/" + campaign + "/activate", "");
                seedPeople(http, herald, connections);

                long heap0 = Memory.heapAfterGc();
                long rss0 = Memory.rss();
                Streams streams = new Streams(herald.port(), connections, clock);
                Thread reader = Thread.ofPlatform().name("bench-sse-reader").daemon(true).start(streams::loop);
                long t0 = System.nanoTime();
                while (streams.connected.get() < connections) {
                    if (System.nanoTime() - t0 > Duration.ofMinutes(3).toNanos()) {
                        throw new IllegalStateException("only " + streams.connected.get() + " of " + connections
                                + " streams got their styles event within 3 minutes");
                    }
                    LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
                double openSeconds = (System.nanoTime() - t0) / 1e9;
                long heap1 = Memory.heapAfterGc();
                long rss1 = Memory.rss();
                LoadGenerator.log("%,d streams open in %.1f s; heap %s → %s, RSS %s → %s", connections, openSeconds,
                        Memory.mib(heap0), Memory.mib(heap1), Memory.mib(rss0), Memory.mib(rss1));

                // Latency: one ping a tick, round robin over the people, each POST on its own virtual thread.
                long interval = 1_000_000_000L / rate;
                int total = rate * seconds;
                long start = System.nanoTime();
                AtomicInteger failedPosts = new AtomicInteger();
                java.util.Map<Integer, AtomicInteger> refusals = new java.util.concurrent.ConcurrentHashMap<>();
                for (int i = 0; i < total; i++) {
                    long due = start + i * interval;
                    long wait = due - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                    int person = i % connections;
                    Long sentAt = System.nanoTime();
                    streams.sent[person].add(sentAt);
                    Thread.ofVirtual().start(() -> {
                        int status = http.track("{\"userId\":\"u" + person + "\",\"event\":\"ping\"}");
                        if (status != 200) {
                            // No message will come for it: its send time must not be matched with a later one.
                            streams.sent[person].remove(sentAt);
                            failedPosts.incrementAndGet();
                            refusals.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                        }
                    });
                }
                double sendSeconds = (System.nanoTime() - start) / 1e9;
                long drainStart = System.nanoTime();
                while (streams.received.get() < total - failedPosts.get() && System.nanoTime() - drainStart < Duration.ofSeconds(30).toNanos()) {
                    LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                }
                long received = streams.received.get();
                LoadGenerator.log("%,d of %,d messages arrived on their streams (%d POSTs failed: %s; -1 = no answer)",
                        received, total, failedPosts.get(), refusals);

                // The eligible-messages endpoint against the no-op endpoint, same server, same client threads.
                double health = http.closedLoop(clients, Duration.ofSeconds(listSeconds), i -> "/health");
                double list = http.closedLoop(clients, Duration.ofSeconds(listSeconds), i -> {
                    String user = "u" + i;
                    return "/v1/inapp/messages?writeKey=" + WRITE_KEY + "&userId=" + user + "&userHash="
                            + Secrets.hmacSha256Hex(IDENTITY_SECRET, user);
                }, connections);
                int eligible = herald.database().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE "
                        + "channel = 'in_app' AND status = 'sent'", rs -> rs.getInt(1))).orElse(0);

                Report report = new Report("In-app on " + store.engineName() + " — " + String.format("%,d", connections)
                        + " SSE streams, " + String.format("%,d", rate) + " messages/s for " + seconds + " s");
                report.row("streams open (each got its styles event)", String.format("%,d in %.1f s", connections, openSeconds));
                report.row("heap per stream (live set after GC, before → after)", perStream(heap1 - heap0, connections),
                        "", Memory.mib(heap0) + " → " + Memory.mib(heap1));
                report.row("RSS per stream", perStream(rss1 - rss0, connections), "", Memory.mib(rss0) + " → "
                        + Memory.mib(rss1) + " (client sockets included)");
                report.row("pings sent (open loop)", String.format("%,d in %.1f s", total, sendSeconds));
                report.row("messages received on their stream", String.format("%,d of %,d accepted", received,
                        total - failedPosts.get()), "all", Report.verdict(received == total - failedPosts.get()));
                if (failedPosts.get() > 0) {
                    report.row("pings refused (status: count; -1 = no answer)", refusals.toString(), "", "not counted");
                }
                double p99 = streams.latencies.percentileMillis(0.99);
                report.row("event POST sent → message on stream (p50 / p99 / max)", String.format("%.0f / %.0f / %.0f ms",
                        streams.latencies.percentileMillis(0.5), p99, streams.latencies.percentileMillis(1.0)),
                        "p99 < 250 ms", Report.verdict(p99 < 250));
                report.row("delivery queued by the campaign → message on stream (p50 / p99 / max)",
                        String.format("%.0f / %.0f / %.0f ms", streams.fromQueued.percentileMillis(0.5),
                                streams.fromQueued.percentileMillis(0.99), streams.fromQueued.percentileMillis(1.0)), "",
                        "dispatcher poll (200 ms) + gate/render/record + fan-out; ms resolution");
                report.row("GET /v1/inapp/messages (" + clients + " clients; " + String.format("%,d", eligible)
                        + " eligible deliveries over " + String.format("%,d", connections) + " people)", Report.rate(list));
                report.row("GET /health (no-op endpoint, same server)", Report.rate(health));
                report.row("messages / no-op", Report.ratio(list, health), "≥ 50%", Report.verdict(list >= 0.5 * health));
                System.out.println(report.markdown());
                reader.interrupt();
                reader.join(5000);
                streams.close();
            }
        }
    }

    private static String perStream(long bytes, int n) {
        return String.format("%.1f KiB", bytes / 1024.0 / n);
    }

    private static void seedPeople(Http http, Herald herald, int n) throws Exception {
        for (int from = 0; from < n; from += 500) {
            StringBuilder b = new StringBuilder("{\"batch\":[");
            for (int i = from; i < Math.min(n, from + 500); i++) {
                if (i > from) b.append(',');
                b.append("{\"type\":\"identify\",\"userId\":\"u").append(i).append("\",\"traits\":{\"name\":\"P")
                        .append(i).append("\"}}");
            }
            if (!http.post("/v1/batch", b.append("]}").toString())) throw new IllegalStateException("seeding failed");
        }
        long t0 = System.nanoTime();
        while (true) {
            int people = herald.database().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM persons",
                    rs -> rs.getInt(1))).orElse(0);
            if (people >= n) break;
            if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) throw new IllegalStateException("seeding stalled");
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        LoadGenerator.log("seeded %,d people", n);
    }

    /** Requests to the Herald under test. */
    private static final class Http {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final String base;
        private final String basic = "Basic " + Base64.getEncoder().encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));

        Http(int port) {
            this.base = "http://127.0.0.1:" + port;
        }

        String admin(String path, String json) throws Exception {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) throw new IllegalStateException(path + " → " + r.statusCode() + " " + r.body());
            return r.body();
        }

        boolean post(String path, String json) {
            return send(path, json) == 200;
        }

        /** The answer's status, or -1 when there was none. */
        int send(String path, String json) {
            try {
                return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", basic)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        int track(String json) {
            return send("/v1/track", json);
        }

        double closedLoop(int threads, Duration d, java.util.function.IntFunction<String> path) throws Exception {
            return closedLoop(threads, d, path, 1);
        }

        /** Requests/s answered 200 by {@code threads} clients sending back to back; path(i) for a random i < people. */
        double closedLoop(int threads, Duration d, java.util.function.IntFunction<String> path, int people)
                throws Exception {
            AtomicLong ok = new AtomicLong();
            long deadline = System.nanoTime() + d.toNanos();
            List<Thread> ts = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < deadline) {
                        try {
                            int s = client.send(HttpRequest.newBuilder(URI.create(base + path.apply(
                                    ThreadLocalRandom.current().nextInt(people)))).GET().build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode();
                            if (s == 200) ok.incrementAndGet();
                        } catch (IOException e) {
                            // counted as not answered
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            for (Thread t : ts) t.join();
            return ok.get() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The streams, read by one selector thread; a stream's index is its person's. */
    private static final class Streams {
        private static final byte[] STYLES = "event: styles".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] MESSAGE = "event: message".getBytes(StandardCharsets.US_ASCII);
        final AtomicInteger connected = new AtomicInteger();
        final AtomicLong received = new AtomicLong();
        final Latencies latencies = new Latencies();
        /** From the delivery's creation (the campaign step queued it; createdAt in the message) to arrival. */
        final Latencies fromQueued = new Latencies();
        private static final java.util.regex.Pattern CREATED = java.util.regex.Pattern.compile(
                "\"createdAt\":\"([^\"]+)\"");
        final Queue<Long>[] sent;
        private final Selector selector;
        private final byte[][] tails;
        private final InstantSource clock;

        @SuppressWarnings("unchecked")
        Streams(int port, int n, InstantSource clock) throws IOException {
            this.clock = clock;
            this.selector = Selector.open();
            this.sent = new Queue[n];
            this.tails = new byte[n][];
            for (int i = 0; i < n; i++) {
                sent[i] = new ConcurrentLinkedQueue<>();
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                String user = "u" + i;
                String request = "GET /v1/inapp/stream?writeKey=" + WRITE_KEY + "&userId=" + user + "&userHash="
                        + Secrets.hmacSha256Hex(IDENTITY_SECRET, user) + "&sessionId=s" + i + " HTTP/1.1\r\n"
                        + "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
                ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, i);
            }
        }

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
                        long wall = clock.millis();
                        byte[] tail = tails[i];
                        byte[] data = new byte[(tail == null ? 0 : tail.length) + n];
                        if (tail != null) System.arraycopy(tail, 0, data, 0, tail.length);
                        System.arraycopy(buf.array(), 0, data, tail == null ? 0 : tail.length, n);
                        connected.addAndGet(count(data, STYLES));
                        int messages = count(data, MESSAGE);
                        if (messages > 0) {
                            java.util.regex.Matcher m = CREATED.matcher(new String(data, StandardCharsets.UTF_8));
                            while (m.find()) {
                                fromQueued.record(Math.max(0, wall - java.time.Instant.parse(m.group(1)).toEpochMilli())
                                        * 1_000_000L);
                            }
                        }
                        for (int m = 0; m < messages; m++) {
                            Long at = sent[i].poll();
                            if (at != null) latencies.record(now - at);
                            received.incrementAndGet();
                        }
                        // Keep the last bytes, so a marker cut in two by a read is found whole next time, once.
                        int keep = Math.min(data.length, MESSAGE.length - 1);
                        tails[i] = java.util.Arrays.copyOfRange(data, data.length - keep, data.length);
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

        void close() throws IOException {
            for (SelectionKey k : selector.keys()) k.channel().close();
            selector.close();
        }
    }
}
