package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.event.EventCodec;
import io.herald.log.JdbcEventLog;
import io.herald.push.FcmProvider;
import io.herald.push.PushChannel;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Workspaces;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * FCM HTTP v1 through Herald's whole pipeline to a local fake FCM, against a raw {@link HttpClient} sending the same
 * requests directly, in the same run (issue 7: ≥ 5,000 messages/s).
 *
 * <p>The fake: Netty serving HTTP/2 over TLS (ALPN h2, as FCM does) on loopback, answering every
 * {@code messages:send} with {@code {"name": …}}; Google's token endpoint is a JDK HTTP server issuing one token
 * (the auth library caches it). Direct: one HTTP/2 client, the same message JSON and bearer token, at most 1,000 in
 * flight (the bound Herald's provider applies). Pipeline: {@code --deliveries} queued push deliveries for
 * {@code --people} people with one Android device each, taken from the outbox by a {@link Dispatcher} (claim → gate
 * → render → {@link PushChannel}: device lookup → {@link FcmProvider} → outcome event + status).
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar fcm --engine sqlite [--deliveries 100000]
 * [--people 20000] [--batch 500] [--rounds 2] [--warmup 20000]}; {@code --rounds}: rounds at once, as the
 * server's dispatcher threads (its default).
 */
final class FcmBench {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "deliveries", "people", "batch", "rounds", "warmup", "pg-url",
            "pg-user", "pg-password", "tmp");
    private static final String PROJECT = "herald-bench";
    private static final String MESSAGE = "{\"title\":\"Hi {{ person.userId }}\",\"body\":\"Your trial ends in "
            + "{{ journey.days }} days\",\"deepLink\":\"app://plans\",\"collapseKey\":\"trial\"}";

    private FcmBench() {
    }

    /** The fake FCM: HTTP/2 over TLS, every request answered 200 with a message name. */
    private static final class FakeFcm implements AutoCloseable {
        final AtomicLong received = new AtomicLong();
        final AtomicLong unauthorized = new AtomicLong();
        final EventLoopGroup boss = new NioEventLoopGroup(1);
        final EventLoopGroup workers = new NioEventLoopGroup(1);
        final Channel server;

        FakeFcm(SslContext tls) throws InterruptedException {
            server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()),
                                    Http2FrameCodecBuilder.forServer().initialSettings(Http2Settings.defaultSettings()
                                            .maxConcurrentStreams(10_000)).build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                        @Override
                                        protected void initChannel(Channel stream) {
                                            stream.pipeline().addLast(new Stream());
                                        }
                                    }));
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        private final class Stream extends ChannelInboundHandlerAdapter {
            private boolean authorized;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame h) {
                    CharSequence auth = h.headers().get("authorization");
                    authorized = auth != null && auth.toString().startsWith("Bearer ");
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    end = d.isEndStream();
                }
                ReferenceCountUtil.release(msg);
                if (!end) return;
                long n = received.incrementAndGet();
                if (!authorized) unauthorized.incrementAndGet();
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("content-type", "application/json; charset=UTF-8")));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("{\"name\":\"projects/" + PROJECT
                        + "/messages/0:" + n + "\"}", StandardCharsets.UTF_8), true));
            }
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static void run(Options o) throws Exception {
        int deliveries = o.integer("deliveries", 100_000, 1);
        int people = o.integer("people", 20_000, 1);
        int batch = o.integer("batch", 500, 1);
        int warmup = o.integer("warmup", 20_000, 0);
        int rounds = o.integer("rounds", DispatchOptions.defaults().rounds(), 1);
        InstantSource clock = InstantSource.system();
        Path tmp = Files.createTempDirectory("herald-fcm-bench");
        X509Certificate[] cert = new X509Certificate[1];
        PrivateKey serverKey = ApnsBench.selfSigned(tmp, cert);
        SslContext serverTls = SslContextBuilder.forServer(serverKey, cert).sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        SSLContext clientTls = trusting(cert[0]);

        HttpServer tokens = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicLong tokenRequests = new AtomicLong();
        tokens.createContext("/token", x -> {
            tokenRequests.incrementAndGet();
            x.getRequestBody().readAllBytes();
            byte[] body = "{\"access_token\":\"ya29.bench\",\"expires_in\":3600,\"token_type\":\"Bearer\"}"
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        tokens.start();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";

        try (FakeFcm fcm = new FakeFcm(serverTls); BenchStore store = BenchStore.create(o)) {
            String baseUrl = "https://127.0.0.1:" + fcm.port();
            ObjectNode creds = EventCodec.mapper().createObjectNode().put("baseUrl", baseUrl);
            creds.putObject("serviceAccount").put("type", "service_account").put("project_id", PROJECT)
                    .put("private_key", pem).put("client_email", "bench@" + PROJECT + ".iam.gserviceaccount.com")
                    .put("token_uri", "http://127.0.0.1:" + tokens.getAddress().getPort() + "/token");
            LoadGenerator.log("FCM on %s: %,d deliveries for %,d people, rounds of %d, %d at once; JVM %s, %d CPUs",
                    store.engineName(), deliveries, people, batch, rounds, Runtime.version(),
                    Runtime.getRuntime().availableProcessors());

            // A raw HTTP/2 client: warm-up, then measured.
            URI send = URI.create(baseUrl + "/v1/projects/" + PROJECT + "/messages:send");
            double directRate;
            long directCpu;
            try (HttpClient direct = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(clientTls)
                    .build()) {
                direct(direct, send, clock, 1); // one first, so the rest share its HTTP/2 connection
                if (warmup > 0) direct(direct, send, clock, warmup);
                long cpu0 = Cpu.now();
                directRate = direct(direct, send, clock, deliveries);
                directCpu = Cpu.now() - cpu0;
            }
            LoadGenerator.log("raw HTTP/2 client directly: %,.0f messages/s", directRate);

            Database db = Database.open(store.heraldConfig());
            JdbcEventLog log = JdbcEventLog.open(db, store.heraldConfig(), 1, 8192);
            FcmProvider provider = new FcmProvider(clock, FcmProvider.Options.defaults().withTls(clientTls));
            PushChannel push = new PushChannel(db, (ws, p) -> Optional.of((JsonNode) creds), List.of(provider), clock);
            long fcmBefore;
            try {
                String ws = new Workspaces(db, clock).bootstrap(null, null, null).orElseThrow().workspace().id();
                WaitingSeed seed = new WaitingSeed(db, ws, 1);
                long now = clock.millis();
                seed.people(people, now - 86_400_000L);
                PushSeed.devices(db, ws, seed, people, now - 86_400_000L, "android", "fcm",
                        i -> String.format("fcm:%060x", i));
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
                fcmBefore = fcm.received.get();
                long heap0 = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long cpu1 = Cpu.now();
                long t = System.nanoTime();
                int done = PushSeed.dispatchAll(dispatcher);
                double seconds = (System.nanoTime() - t) / 1e9;
                long pipelineCpu = Cpu.now() - cpu1;
                long heap1 = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long sent = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND "
                        + "id LIKE 'dlv%'", rs -> rs.getLong(1))).orElseThrow();
                long reached = fcm.received.get() - fcmBefore;
                if (done != deliveries || sent != deliveries || reached != deliveries) {
                    List<String> why = db.read(c -> Sql.query(c, "SELECT status, reason, COUNT(*) FROM deliveries WHERE "
                            + "id LIKE 'dlv%' GROUP BY status, reason", rs -> rs.getString(1) + " " + rs.getString(2) + ": "
                            + rs.getLong(3)));
                    LoadGenerator.log("outcomes: %s", why);
                    throw new IllegalStateException("the pipeline processed " + done + ", sent " + sent + " and FCM got "
                            + reached + " of " + deliveries + " deliveries");
                }
                if (fcm.unauthorized.get() > 0) {
                    throw new IllegalStateException(fcm.unauthorized.get() + " requests came without a bearer token");
                }
                double rate = deliveries / seconds;
                LoadGenerator.log("pipeline: %,d deliveries in %.2f s (%d token request(s))", deliveries, seconds,
                        tokenRequests.get());
                Report report = new Report("FCM HTTP v1 to a fake FCM (Netty, HTTP/2 over TLS) on loopback, "
                        + store.engineName() + " — " + String.format("%,d", deliveries) + " messages, "
                        + String.format("%,d", people) + " people with one Android device each, rounds of " + batch + ", "
                        + rounds + " at once");
                report.row("Herald pipeline: outbox → gate → render → push channel → FCM → event + status",
                        Report.rate(rate), "≥ 5,000/s", Report.verdict(rate >= 5_000));
                report.row("raw java.net.http HTTP/2 client directly (same server, same run)", Report.rate(directRate));
                report.row("pipeline / raw client", Report.ratio(rate, directRate));
                report.row("pipeline CPU (process: dispatcher, HTTP client, fake FCM, log writer)",
                        Cpu.perEvent(pipelineCpu, deliveries, "message"));
                report.row("raw client CPU (process: client and fake FCM)", Cpu.perEvent(directCpu, deliveries,
                        "message"));
                report.row("heap used after the run − before (not a peak)", String.format("%+,d MB",
                        (heap1 - heap0) / (1024 * 1024)), "", "in flight bounded at 1,000");
                System.out.println(report.markdown());
            } finally {
                push.close();
                provider.close();
                log.close();
                log.closeStore();
                db.close();
            }
        } finally {
            tokens.stop(0);
        }
    }

    /** The same requests the provider sends, straight from a raw HTTP/2 client. */
    private static double direct(HttpClient client, URI send, InstantSource clock, int n) throws Exception {
        Semaphore inFlight = new Semaphore(FcmProvider.DEFAULT_MAX_IN_FLIGHT);
        AtomicLong accepted = new AtomicLong();
        ObjectNode content = EventCodec.mapper().createObjectNode().put("body", "Your trial ends in 3 days")
                .put("deepLink", "app://plans").put("collapseKey", "trial");
        long t = System.nanoTime();
        for (int i = 0; i < n; i++) {
            content.put("title", "Hi user" + i);
            String body = FcmProvider.message("d" + i, String.format("%064x", i), content, null, clock).toString();
            HttpRequest r = HttpRequest.newBuilder(send).header("Authorization", "Bearer ya29.bench")
                    .header("Content-Type", "application/json; charset=UTF-8")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            inFlight.acquire();
            client.sendAsync(r, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, e) -> {
                if (resp != null && resp.statusCode() == 200) accepted.incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquire(FcmProvider.DEFAULT_MAX_IN_FLIGHT); // every answer is in
        double seconds = (System.nanoTime() - t) / 1e9;
        if (accepted.get() != n) throw new IllegalStateException("raw client: " + accepted.get() + " of " + n + " accepted");
        return n / seconds;
    }

    private static SSLContext trusting(X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("fake-fcm", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
