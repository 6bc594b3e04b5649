package io.herald.bench;

import io.herald.server.Config;
import io.herald.server.Herald;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The end-to-end load test: starts a real Herald in this process (fresh store, background processing on) and drives
 * its tracking API over HTTP, then measures the two baselines in the same run.
 *
 * <p>Phases, in order: warm-up; <b>max throughput</b> (N closed-loop clients for the given seconds → accepted
 * events/s; then the time until {@code herald_log_lag} is 0 again → processed events/s, from the start of the
 * load); <b>fixed rate</b> (open loop at each of the {@code --rate} events/s → ingest latency percentiles);
 * Herald stops; <b>no-op endpoint</b> (same clients, same bodies); <b>raw inserts</b> (same engine, same threads).
 * Every rate comes with the process CPU time it cost per event and the busiest thread groups. The client
 * runs in the same JVM as the server, so both share the machine's cores; the no-op baseline pays the same cost,
 * which is why the ratio is the figure to compare across machines.
 *
 * <p><b>Segments</b> ({@code --segments N}): after the warm-up, N segments of {@link SegmentMix}'s workload
 * vocabulary (counts of the workload's events in windows from a minute to 30 days, its identify traits, aggregates,
 * nesting) are created through the admin API, so the traffic enters and leaves them. Each fixed rate then also
 * reports, from {@code /metrics}, the freshness of membership (event received → {@code segment.entered}/{@code exited}
 * committed, {@code herald_segment_freshness_seconds}) and the processing latency ({@code
 * herald_processor_latency_seconds}), p50/p99. Micrometer publishes those percentiles over a sliding two-minute
 * window, so each fixed rate starts after {@code --settle} seconds without load (default 120 whenever
 * {@code --segments} is given, 0 otherwise): the figures are that rate's alone. {@code --segments 0} is the baseline.
 * {@code --vocabulary wide} draws the segments from a workspace's wider vocabulary instead, in which the workload's
 * events and traits are the most popular ({@link SegmentMix.Vocabulary#WIDE}: fewer segments concern each event).
 * {@code --traits stable} has identify calls keep each person's plan, logins and newsletter choice (see
 * {@link Workload.Traits}); with the default, every identify redraws them and flips half the segments over them.
 * {@code --skip-max} leaves out the closed-loop maximum (and the baselines, which compare with it).
 */
final class LoadGenerator {
    static final Set<String> FLAGS = Set.of("keep", "skip-baselines", "ingest-only", "skip-max");
    static final Set<String> OPTIONS = Set.of("engine", "seconds", "warmup", "clients", "batch", "rate", "people",
            "partitions", "pg-url", "pg-user", "pg-password", "tmp", "segments", "settle", "traits", "vocabulary");

    private static final String WRITE_KEY = "wk_bench_0123456789abcdef";
    private static final String ADMIN_KEY = "ak_bench_0123456789abcdef";
    private static final String IDENTITY_SECRET = "hs_bench_0123456789abcdef";
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(20);
    private static final String FRESHNESS = "herald_segment_freshness_seconds";
    private static final String PROCESSING = "herald_processor_latency_seconds";

    private LoadGenerator() {
    }

    static void run(Options o) throws Exception {
        Duration seconds = Duration.ofSeconds(o.number("seconds", 20, 1));
        Duration warmup = Duration.ofSeconds(o.number("warmup", 15, 0));
        int clients = o.integer("clients", 8, 1);
        int batch = o.integer("batch", 100, 1);
        int[] rates = rates(o.get("rate", "10000"));
        int people = o.integer("people", 100_000, 1);
        int segments = o.integer("segments", 0, 0);
        if (segments > 2000) throw new IllegalArgumentException("--segments must be at most 2000 (a workspace's limit)");
        boolean timings = o.get("segments", null) != null;
        Duration settle = Duration.ofSeconds(o.number("settle", timings ? 120 : 0, 0));
        Workload.Traits traits = switch (o.get("traits", "random")) {
            case "random" -> Workload.Traits.RANDOM;
            case "stable" -> Workload.Traits.STABLE;
            default -> throw new IllegalArgumentException("--traits must be random or stable, was '" + o.get("traits", "") + "'");
        };
        SegmentMix.Vocabulary vocabulary = switch (o.get("vocabulary", "workload")) {
            case "workload" -> SegmentMix.Vocabulary.WORKLOAD;
            case "wide" -> SegmentMix.Vocabulary.WIDE;
            default -> throw new IllegalArgumentException("--vocabulary must be workload or wide, was '"
                    + o.get("vocabulary", "") + "'");
        };
        String runId = UUID.randomUUID().toString().substring(0, 8);
        String auth = "Basic " + Base64.getEncoder().encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));

        try (BenchStore store = BenchStore.create(o)) {
            int partitions = o.integer("partitions", store.defaultPartitions(), 1);
            log("engine %s, %d partition(s), %d clients, batches of %d, %d people, %s traits, %ds per phase, JVM %s, "
                            + "%d CPUs, max heap %s", store.engineName(), partitions, clients, batch, people,
                    traits.name().toLowerCase(), seconds.toSeconds(),
                    Runtime.version(), Runtime.getRuntime().availableProcessors(),
                    Memory.mib(Runtime.getRuntime().maxMemory()));
            Report report = new Report("Herald on " + store.engineName() + " — " + clients + " clients, batches of "
                    + batch + ", " + seconds.toSeconds() + " s per phase" + (traits == Workload.Traits.STABLE
                    ? ", stable traits" : ""));

            Config config = new Config("127.0.0.1", 0, store.dir(), store.heraldConfig(), partitions, WRITE_KEY,
                    ADMIN_KEY, IDENTITY_SECRET, false);
            HttpDriver.Result max;
            long stored;
            // --ingest-only leaves the processors off: a diagnostic that shows what ingest alone can take.
            boolean processing = !o.flag("ingest-only");
            try (Herald herald = Herald.start(config, InstantSource.system(), processing)) {
                URI uri = URI.create("http://127.0.0.1:" + herald.port() + "/v1/batch");
                HttpDriver driver = new HttpDriver(uri, auth, batch, people, runId, traits);
                HeraldMetrics metrics = new HeraldMetrics(herald.port());
                long warmupEvents = 0;
                if (!warmup.isZero()) {
                    log("warm-up for %ds", warmup.toSeconds());
                    warmupEvents = driver.closedLoop(clients, warmup).events();
                    if (processing) {
                        HeraldMetrics.Sample warmed = metrics.sample();
                        Thread progress = Thread.ofPlatform().daemon(true).start(() -> timeline(metrics, warmed));
                        metrics.awaitDrained(DRAIN_TIMEOUT, Duration.ofMillis(250));
                        progress.interrupt();
                    }
                }

                // Segments come after the warm-up, as in a workspace that has people already: their computation
                // records who is in them without announcing it, so the rates below see traffic, not a backlog of
                // every new person entering segments at once.
                if (segments > 0) {
                    log("creating %d segments", segments);
                    long t0 = System.nanoTime();
                    SegmentsAdmin admin = new SegmentsAdmin(herald.port(), ADMIN_KEY);
                    List<String> ids = admin.createAll("bench-", SegmentMix.conditions(segments, 42,
                            vocabulary, SegmentsAdmin::forwardRef));
                    admin.awaitReady(ids, Duration.ofMinutes(30));
                    report.row("active segments", String.format("%,d", segments), "", String.format("SegmentMix, "
                            + "%s vocabulary; created through the admin API after the warm-up, computed over its "
                            + "people in %.1f s", vocabulary.name().toLowerCase(), (System.nanoTime() - t0) / 1e9));
                } else if (timings) {
                    report.row("active segments", "0", "", "baseline for the freshness runs");
                }

                // --skip-max: the fixed rates alone (a freshness run has no use for the closed-loop maximum)
                long heap = 0;
                long rss = 0;
                if (o.flag("skip-max")) {
                    max = null;
                } else {
                    log("max throughput for %ds", seconds.toSeconds());
                    HeraldMetrics.Sample before = metrics.sample();
                    long cpuStart = Cpu.now();
                    long writesStart = Memory.diskWrites();
                    ThreadCpu threadsStart = ThreadCpu.snapshot();
                    Thread sampler = Thread.ofPlatform().daemon(true).start(() -> timeline(metrics, before));
                    max = driver.closedLoop(clients, seconds);
                    long cpuLoad = Cpu.now() - cpuStart;
                    String threadsLoad = ThreadCpu.snapshot().since(threadsStart, max.seconds());
                    HeraldMetrics.Sample atEnd = metrics.sample();
                    sampler.interrupt();
                    log("accepted %,d events in %.1fs; lag %,d; waiting for processing", max.events(), max.seconds(),
                            atEnd.lag());
                    HeraldMetrics.Sample drained = processing ? metrics.awaitDrained(DRAIN_TIMEOUT, Duration.ofMillis(100))
                            : atEnd;
                    long cpuDrained = Cpu.now() - cpuStart;
                    long written = Memory.diskWrites() - writesStart;
                    double drainSeconds = (drained.nanos() - before.nanos()) / 1e9;
                    double processedRate = (drained.processed() - before.processed()) / drainSeconds;
                    double processedDuringLoad = (atEnd.processed() - before.processed()) / max.seconds();
                    heap = Memory.heapAfterGc();
                    rss = Memory.rss();

                    report.row("accepted (HTTP 200), max throughput", Report.rate(max.eventsPerSecond()), "≥ 50,000/s "
                            + Report.verdict(max.eventsPerSecond() >= 50_000), String.format("%,d events, %,d failed "
                            + "requests; %s%s", max.events(), max.failures(), Cpu.perEvent(cpuLoad, max.events(), "event"),
                            failureNote(max)));
                    if (processing) {
                        report.row("processed, load start → lag 0", Report.rate(processedRate), "≥ 20,000/s "
                                + Report.verdict(processedRate >= 20_000), String.format("%,d events in %.1f s; "
                                + "ingest + processing: %s", drained.processed() - before.processed(), drainSeconds,
                                Cpu.perEvent(cpuDrained, drained.processed() - before.processed(), "event")));
                        report.row("processed while the load ran", Report.rate(processedDuringLoad), "",
                                String.format("lag %,d at the end of the load", atEnd.lag()));
                    } else {
                        report.row("processing", "off", "", "--ingest-only: the person processors did not run");
                    }
                    report.row("CPU by thread during the max-throughput phase", "", "", threadsLoad);
                    report.row("written to disk by this process, load start → lag 0", Memory.mib(written), "",
                            String.format("%,.0f bytes/event (SQLite: WAL + checkpoints; PostgreSQL writes in its own "
                                    + "processes)", (double) written / Math.max(1, max.events())));
                    report.row("latency, closed loop at max (p50/p99/p99.9/max)", max.latencies().summary(), "",
                            "per batch request; not the latency target");
                }

                long fixedEvents = 0;
                for (int rate : rates) {
                    if (!settle.isZero()) {
                        log("%ds without load, so the percentiles /metrics publishes hold the next rate alone",
                                settle.toSeconds());
                        Thread.sleep(settle.toMillis());
                    }
                    log("fixed rate %,d events/s for %ds", rate, seconds.toSeconds());
                    HeraldMetrics.Timing freshnessBefore = metrics.timing(FRESHNESS);
                    HeraldMetrics.Sample start = metrics.sample();
                    HttpDriver.Result fixed = driver.openLoop(rate, seconds);
                    fixedEvents += fixed.events();
                    HeraldMetrics.Sample after = metrics.sample();
                    if (processing) {
                        // Sustained processing: the processors keep pace with the offered rate, so the backlog at the
                        // end of the phase is under one second's worth of events.
                        double rateProcessed = (after.processed() - start.processed())
                                / ((after.nanos() - start.nanos()) / 1e9);
                        boolean keepsUp = after.lag() < rate && fixed.failures() == 0;
                        report.row("processed while " + String.format("%,d", rate) + " events/s arrive",
                                Report.rate(rateProcessed), rate >= 20_000 ? "≥ 20,000/s sustained "
                                        + Report.verdict(keepsUp && rateProcessed >= 20_000 * 0.95) : "",
                                String.format("lag %,d at the start, %,d at the end: %s", start.lag(), after.lag(),
                                        keepsUp ? "keeps up" : "falls behind"));
                    }
                    boolean met = fixed.failures() == 0 && fixed.latencies().percentileMillis(0.99) < 50;
                    report.row("ingest latency at " + String.format("%,d", rate) + " events/s (p50/p99/p99.9/max)",
                            fixed.latencies().summary(), rate == 10_000 ? "p99 < 50 ms " + Report.verdict(met) : "",
                            String.format("open loop from the scheduled time; %,d requests, %,d failed, at most %d "
                                    + "in flight, lag %,d after%s", fixed.requests(), fixed.failures(),
                                    fixed.maxInFlight(), after.lag(), failureNote(fixed)));
                    if (processing) metrics.awaitDrained(DRAIN_TIMEOUT, Duration.ofMillis(250));
                    if (processing && timings) {
                        // read once the phase's events are all processed: a backlog's changes count too
                        HeraldMetrics.Timing processed = metrics.timing(PROCESSING);
                        HeraldMetrics.Timing freshness = metrics.timing(FRESHNESS);
                        long changes = freshness.count() - freshnessBefore.count();
                        report.row("processing latency at " + String.format("%,d", rate) + " events/s (p50/p99)",
                                processed.summary(), "", "received → processing committed, herald_processor_latency");
                        report.row("segment freshness at " + String.format("%,d", rate) + " events/s (p50/p99)",
                                changes == 0 ? "no changes" : freshness.summary(), segments >= 200 && rate >= 5_000
                                        ? "p99 < 100 ms " + Report.verdict(changes > 0 && freshness.p99Millis() < 100) : "",
                                String.format("received → segment.entered/exited committed; %,d membership changes "
                                        + "(%,.0f/s)", changes, changes / fixed.seconds()));
                    }
                }
                stored = warmupEvents + (max == null ? 0 : max.events()) + fixedEvents;
                if (max != null) {
                    report.row("heap used after GC / RSS (after the max-throughput phase)", Memory.mib(heap) + " / "
                            + Memory.mib(rss), "bounded", "client and server share this JVM");
                }
            }
            long dbBytes = store.heraldBytes();
            report.row("store on disk after the run", Memory.mib(dbBytes), "", String.format("%,d events, %,.0f "
                    + "bytes/event (log + history + people; see footprint)", stored, (double) dbBytes / stored));

            if (!o.flag("skip-baselines") && max != null) baselines(store, report, max, clients, batch, people, rates, seconds,
                    warmup, runId, auth);
            report.row("peak RSS of the whole run", Memory.mib(Memory.peakRss()));
            System.out.println();
            System.out.println(report.markdown());
        }
    }

    private static void baselines(BenchStore store, Report report, HttpDriver.Result herald, int clients,
                                  int batch, int people, int[] rates, Duration seconds, Duration warmup, String runId,
                                  String auth) throws Exception {
        try (NoopServer noop = NoopServer.start()) {
            HttpDriver driver = new HttpDriver(URI.create("http://127.0.0.1:" + noop.port() + "/v1/batch"), auth,
                    batch, people, runId + "-noop");
            if (!warmup.isZero()) driver.closedLoop(clients, warmup);
            log("no-op endpoint for %ds", seconds.toSeconds());
            long cpu = Cpu.now();
            HttpDriver.Result r = driver.closedLoop(clients, seconds);
            cpu = Cpu.now() - cpu;
            report.row("baseline: no-op endpoint (Javalin + Jackson)", Report.rate(r.eventsPerSecond()), "",
                    String.format("%,d failed requests; latency p50/p99 %.1f / %.1f ms; %s%s", r.failures(),
                            r.latencies().percentileMillis(0.5), r.latencies().percentileMillis(0.99),
                            Cpu.perEvent(cpu, r.events(), "event"), failureNote(r)));
            report.row("**Herald accepted / no-op**", Report.ratio(herald.eventsPerSecond(), r.eventsPerSecond()));
            if (rates.length > 0) {
                int rate = rates[0];
                HttpDriver.Result fixed = driver.openLoop(rate, seconds);
                report.row("baseline: no-op latency at " + String.format("%,d", rate) + " events/s",
                        fixed.latencies().summary(), "", "open loop, same pacing");
            }
        }
        log("raw batched inserts for %ds", seconds.toSeconds());
        long cpu = Cpu.now();
        RawInserts.Result raw = RawInserts.run(store, clients, batch, seconds);
        cpu = Cpu.now() - cpu;
        report.row("baseline: raw batched inserts (" + batch + " rows/transaction, " + clients + " threads)",
                Report.rate(raw.rowsPerSecond()), "", String.format("%,d rows into a table shaped like event_log; "
                        + "%s (JVM side only)", raw.rows(), Cpu.perEvent(cpu, raw.rows(), "row")));
        report.row("**Herald accepted / raw inserts**", Report.ratio(herald.eventsPerSecond(), raw.rowsPerSecond()));
    }

    /** Prints, each second, what the server says while the load runs: events processed so far and the lag. */
    private static void timeline(HeraldMetrics metrics, HeraldMetrics.Sample start) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(1000);
                HeraldMetrics.Sample s = metrics.sample();
                log("  t=%4.1fs processed %,d lag %,d heap %s", (s.nanos() - start.nanos()) / 1e9,
                        s.processed() - start.processed(), s.lag(), Memory.mib(Runtime.getRuntime().totalMemory()
                                - Runtime.getRuntime().freeMemory()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log("timeline sampling stopped: %s", e);
        }
    }

    /** "10000,2000" → the fixed rates to run, in order; "0" or "" → none. */
    private static int[] rates(String list) {
        return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(r -> !r.isEmpty())
                .mapToInt(r -> {
                    try {
                        return Integer.parseInt(r.replace("_", ""));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--rate must be events/s, or several separated by commas, "
                                + "was '" + list + "'");
                    }
                }).filter(r -> r > 0).toArray();
    }

    private static String failureNote(HttpDriver.Result r) {
        return r.firstFailure() == null ? "" : "; first failure: " + r.firstFailure().replace("|", "/");
    }

    static void log(String format, Object... args) {
        System.err.printf("[bench] " + format + "%n", args);
    }
}
