package io.herald.bench;

import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.store.Sql;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * In-app messages live (issue 6): {@code --connections} concurrent SSE streams on one Herald (memory per stream),
 * the latency from a person's event to the in-app message it triggers arriving on their stream at {@code --rate}
 * messages/s, and the eligible-messages endpoint's rate against the server's no-op endpoint ({@code GET /health})
 * in the same run.
 *
 * <p>This process runs Herald (processors, dispatcher and expiry sweep in the background); the client — the streams,
 * the pings, the endpoint comparison — runs in a child JVM ({@link InAppClient}, same jar), so that 10,000 streams
 * fit the per-process descriptor limit and each side's CPU is measured on its own. The memory measured around
 * opening the streams is therefore the server's alone. Latency is measured in the child, from when the open-loop
 * schedule meant to send the event's POST to the message event read from the person's stream; it includes ingest,
 * the person processor, the campaign, the delivery and the fan-out. The POST's own answer (the event is durable)
 * is reported beside it as the floor.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar inapp --engine sqlite [--connections 10000]
 * [--rate 1000] [--seconds 15] [--list-seconds 10] [--clients 8] [--pool 32] [--warmup 5] [--client-heap 1g] [--partitions 1]}; the
 * client first sends {@code --warmup} seconds of pings at the same rate whose figures are dropped (JIT warm-up).
 */
final class InAppBench {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "connections", "rate", "seconds", "list-seconds", "clients",
            "pool", "warmup", "client-heap", "partitions", "pg-url", "pg-user", "pg-password", "tmp");
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
        int pool = o.integer("pool", 32, 1);
        int warmup = o.integer("warmup", 5, 0);
        String clientHeap = o.get("client-heap", "1g");
        int partitions = o.integer("partitions", 1, 1);
        try (BenchStore store = BenchStore.create(o)) {
            LoadGenerator.log("in-app on %s (%d partitions): %,d streams, %,d messages/s for %d s; JVM %s, %d CPUs, max heap %s",
                    store.engineName(), partitions, connections, rate, seconds, Runtime.version(),
                    Runtime.getRuntime().availableProcessors(), Memory.mib(Runtime.getRuntime().maxMemory()));
            Config config = new Config("127.0.0.1", 0, store.dir(), store.heraldConfig(), partitions, WRITE_KEY, ADMIN_KEY,
                    IDENTITY_SECRET, false);
            try (Herald herald = Herald.start(config, InstantSource.system(), true)) {
                Http http = new Http(herald.port());
                String campaign = http.admin("/api/v1/campaigns", CAMPAIGN).replaceAll("(?s).*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
                http.admin("/api/v1/campaigns/" + campaign + "/activate", "");
                seedPeople(http, herald, connections);

                long heap0 = Memory.heapAfterGc();
                long rss0 = Memory.rss();
                Process child = startClient(herald.port(), connections, rate, seconds, warmup, listSeconds, clients, pool, clientHeap);
                BufferedReader fromChild = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                PrintStream toChild = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
                Map<String, String[]> lines = new HashMap<>();
                double openSeconds = Double.parseDouble(awaitLine(fromChild, "open", lines)[1]);
                long heap1 = Memory.heapAfterGc();
                long rss1 = Memory.rss();
                LoadGenerator.log("%,d streams open in %.1f s; server heap %s → %s, RSS %s → %s", connections, openSeconds,
                        Memory.mib(heap0), Memory.mib(heap1), Memory.mib(rss0), Memory.mib(rss1));

                // Streams open and idle for one heartbeat interval: what holding them costs the server's CPU.
                long idleCpu0 = Cpu.now();
                long idleWall0 = System.nanoTime();
                LockSupport.parkNanos(herald.inAppFeed().heartbeat().toNanos());
                double idleCores = (Cpu.now() - idleCpu0) / (double) (System.nanoTime() - idleWall0);
                toChild.println("go");
                awaitLine(fromChild, "measure", lines); // after the client's warm-up
                long cpu0 = Cpu.now();
                ThreadCpu threads0 = ThreadCpu.snapshot();
                long wall0 = System.nanoTime();
                awaitLine(fromChild, "pinged", lines);
                long serverCpu = Cpu.now() - cpu0;
                String serverThreads = ThreadCpu.snapshot().since(threads0, (System.nanoTime() - wall0) / 1e9);
                String[] pings = lines.get("pings");
                int total = Integer.parseInt(pings[1]);
                int failed = Integer.parseInt(pings[2]);
                long received = Long.parseLong(pings[3]);
                long clientCpu = Long.parseLong(lines.get("cpu")[1]);
                LoadGenerator.log("%,d of %,d messages arrived on their streams (%d POSTs failed: %s; -1 = no answer)",
                        received, total, failed, pings[5]);
                toChild.println("list");
                awaitLine(fromChild, "done", lines);
                double health = Double.parseDouble(lines.get("rate health")[2]);
                double list = Double.parseDouble(lines.get("rate list")[2]);
                String[] slices = lines.get("rate slices");
                child.waitFor();
                int eligible = herald.database().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE "
                        + "channel = 'in_app' AND status = 'sent'", rs -> rs.getInt(1))).orElse(0);

                Report report = new Report("In-app on " + store.engineName() + " (" + partitions + " partitions) — " + String.format("%,d", connections)
                        + " SSE streams, " + String.format("%,d", rate) + " messages/s for " + seconds + " s");
                report.row("streams open (each got its styles event)", String.format("%,d in %.1f s", connections, openSeconds));
                report.row("server heap per stream (live set after GC, before → after)", perStream(heap1 - heap0, connections),
                        "", Memory.mib(heap0) + " → " + Memory.mib(heap1));
                report.row("server RSS per stream", perStream(rss1 - rss0, connections), "", Memory.mib(rss0) + " → "
                        + Memory.mib(rss1) + " (client in its own process)");
                report.row("server CPU with the streams open and idle (one heartbeat interval, " + herald.inAppFeed()
                        .heartbeat().toSeconds() + " s)", String.format("%.1f %% of a core", idleCores * 100));
                report.row("pings sent (open loop)", String.format("%,d in %s s", total, pings[4]));
                report.row("messages received on their stream", String.format("%,d of %,d accepted", received,
                        total - failed), "all", Report.verdict(received == total - failed));
                if (failed > 0) report.row("pings refused (status: count; -1 = no answer)", pings[5], "", "not counted");
                String[] latency = lines.get("stat latency");
                double p99 = Double.parseDouble(latency[4]);
                report.row("event POST due → message on stream (p50 / p99 / max)", millis(latency), "p99 < 250 ms",
                        Report.verdict(p99 < 250));
                report.row("baseline: event POST due → its 200 answer (p50 / p99 / max)", millis(lines.get("stat ack")),
                        "", "the event is durable; every message comes after this");
                report.row("delivery queued by the campaign → message on stream (p50 / p99 / max)",
                        millis(lines.get("stat queued")), "", "delivery + fan-out; ms resolution, two processes' wall clocks");
                report.row("server CPU (this process) per message", String.format("%.0f µs", serverCpu / 1e3 / total), "",
                        String.format("%.1f s over the ping phase", serverCpu / 1e9));
                report.row("server CPU by thread (ping phase; virtual threads run on the ForkJoinPool carriers)",
                        serverThreads);
                report.row("client CPU (child process) per message", String.format("%.0f µs", clientCpu / 1e3 / total), "",
                        String.format("%.1f s over the ping phase", clientCpu / 1e9));
                report.row("GET /v1/inapp/messages (" + clients + " clients; " + String.format("%,d", eligible)
                        + " eligible deliveries over " + String.format("%,d", connections) + " people)", Report.rate(list));
                report.row("GET /health (no-op endpoint, same server)", Report.rate(health));
                report.row("messages / no-op", Report.ratio(list, health), "≥ 50%", Report.verdict(list >= 0.5 * health)
                        + "; the two alternate in " + listSeconds + " one-second slices each; the slices' ratios min "
                        + slices[2] + " / median " + slices[3] + " / max " + slices[4]);
                System.out.println(report.markdown());
            }
        }
    }

    /** The client JVM: the same java and class path as this one. */
    private static Process startClient(int port, int connections, int rate, int seconds, int warmup, int listSeconds, int clients,
                                       int pool, String heap) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
                BenchMain.class.getName(), "inapp-client", "--port", Integer.toString(port), "--connections",
                Integer.toString(connections), "--rate", Integer.toString(rate), "--seconds", Integer.toString(seconds),
                "--warmup", Integer.toString(warmup),
                "--list-seconds", Integer.toString(listSeconds), "--clients", Integer.toString(clients), "--pool",
                Integer.toString(pool), "--write-key", WRITE_KEY, "--identity-secret", IDENTITY_SECRET);
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * Reads the child's lines until one starting with {@code word}; keeps every line by its first word (two for
     * {@code stat} and {@code rate} lines). Fails when the child ends first.
     */
    private static String[] awaitLine(BufferedReader in, String word, Map<String, String[]> lines) throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] parts = line.trim().split("\\s+");
            String key = parts[0].equals("stat") || parts[0].equals("rate") ? parts[0] + " " + parts[1] : parts[0];
            lines.put(key, parts);
            if (parts[0].equals(word)) return parts;
        }
        throw new IllegalStateException("the client process ended before '" + word + "'");
    }

    /** "p50 / p99 / max ms" from a {@code stat} line. */
    private static String millis(String[] stat) {
        return stat[3] + " / " + stat[4] + " / " + stat[5] + " ms (" + stat[2] + " samples)";
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

    }
}
