package io.herald.bench;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.event.EventCodec;
import io.herald.log.JdbcEventLog;
import io.herald.push.ApnsProvider;
import io.herald.push.PushChannel;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Workspaces;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * APNs through Herald's whole pipeline to Pushy's MockApnsServer on loopback, against Pushy sending the same number
 * of notifications directly, in the same run (issue 7: ≥ 20,000 notifications/s, ratio ≥ 0.8).
 *
 * <p>Direct: one ApnsClient (token auth, one connection), a payload built per notification, at most 1,000 in flight
 * (the same bound Herald's provider applies). Pipeline: {@code --deliveries} queued push deliveries for
 * {@code --people} people with one iOS device each, taken from the outbox by a {@link Dispatcher} (claim → gate →
 * render → {@link PushChannel}: device lookup → {@link ApnsProvider} → outcome event + status).
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar apns --engine sqlite [--deliveries 100000]
 * [--people 20000] [--batch 500] [--rounds 2] [--warmup 20000]}; {@code --rounds}: rounds at once, as the
 * server's dispatcher threads (its default).
 */
final class ApnsBench {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "deliveries", "people", "batch", "rounds", "warmup", "pg-url",
            "pg-user", "pg-password", "tmp");
    private static final String TOPIC = "com.example.bench";
    private static final String MESSAGE = "{\"title\":\"Hi {{ person.userId }}\",\"body\":\"Your trial ends in "
            + "{{ journey.days }} days\",\"deepLink\":\"app://plans\",\"collapseKey\":\"trial\"}";

    private ApnsBench() {
    }

    static void run(Options o) throws Exception {
        int deliveries = o.integer("deliveries", 100_000, 1);
        int people = o.integer("people", 20_000, 1);
        int batch = o.integer("batch", 500, 1);
        int warmup = o.integer("warmup", 20_000, 0);
        int rounds = o.integer("rounds", DispatchOptions.defaults().rounds(), 1);
        InstantSource clock = InstantSource.system();
        Path tmp = Files.createTempDirectory("herald-apns-bench");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        String authKey = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(g.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        X509Certificate[] cert = new X509Certificate[1];
        PrivateKey serverKey = selfSigned(tmp, cert);
        MockApnsServer server = new MockApnsServerBuilder().setServerCredentials(cert, serverKey, null)
                .setHandlerFactory(new AcceptAllPushNotificationHandlerFactory()).build();
        int port = (Integer) server.start(0).get(30, TimeUnit.SECONDS);
        ObjectNode creds = EventCodec.mapper().createObjectNode().put("authKey", authKey).put("keyId", "BENCH12345")
                .put("teamId", "TEAM123456").put("topic", TOPIC).put("server", "127.0.0.1:" + port);
        try (BenchStore store = BenchStore.create(o)) {
            LoadGenerator.log("APNs on %s: %,d deliveries for %,d people, rounds of %d, %d at once; JVM %s, %d CPUs",
                    store.engineName(), deliveries, people, batch, rounds, Runtime.version(),
                    Runtime.getRuntime().availableProcessors());
            // Direct Pushy: warm-up, then measured.
            ApnsClient direct = new ApnsClientBuilder().setApnsServer("127.0.0.1", port).setTrustedServerCertificateChain(cert)
                    .setSigningKey(ApnsSigningKey.loadFromInputStream(new ByteArrayInputStream(
                            authKey.getBytes(StandardCharsets.UTF_8)), "TEAM123456", "BENCH12345")).build();
            if (warmup > 0) direct(direct, warmup);
            long cpu0 = Cpu.now();
            double directRate = direct(direct, deliveries);
            long directCpu = Cpu.now() - cpu0;
            direct.close().get();
            LoadGenerator.log("Pushy directly: %,.0f notifications/s", directRate);

            Database db = Database.open(store.heraldConfig());
            JdbcEventLog log = JdbcEventLog.open(db, store.heraldConfig(), 1, 8192);
            ApnsProvider apns = new ApnsProvider(clock, ApnsProvider.Options.defaults().withTrusted(List.of(cert)));
            PushChannel push = new PushChannel(db, (ws, p) -> Optional.of((JsonNode) creds), List.of(apns), clock);
            try {
                String ws = new Workspaces(db, clock).bootstrap(null, null, null).orElseThrow().workspace().id();
                WaitingSeed seed = new WaitingSeed(db, ws, 1);
                long now = clock.millis();
                seed.people(people, now - 86_400_000L);
                PushSeed.devices(db, ws, seed, people, now - 86_400_000L, "ios", "apns", i -> String.format("%064x", i));
                if (warmup > 0) {
                    PushSeed.deliveries(db, ws, seed, "warm", warmup, people, now - 120_000, MESSAGE);
                    int warmed = PushSeed.dispatchAll(PushSeed.dispatcher(db, log, push, clock,
                            new SimpleMeterRegistry(), batch, rounds));
                    LoadGenerator.log("warmed up on %,d deliveries", warmed);
                }
                Dispatcher dispatcher = PushSeed.dispatcher(db, log, push, clock, new SimpleMeterRegistry(), batch,
                        rounds);
                PushSeed.deliveries(db, ws, seed, "dlv", deliveries, people, now - 60_000, MESSAGE);
                System.gc();
                long heap0 = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long cpu1 = Cpu.now();
                long t = System.nanoTime();
                int done = PushSeed.dispatchAll(dispatcher);
                double seconds = (System.nanoTime() - t) / 1e9;
                long pipelineCpu = Cpu.now() - cpu1;
                long heap1 = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long sent = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND "
                        + "id LIKE 'dlv%'", rs -> rs.getLong(1))).orElseThrow();
                if (done != deliveries || sent != deliveries) {
                    throw new IllegalStateException("the pipeline processed " + done + " and sent " + sent + " of "
                            + deliveries + " deliveries");
                }
                double rate = deliveries / seconds;
                LoadGenerator.log("pipeline: %,d deliveries in %.2f s", deliveries, seconds);
                Report report = new Report("APNs to MockApnsServer on loopback, " + store.engineName() + " — "
                        + String.format("%,d", deliveries) + " notifications, " + String.format("%,d", people)
                        + " people with one device each, rounds of " + batch + ", " + rounds + " at once");
                report.row("Herald pipeline: outbox → gate → render → push channel → APNs → event + status",
                        Report.rate(rate), "≥ 20,000/s", Report.verdict(rate >= 20_000));
                report.row("Pushy directly (same server, same run)", Report.rate(directRate));
                report.row("pipeline / Pushy directly", Report.ratio(rate, directRate), "≥ 0.8",
                        Report.verdict(rate / directRate >= 0.8));
                report.row("pipeline CPU (process: dispatcher, event loop, mock server, log writer)",
                        Cpu.perEvent(pipelineCpu, deliveries, "notification"));
                report.row("Pushy directly CPU (process: client and mock server)", Cpu.perEvent(directCpu, deliveries,
                        "notification"));
                report.row("heap used after the run − before (not a peak)", String.format("%+,d MB",
                        (heap1 - heap0) / (1024 * 1024)), "", "in flight bounded at 1,000");
                System.out.println(report.markdown());
            } finally {
                push.close();
                apns.close();
                log.close();
                log.closeStore();
                db.close();
            }
        } finally {
            server.shutdown().get(30, TimeUnit.SECONDS);
        }
    }

    private static double direct(ApnsClient client, int n) throws Exception {
        Semaphore inFlight = new Semaphore(ApnsProvider.DEFAULT_MAX_IN_FLIGHT);
        AtomicLong accepted = new AtomicLong();
        String token = HexFormat.of().formatHex(new byte[32]);
        long t = System.nanoTime();
        CompletableFuture<?> last = null;
        for (int i = 0; i < n; i++) {
            String payload = new SimpleApnsPayloadBuilder().setAlertTitle("Hi user" + i)
                    .setAlertBody("Your trial ends in 3 days").setThreadId("trial")
                    .addCustomProperty("herald", java.util.Map.of("deliveryId", "d" + i, "deepLink", "app://plans")).build();
            inFlight.acquire();
            last = client.sendNotification(new SimpleApnsPushNotification(token, TOPIC, payload))
                    .whenComplete((r, e) -> {
                        if (r != null && r.isAccepted()) accepted.incrementAndGet();
                        inFlight.release();
                    });
        }
        inFlight.acquire(ApnsProvider.DEFAULT_MAX_IN_FLIGHT); // every answer is in
        double seconds = (System.nanoTime() - t) / 1e9;
        if (accepted.get() != n) throw new IllegalStateException("Pushy directly: " + accepted.get() + " of " + n + " accepted");
        return n / seconds;
    }

    static PrivateKey selfSigned(Path dir, X509Certificate[] out) throws Exception {
        Path store = dir.resolve("apns-bench.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "apns", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String text = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + text);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        out[0] = (X509Certificate) ks.getCertificate("apns");
        return (PrivateKey) ks.getKey("apns", "changeit".toCharArray());
    }
}
