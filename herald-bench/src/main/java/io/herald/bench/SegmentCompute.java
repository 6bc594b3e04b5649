package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.store.Engine;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How long a new segment takes to be computed over a large existing population while ingestion carries on: the
 * issue's target is 1M people with 10M events in their history, computed in under 60 s.
 *
 * <p>Steps: a fresh store is seeded with {@code --people} people and {@code --events} events of history over the
 * last 90 days ({@link HistorySeed}, batched JDBC inserts; about 30% of people did {@code Order Completed}); the
 * baseline, in the same run, is the database answering the same question itself, one aggregate query over the
 * history; then Herald starts on the store, the workload is sent at {@code --rate} events/s (open loop, its
 * {@code user-N} ids are the seeded people) for {@code --warmup} seconds, and the segment is created through the
 * admin API: {@code {"event": "Order Completed", "count": {"op": "gte", "value": --times}, "within": --within}}.
 * Every second the run prints the segment's progress, the events accepted and processed and the processing lag;
 * when the segment is {@code ready} it reports the computation's time (the segment's {@code computedAt − createdAt}),
 * its members against the baseline's count, and what ingestion and processing did meanwhile.
 *
 * <pre>
 * java -Xmx2g -jar herald-bench/target/herald-bench.jar segment-compute --engine sqlite --people 1000000 --events 10000000
 *      [--rate 2000] [--warmup 20] [--times 2] [--within P30D] [--data DIR] [--keep] [--tmp DIR]
 * </pre>
 *
 * {@code --data DIR} keeps the seeded store there and uses it again on the next run (seeding 10M events takes a few
 * minutes); the earlier run's segment is deleted first, so each run computes from scratch.
 */
final class SegmentCompute {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "people", "events", "rate", "warmup", "times", "within", "data",
            "pg-url", "pg-user", "pg-password", "tmp", "partitions");

    private static final String WRITE_KEY = "wk_bench_0123456789abcdef";
    private static final String ADMIN_KEY = "ak_bench_0123456789abcdef";
    private static final String IDENTITY_SECRET = "hs_bench_0123456789abcdef";
    private static final Duration SPAN = Duration.ofDays(90);
    private static final Duration TIMEOUT = Duration.ofMinutes(60);

    private SegmentCompute() {
    }

    static void run(Options o) throws Exception {
        InstantSource clock = InstantSource.system(); // one clock for Herald and the bench's own times
        int people = o.integer("people", 1_000_000, 1);
        long events = o.number("events", 10_000_000, 0);
        int rate = o.integer("rate", 2_000, 0);
        Duration warmup = Duration.ofSeconds(o.number("warmup", 20, 0));
        int times = o.integer("times", 2, 1);
        String within = o.get("within", "P30D");
        Duration window = Duration.parse(within);
        try (BenchStore store = BenchStore.create(o)) {
            int partitions = o.integer("partitions", store.defaultPartitions(), 1);
            Config config = new Config("127.0.0.1", 0, store.dir(), store.heraldConfig(), partitions, WRITE_KEY,
                    ADMIN_KEY, IDENTITY_SECRET, false);
            Report report = new Report("Segment computation on " + store.engineName() + " — " + String.format("%,d", people)
                    + " people, " + String.format("%,d", events) + " events of history, ingestion at "
                    + String.format("%,d", rate) + " events/s");
            LoadGenerator.log("segment-compute on %s: %,d people, %,d events, %d CPUs, max heap %s", store.engineName(),
                    people, events, Runtime.getRuntime().availableProcessors(), Memory.mib(Runtime.getRuntime().maxMemory()));

            // 1. The store: Herald's schema and keys, then the seeded people and history (or those of --data).
            try (Herald h = Herald.start(config, clock, false)) {
                LoadGenerator.log("store ready in %s", store.engine() == Engine.SQLITE ? store.dir() : "its schema");
            }
            String workspaceId = workspaceId(store);
            long seededPeople = countPeople(store, workspaceId);
            long now = clock.millis();
            if (seededPeople == 0) {
                LoadGenerator.log("seeding %,d people and %,d events", people, events);
                HistorySeed.Seeded s = HistorySeed.seed(store, workspaceId, people, events, now, SPAN);
                report.row("seeded (batched JDBC inserts, index built after)", String.format("%.0f s", s.seconds()), "",
                        String.format("%,d people, %,d events over the last %d days", s.people(), s.events(), SPAN.toDays()));
            } else {
                LoadGenerator.log("using the store in %s: %,d people", store.dir(), seededPeople);
                forgetSegments(store);
                report.row("store", "reused", "", String.format("%,d people (--data)", seededPeople));
            }
            report.row("store on disk", Memory.mib(store.heraldBytes()));

            // 2. Baseline: the database answering the same question in one aggregate query.
            LoadGenerator.log("baseline: one aggregate query over the history");
            long b0 = System.nanoTime();
            long expected = countByQuery(store, workspaceId, HistorySeed.RARE_EVENT, times, clock.millis()
                    - window.toMillis());
            double baselineSeconds = (System.nanoTime() - b0) / 1e9;
            report.row("baseline: one SQL aggregate over the history", String.format("%.1f s", baselineSeconds), "",
                    String.format("%,d people did %s ≥ %d times within %s (GROUP BY person_id HAVING COUNT(*) ≥ %d)",
                            expected, HistorySeed.RARE_EVENT, times, within, times));

            // 3. Herald on the store, ingestion going on, the segment created and timed.
            try (Herald herald = Herald.start(config, clock, true)) {
                String auth = "Basic " + Base64.getEncoder().encodeToString((WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
                HttpDriver driver = new HttpDriver(URI.create("http://127.0.0.1:" + herald.port() + "/v1/batch"), auth,
                        100, people, UUID.randomUUID().toString().substring(0, 8), Workload.Traits.STABLE);
                HeraldMetrics metrics = new HeraldMetrics(herald.port());
                SegmentsAdmin admin = new SegmentsAdmin(herald.port(), ADMIN_KEY);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<HttpDriver.Result> ingested = new AtomicReference<>();
                Thread ingest = Thread.ofPlatform().name("bench-ingest").start(() -> {
                    if (rate > 0) ingested.set(driver.openLoop(rate, TIMEOUT, stop::get));
                });
                if (!warmup.isZero()) {
                    LoadGenerator.log("ingestion at %,d events/s for %ds before the segment", rate, warmup.toSeconds());
                    Thread.sleep(warmup.toMillis());
                }

                ObjectNode condition = EventCodec.mapper().createObjectNode().put("event", HistorySeed.RARE_EVENT);
                condition.putObject("count").put("op", "gte").put("value", times);
                condition.put("within", within);
                HeraldMetrics.Sample before = metrics.sample();
                long acceptedBefore = driver.acceptedSoFar();
                long t0 = System.nanoTime();
                JsonNode created = admin.create("bench-compute", condition);
                String id = created.path("id").asText();
                LoadGenerator.log("created %s: %s", id, created.path("status").asText());
                long maxLag = 0;
                JsonNode s;
                while (true) {
                    Thread.sleep(1000);
                    s = admin.get(id);
                    HeraldMetrics.Sample m = metrics.sample();
                    maxLag = Math.max(maxLag, m.lag());
                    JsonNode p = s.path("progress");
                    LoadGenerator.log("  t=%5.1fs %s %5.1f%% (%,d / %,d people) · accepted %,d events · processed %,d · lag %,d",
                            (System.nanoTime() - t0) / 1e9, s.path("status").asText(), p.path("percent").asDouble(),
                            p.path("done").asLong(), p.path("total").asLong(), driver.acceptedSoFar() - acceptedBefore,
                            m.processed() - before.processed(), m.lag());
                    if (s.path("status").asText().equals("ready")) break;
                    if (System.nanoTime() - t0 > TIMEOUT.toNanos()) throw new IllegalStateException("not ready after " + TIMEOUT);
                }
                double polled = (System.nanoTime() - t0) / 1e9;
                HeraldMetrics.Sample after = metrics.sample();
                long accepted = driver.acceptedSoFar() - acceptedBefore;
                stop.set(true);
                ingest.join();
                // The check: once every event is processed, Herald's members are the people the query finds now.
                metrics.awaitDrained(Duration.ofMinutes(10), Duration.ofMillis(250));
                long membersNow = admin.get(id).path("count").asLong();
                long expectedNow = countByQuery(store, workspaceId, HistorySeed.RARE_EVENT, times,
                        clock.millis() - window.toMillis());
                double computed = (Instant.parse(s.path("computedAt").asText()).toEpochMilli()
                        - Instant.parse(s.path("createdAt").asText()).toEpochMilli()) / 1000.0;

                report.row("**computed (createdAt → computedAt)**", String.format("%.1f s", computed), "< 60 s "
                        + Report.verdict(computed < 60), String.format("%,d people; ready seen by polling after %.1f s; "
                        + "%.1f× the baseline query", s.path("progress").path("total").asLong(), polled, computed / baselineSeconds));
                report.row("members once ingestion stopped and all was processed", String.format("%,d", membersNow),
                        membersNow == expectedNow ? "= the query" : "≠ the query: " + String.format("%,d", expectedNow),
                        String.format("the same query then; %,d before ingestion started", expected));
                report.row("ingestion during the computation", Report.rate(accepted / polled), "", String.format(
                        "offered %,d events/s (open loop, stable traits); %,d accepted", rate, accepted));
                report.row("processed during the computation", Report.rate((after.processed() - before.processed()) / polled),
                        "", String.format("processing lag: at most %,d, %,d when ready (the processor pauses while each chunk "
                                + "of people is written)", maxLag, after.lag()));
                HttpDriver.Result r = ingested.get();
                if (r != null) {
                    report.row("ingest latency over the whole run (p50/p99/p99.9/max)", r.latencies().summary(), "",
                            String.format("%,d requests, %,d failed", r.requests(), r.failures()));
                }
            }
            report.row("peak RSS of the whole run", Memory.mib(Memory.peakRss()));
            System.out.println();
            System.out.println(report.markdown());
        }
    }

    private static long countPeople(BenchStore store, String workspaceId) throws SQLException {
        try (Connection c = store.heraldConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM persons WHERE workspace_id = ?")) {
            s.setString(1, workspaceId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Takes a reused store back to "no segments": the next computation starts from scratch. */
    private static void forgetSegments(BenchStore store) throws SQLException {
        try (Connection c = store.heraldConnection(); Statement s = c.createStatement()) {
            for (String table : new String[] {"segments", "segment_state", "segment_members", "segment_generations"}) {
                s.executeUpdate("DELETE FROM " + table);
            }
            s.executeUpdate("DELETE FROM timers WHERE kind IN ('segments', 'segment.entered', 'segment.exited')");
        }
    }

    private static long countByQuery(BenchStore store, String workspaceId, String event, int times, long after)
            throws SQLException {
        try (Connection c = store.heraldConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM (SELECT person_id FROM person_events "
                     + "WHERE workspace_id = ? AND type = 'track' AND event = ? AND ts > ? GROUP BY person_id "
                     + "HAVING COUNT(*) >= ?) x")) {
            s.setString(1, workspaceId);
            s.setString(2, event);
            s.setLong(3, after);
            s.setInt(4, times);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String workspaceId(BenchStore store) throws SQLException {
        try (Connection c = store.heraldConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM workspaces ORDER BY created_at LIMIT 1")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
