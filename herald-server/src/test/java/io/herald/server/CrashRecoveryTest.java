package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.testing.TestHerald;
import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "Acknowledged means durable" (API.md: 200 once every call is durable) holds when Herald's process dies: Herald
 * runs here as a separate OS process, exactly as {@code herald serve} runs it, is killed with SIGKILL while clients
 * are sending, and restarted on the same store. Every event it acknowledged must then be in the event log and in
 * its person's history exactly once. A SIGTERM instead must drain the processors before the process exits.
 */
class CrashRecoveryTest {
    private static final int SENDERS = 4;
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration DRAIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Store store;
    private final List<HeraldProcess> processes = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        processes.forEach(HeraldProcess::kill);
        if (store != null) store.drop();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyAcknowledgedEventIsStoredExactlyOnceAfterSigkillMidTraffic(Engine engine) throws Exception {
        store = Store.fresh(engine, dir);
        HeraldProcess first = start("first");
        // Far more batches than can be sent before the kill, which comes once 60 were acknowledged (about 1-2 s of
        // sending), while the senders are still sending and the processors are behind (hundreds to thousands of
        // events in trials), so the restart must also finish the processing the kill cut short.
        Traffic traffic = new Traffic(first.baseUrl(), 50, 10_000, 60);
        traffic.start();
        assertThat(traffic.awaitEnoughAcknowledged(Duration.ofSeconds(30)))
                .as("60 batches acknowledged within 30 s; problems so far: %s%n%s", traffic.unexpected, first.log())
                .isTrue();
        traffic.killing();
        first.kill();
        traffic.awaitEnd();

        HeraldProcess restarted = start("restarted");
        restarted.awaitLagZero();
        restarted.stopGracefully();

        assertThat(traffic.unexpected).as("answers other than 200, and connection failures before the kill "
                + "(%d requests failed at the kill)", traffic.failedAtKill.get()).isEmpty();
        assertThat(traffic.acknowledged).as("acknowledged events").isNotEmpty();
        store.assertStoredExactlyOnce(traffic.acknowledged);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sigtermDrainsTheLogBeforeTheProcessExits(Engine engine) throws Exception {
        store = Store.fresh(engine, dir);
        HeraldProcess first = start("first");
        int callsPerBatch = 250;
        int batchesPerSender = 10;
        Traffic traffic = new Traffic(first.baseUrl(), callsPerBatch, batchesPerSender, 1);
        traffic.start();
        traffic.awaitEnd();
        assertThat(traffic.unexpected).as("answers other than 200").isEmpty();
        assertThat(traffic.acknowledged).hasSize(SENDERS * batchesPerSender * callsPerBatch);

        // SIGTERM at once. Whether events still wait for the processors then depends on the engine: PostgreSQL's
        // processors were thousands of events behind in trials; on SQLite they share the one writer with ingest
        // and had mostly caught up.
        first.stopGracefully();

        // Checked in the store before anything restarts: the drain happened at shutdown, not afterwards.
        store.assertStoredExactlyOnce(traffic.acknowledged);
        HeraldProcess restarted = start("restarted");
        assertThat(restarted.lag()).as("lag right after the restart").isZero();
        String last = Traffic.messageId(SENDERS - 1, batchesPerSender - 1, callsPerBatch - 1);
        TestHerald.Answer events = restarted.admin("/api/v1/people/" + Traffic.userOf(last) + "/events");
        assertThat(events.status()).as(events.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        events.json().path("data").forEach(e -> ids.add(e.path("id").asText()));
        assertThat(ids).as("events of the last call's person, through the admin API").containsExactly(last);
        restarted.stopGracefully();
    }

    private HeraldProcess start(String name) throws IOException, InterruptedException {
        HeraldProcess p = HeraldProcess.start(store.environment(dir.resolve("data")), dir.resolve(name + ".log"));
        processes.add(p);
        return p;
    }

    /** The store the Herald processes share: the SQLite file in the data directory, or a fresh PostgreSQL schema. */
    private record Store(Path sqliteFile, DatabaseConfig postgres) {
        static Store fresh(Engine engine, Path dir) throws SQLException {
            if (engine == Engine.SQLITE) return new Store(dir.resolve("data").resolve("herald.db"), null);
            DatabaseConfig pg = TestDatabase.freshConfig(Engine.POSTGRESQL, dir); // skips when no server
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                 Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + pg.schema()); // currentSchema needs it to exist; Flyway fills it
            }
            return new Store(null, pg);
        }

        Map<String, String> environment(Path dataDir) {
            Map<String, String> env = new HashMap<>();
            env.put("HERALD_HOST", "127.0.0.1");
            env.put("HERALD_PORT", "0");
            env.put("HERALD_DATA_DIR", dataDir.toString());
            env.put("HERALD_BOOTSTRAP_WRITE_KEY", TestHerald.WRITE_KEY);
            env.put("HERALD_BOOTSTRAP_ADMIN_KEY", TestHerald.ADMIN_KEY);
            env.put("HERALD_BOOTSTRAP_IDENTITY_SECRET", TestHerald.IDENTITY_SECRET);
            if (postgres != null) {
                env.put("HERALD_DATABASE_URL", postgresUrl());
                env.put("HERALD_DATABASE_USER", postgres.user());
                env.put("HERALD_DATABASE_PASSWORD", postgres.password());
            }
            return env;
        }

        /** The JDBC URL with the test's schema as the connection's current schema (the env has no schema setting). */
        private String postgresUrl() {
            String url = postgres.jdbcUrl();
            return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + postgres.schema();
        }

        /** A connection that sees every table; on SQLite the log's own file is attached beside the main one. */
        Connection connect() throws SQLException {
            if (postgres != null) return DriverManager.getConnection(postgresUrl(), postgres.user(), postgres.password());
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqliteFile.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("ATTACH DATABASE '" + Database.logFileOf(sqliteFile).toAbsolutePath() + "' AS log");
            }
            return c;
        }

        /**
         * Every acknowledged message id is in the event log and in a person's history exactly once, every logged
         * event was processed (none skipped, none put aside), and the processors' checkpoints cover the whole log.
         */
        void assertStoredExactlyOnce(Set<String> acknowledged) throws SQLException {
            try (Connection c = connect()) {
                Map<String, Long> logged = countsByMessageId(c, "event_log");
                Map<String, Long> processed = countsByMessageId(c, "person_events");
                assertOnce("event_log", acknowledged, logged);
                assertOnce("person_events", acknowledged, processed);
                assertThat(processed.keySet()).as("message ids in person_events equal those in event_log")
                        .isEqualTo(logged.keySet());
                assertThat(count(c, "SELECT COUNT(*) FROM dead_letters")).as("dead letters").isZero();
                assertThat(count(c, "SELECT COUNT(*) FROM event_log e WHERE e.seq > COALESCE((SELECT p.position "
                        + "FROM processor_checkpoints p WHERE p.partition_no = e.partition_no), 0)"))
                        .as("events in the log past their partition's checkpoint").isZero();
            }
        }

        private static void assertOnce(String table, Set<String> acknowledged, Map<String, Long> counts) {
            Set<String> missing = new HashSet<>(acknowledged);
            missing.removeAll(counts.keySet());
            assertThat(missing).as("acknowledged message ids missing from %s (%d of %d)", table, missing.size(),
                    acknowledged.size()).isEmpty();
            assertThat(counts.entrySet().stream().filter(e -> e.getValue() != 1).toList())
                    .as("message ids stored more than once in %s", table).isEmpty();
        }

        private static Map<String, Long> countsByMessageId(Connection c, String table) throws SQLException {
            Map<String, Long> counts = new HashMap<>();
            for (Object[] row : Sql.query(c, "SELECT message_id, COUNT(*) FROM " + table + " GROUP BY message_id",
                    rs -> new Object[] {rs.getString(1), rs.getLong(2)})) {
                counts.put((String) row[0], (Long) row[1]);
            }
            return counts;
        }

        private static long count(Connection c, String sql) throws SQLException {
            return Sql.queryOne(c, sql, rs -> rs.getLong(1)).orElseThrow();
        }

        void drop() {
            if (postgres != null) TestDatabase.dropSchema(postgres);
        }
    }

    /** {@code herald serve} in its own JVM, on this test's classpath, its output captured in a log file. */
    private static final class HeraldProcess {
        private static final Pattern LISTENING = Pattern.compile("Herald is listening on port (\\d+)");
        private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        private final Process process;
        private final Path log;
        private final Thread pump;
        private final int port;

        private HeraldProcess(Process process, Path log, Thread pump, int port) {
            this.process = process;
            this.log = log;
            this.pump = pump;
            this.port = port;
        }

        static HeraldProcess start(Map<String, String> env, Path log) throws IOException, InterruptedException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                    // Short-lived: start fast and leave the cores to the test rather than to the C2 compiler.
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"), "io.herald.server.cli.Main", "serve")
                    .redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_"));
            pb.environment().putAll(env);
            Process process = pb.start();
            CompletableFuture<Integer> listening = new CompletableFuture<>();
            Thread pump = Thread.ofPlatform().daemon().name("herald-process-output").start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8)); Writer file = Files.newBufferedWriter(log)) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        file.write(line + "\n");
                        file.flush();
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) listening.complete(Integer.parseInt(m.group(1)));
                    }
                } catch (IOException e) {
                    listening.completeExceptionally(e);
                } finally {
                    listening.completeExceptionally(new IllegalStateException("herald exited before listening"));
                }
            });
            try {
                return new HeraldProcess(process, log, pump, listening.get(STARTUP.toSeconds(), TimeUnit.SECONDS));
            } catch (ExecutionException | TimeoutException e) {
                process.destroyForcibly().waitFor();
                pump.join(5_000);
                throw new AssertionError("herald serve did not start: " + e.getMessage() + "\n" + read(log), e);
            }
        }

        URI baseUrl() {
            return URI.create("http://127.0.0.1:" + port);
        }

        /** SIGKILL: no shutdown hook, no flush, no drain. */
        void kill() {
            if (!process.isAlive()) return;
            try {
                // Through the handle: Process.destroyForcibly() would also close our end of the output pipe.
                process.toHandle().destroyForcibly();
                process.waitFor();
                pump.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** SIGTERM: Herald's shutdown hook stops HTTP, flushes the log and drains the processors. */
        void stopGracefully() throws InterruptedException {
            // Through the handle: Process.destroy() also closes our end of the output pipe, losing what the
            // shutdown hook logs.
            process.toHandle().destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("herald exits within 60 s of SIGTERM").isTrue();
            pump.join(5_000);
            // The JVM reports a SIGTERM exit as 143 even after its shutdown hooks ran to completion.
            assertThat(process.exitValue()).as("exit code after SIGTERM%n%s", log()).isIn(0, 143);
            assertThat(log()).as("log of the stopped herald").contains("Herald stopped");
        }

        /** Waits until the processors have caught up with the log. Polls a live process; it is not waiting for time. */
        void awaitLagZero() throws InterruptedException {
            long deadline = System.nanoTime() + DRAIN.toNanos();
            long lag = -1;
            while (System.nanoTime() < deadline) {
                lag = lag();
                if (lag == 0) return;
                Thread.sleep(100);
            }
            throw new AssertionError("the log was not processed within " + DRAIN + "; lag " + lag + "\n" + log());
        }

        /** {@code herald_log_lag} from {@code /metrics}: events in the log not yet processed. */
        long lag() {
            String metrics = get("/metrics", null).body();
            Matcher m = Pattern.compile("(?m)^herald_log_lag(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(metrics);
            assertThat(m.find()).as("herald_log_lag in /metrics:%n%s", metrics).isTrue();
            return (long) Double.parseDouble(m.group(1));
        }

        TestHerald.Answer admin(String path) {
            return get(path, "Bearer " + TestHerald.ADMIN_KEY);
        }

        private TestHerald.Answer get(String path, String authorization) {
            HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl().resolve(path))
                    .timeout(Duration.ofSeconds(30));
            if (authorization != null) request.header("Authorization", authorization);
            try {
                HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return new TestHerald.Answer(r.statusCode(), r.body(), r);
            } catch (IOException e) {
                throw new UncheckedIOException("GET " + path + " failed\n" + log(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        String log() {
            return read(log);
        }

        private static String read(Path log) {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no output)";
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        }
    }

    /**
     * {@value SENDERS} clients posting batches of track calls with unique message ids,
     * remembering the ids of every batch answered 200. A sender stops after its batches, or at its first connection
     * failure: expected once the process is being killed, a problem before.
     */
    private static final class Traffic {
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
        final AtomicInteger failedAtKill = new AtomicInteger();
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final URI batchUrl;
        private final int callsPerBatch;
        private final int batchesPerSender;
        private final CountDownLatch enough;
        private final List<Thread> senders = new ArrayList<>();
        private volatile boolean killing;

        Traffic(URI baseUrl, int callsPerBatch, int batchesPerSender, int enoughBatches) {
            this.batchUrl = baseUrl.resolve("/v1/batch");
            this.callsPerBatch = callsPerBatch;
            this.batchesPerSender = batchesPerSender;
            this.enough = new CountDownLatch(enoughBatches);
        }

        void start() {
            for (int s = 0; s < SENDERS; s++) {
                int sender = s;
                senders.add(Thread.ofPlatform().name("sender-" + s).start(() -> send(sender)));
            }
        }

        /** Waits until at least the number of batches given at construction were acknowledged. */
        boolean awaitEnoughAcknowledged(Duration timeout) throws InterruptedException {
            return enough.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** From now on a connection failure is the kill, not a problem. */
        void killing() {
            killing = true;
        }

        void awaitEnd() throws InterruptedException {
            for (Thread t : senders) {
                t.join(60_000);
                assertThat(t.isAlive()).as("%s still sending after 60 s", t.getName()).isFalse();
            }
        }

        /**
         * Every call is a new person's first: that costs the processors more than it costs ingest (a person and
         * its identity to create, besides the event), so events queue up for them, as they would in a burst.
         */
        static String userOf(String messageId) {
            return "u-" + messageId;
        }

        static String messageId(int sender, int batch, int call) {
            return "s%d-b%05d-c%03d".formatted(sender, batch, call);
        }

        private void send(int sender) {
            for (int b = 0; b < batchesPerSender; b++) {
                List<String> ids = new ArrayList<>(callsPerBatch);
                StringBuilder body = new StringBuilder("{\"batch\":[");
                for (int i = 0; i < callsPerBatch; i++) {
                    String id = messageId(sender, b, i);
                    ids.add(id);
                    if (i > 0) body.append(',');
                    body.append("{\"type\":\"track\",\"userId\":\"").append(userOf(id)).append("\",")
                            .append("\"event\":\"order_placed\",\"messageId\":\"").append(id).append("\",")
                            .append("\"properties\":{\"sender\":").append(sender).append(",\"batch\":").append(b)
                            .append(",\"amount\":").append(i + 1).append("}}");
                }
                body.append("]}");
                HttpRequest request = HttpRequest.newBuilder(batchUrl).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("Authorization", TestHerald.basic(TestHerald.WRITE_KEY))
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
                try {
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        acknowledged.addAll(ids);
                        enough.countDown();
                    } else {
                        unexpected.add("HTTP " + r.statusCode() + " for batch " + b + " of sender " + sender + ": "
                                + r.body());
                    }
                } catch (IOException e) {
                    if (killing) failedAtKill.incrementAndGet();
                    else unexpected.add("sender " + sender + " batch " + b + " failed before the kill: " + e);
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
