package io.herald.bench.jmh;

import io.herald.event.EventCodec;
import io.herald.policy.Decision;
import io.herald.policy.Gate;
import io.herald.policy.GateRequest;
import io.herald.policy.Settings;
import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.store.Sql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * What the policy gate costs per delivery on SQLite, with realistic state: 2,000 people, each with ~15 profile
 * attributes (a third with a {@code timezone} attribute, a third with only a device-reported zone), channel and
 * topic preferences, 40 deliveries over the last 30 days (a handful in the last day, so caps are near their limit
 * for some people and hit for others) and two waiting deliveries; the workspace has four caps (push, in-app, any per
 * day, any per week), quiet hours 22:00–08:00 and three topics. Each call checks the next person's delivery on a
 * rotating channel (push, in_app, email), half of them with a topic, through {@link Gate#check} with the policies
 * cached as the server wires it ({@code new Gate(settings)}). Every check runs all five checks' reads for a person
 * who passes (subscription, cap counts over the week, zone, priority); outcomes are printed at setup.
 *
 * <p>{@code round} is the dispatcher's path: the same 6,000 requests cut into rounds of {@value #ROUND}, each
 * ordered as the dispatcher orders a round (person, then higher priority first), through {@link Gate#checkRound}.
 * It is SampleTime too, with {@code @OperationsPerInvocation(ROUND)}: each sample is one round's time divided by
 * {@value #ROUND}, so its median is the median round's cost per delivery. {@code gate} is a round of one. Both run on
 * one gate, which after the first pass remembers every person's sends (nothing is written here, so their versions
 * never change); {@code roundFirstSight} asks a new gate each round, which reads them all from the store.
 *
 * <p>Baselines in the same run, on the same connection: {@code indexedSelect}, one primary-key SELECT of a person's
 * preferences prepared per call (the least a gate that reads anything from the store can cost), and {@code
 * indexedSelectPrepared}, the same on a statement prepared once.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar jmh GateBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2}
 * (SampleTime: median and tail per call, in µs). {@code -p engine=postgresql} runs it on PostgreSQL instead, in a
 * fresh schema of the database at {@code HERALD_BENCH_PG_URL} ({@code _USER}, {@code _PASSWORD}; the test
 * variables {@code HERALD_TEST_PG_*} .ci/postgres.sh prints are read as a fallback), dropped at the end.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GateBenchmark {
    private static final String WS = "ws_bench";
    private static final int PEOPLE = 2000;
    private static final int DELIVERIES_PER_PERSON = 40;
    static final int ROUND = 500;
    private static final String BASELINE = "SELECT preferences FROM person_preferences WHERE person_id = ?";
    private static final String[] CHANNELS = {"push", "in_app", "email"};
    private static final String[] TOPICS = {"product_tips", "billing", "digest"};
    private static final String[] ZONES = {"America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Sao_Paulo",
            "Europe/Lisbon", "Asia/Tokyo", "Australia/Sydney", "UTC"};
    /** Midday in Europe: most people are awake, those in the Americas' night and Asia's evening are not. */
    private final long now = Instant.parse("2026-11-23T11:00:00Z").toEpochMilli();

    @Param({"sqlite"})
    public String engine;

    private Path dir;
    private DatabaseConfig config;
    private Database db;
    private Connection connection;
    private Settings settings;
    private Gate gate;
    private GateRequest[] requests;
    private List<List<GateRequest>> rounds;
    private int nextRound;
    private String[] personIds;
    private PreparedStatement baseline;
    private int next;
    private int nextPerson;

    @Setup(Level.Trial)
    public void setUp() throws IOException, SQLException {
        dir = Files.createTempDirectory("herald-gate-bench");
        Path file = dir.resolve("herald.db");
        boolean postgres = engine.equals("postgresql");
        config = postgres
                ? DatabaseConfig.postgresql(env("URL", "jdbc:postgresql://127.0.0.1:5432/herald"), env("USER", "herald"),
                        env("PASSWORD", "herald")).withSchema("bench_gate_" + UUID.randomUUID().toString().replace("-", ""))
                : DatabaseConfig.sqlite(file);
        db = Database.open(config);
        InstantSource clock = InstantSource.fixed(Instant.ofEpochMilli(now));
        settings = new Settings(db, clock);
        settings.putPolicies(WS, EventCodec.mapper().readTree("""
                {"frequencyCaps": [{"channel": "push", "max": 3, "per": "P1D"}, {"channel": "in_app", "max": 2, "per": "PT4H"},
                  {"channel": "any", "max": 5, "per": "P1D"}, {"channel": "any", "max": 20, "per": "P7D"}],
                 "quietHours": {"start": "22:00", "end": "08:00", "action": "defer"}, "defaultTimezone": "UTC"}"""));
        seed();
        gate = new Gate(settings);

        if (postgres) {
            // The gate's own connection, as a dispatcher holds one for its transaction, on the benchmark's schema.
            connection = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
            try (var st = connection.createStatement()) {
                st.execute("SET search_path TO " + config.schema());
                st.execute("ANALYZE");
            }
        } else {
            // The gate's own connection, as a dispatcher holds one for its transaction: same file, same pragmas.
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            sqlite.setBusyTimeout(30_000);
            sqlite.setCacheSize(-65_536);
            SQLiteDataSource ds = new SQLiteDataSource(sqlite);
            ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
            connection = ds.getConnection();
        }
        baseline = connection.prepareStatement(BASELINE);

        SplittableRandom random = new SplittableRandom(11);
        requests = new GateRequest[PEOPLE * 3];
        for (int i = 0; i < requests.length; i++) {
            String person = personIds[random.nextInt(PEOPLE)];
            String topic = random.nextBoolean() ? TOPICS[random.nextInt(TOPICS.length)] : null;
            requests[i] = new GateRequest(WS, person, "dlv_asking_" + i, CHANNELS[i % CHANNELS.length], topic, false,
                    "cmp_bench", true, true, 10 + random.nextInt(80), now + Duration.ofDays(1).toMillis(), now);
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        for (GateRequest r : requests) {
            outcomes.merge(label(gate.check(connection, r)), 1, Integer::sum);
        }
        System.out.println("\nGateBenchmark outcomes over " + requests.length + " requests: " + outcomes);

        rounds = new ArrayList<>();
        Map<String, Integer> roundOutcomes = new TreeMap<>();
        for (int from = 0; from < requests.length; from += ROUND) {
            List<GateRequest> round = new ArrayList<>(List.of(requests).subList(from, Math.min(requests.length, from + ROUND)));
            round.sort(Comparator.comparing(GateRequest::personId)
                    .thenComparing(Comparator.comparingInt(GateRequest::priority).reversed()));
            rounds.add(List.copyOf(round));
            for (Decision d : gate.checkRound(connection, round)) roundOutcomes.merge(label(d), 1, Integer::sum);
        }
        System.out.println("GateBenchmark outcomes over the same requests in rounds of " + ROUND + ": " + roundOutcomes);
        // On PostgreSQL the thread mostly waits for the server, and 30 passes of single checks take minutes a trial.
        if (!postgres) printCpuPerDelivery();
    }

    /**
     * The gate's thread CPU per delivery, both ways, over 20 passes of the 6,000 requests after 10 unmeasured ones:
     * a figure the machine's other load changes far less than wall-clock samples (a 500-delivery round is long enough
     * to be preempted on a busy machine, a single check mostly is not).
     */
    private void printCpuPerDelivery() throws SQLException {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String way : List.of("round", "gate")) {
            long cpu = 0;
            for (int pass = 0; pass < 30; pass++) {
                long start = threads.getCurrentThreadCpuTime();
                if (way.equals("round")) {
                    for (List<GateRequest> round : rounds) gate.checkRound(connection, round);
                } else {
                    for (GateRequest r : requests) gate.check(connection, r);
                }
                if (pass >= 10) cpu += threads.getCurrentThreadCpuTime() - start;
            }
            System.out.printf("GateBenchmark thread CPU per delivery, %s: %.1f us%n", way, cpu / 1000.0 / (20.0 * requests.length));
        }
    }

    private static String label(Decision d) {
        return switch (d) {
            case Decision.Send s -> "send";
            case Decision.Defer f -> "defer:" + f.reason();
            case Decision.Suppress s -> "suppress:" + s.reason();
        };
    }

    private void seed() {
        SplittableRandom random = new SplittableRandom(42);
        personIds = new String[PEOPLE];
        db.inTransaction(c -> {
            for (String t : TOPICS) {
                Sql.update(c, "INSERT INTO topics (workspace_id, topic_key, name, default_opt_in, created_at) "
                        + "VALUES (?, ?, ?, ?, 0)", WS, t, t, !t.equals("digest"));
            }
            int seq = 0;
            for (int p = 0; p < PEOPLE; p++) {
                String id = String.format("per_%06d", p);
                personIds[p] = id;
                String zone = ZONES[random.nextInt(ZONES.length)];
                int kind = p % 3;
                StringBuilder attrs = new StringBuilder("{\"email\":\"user").append(p).append("@example.com\",")
                        .append("\"name\":\"Person ").append(p).append("\",\"plan\":\"pro\",\"company\":{\"name\":\"Acme\",")
                        .append("\"size\":120},\"signed_up_at\":\"2026-01-0").append(1 + p % 9).append("T10:00:00Z\",")
                        .append("\"projects\":").append(p % 17).append(",\"country\":\"DE\",\"locale\":\"de-DE\",")
                        .append("\"role\":\"admin\",\"newsletter\":true,\"last_export\":\"csv\",\"seats\":5,")
                        .append("\"tags\":[\"beta\",\"power\"],\"score\":0.75");
                if (kind == 0) attrs.append(",\"timezone\":\"").append(zone).append('"');
                attrs.append('}');
                Sql.update(c, "INSERT INTO persons (id, workspace_id, user_id, attributes, timezone, locale, created_at, "
                        + "last_seen_at) VALUES (?, ?, ?, ?, ?, 'de-DE', 0, 0)", id, WS, "user-" + p, attrs.toString(),
                        kind == 1 ? zone : null);
                Sql.update(c, "INSERT INTO person_preferences (person_id, workspace_id, preferences, updated_at) "
                        + "VALUES (?, ?, ?, 0)", id, WS, "{\"channels\":{\"email\":" + (p % 10 != 0) + ",\"sms\":false},"
                        + "\"topics\":{\"product_tips\":{\"push\":" + (p % 7 != 0) + "},\"digest\":{\"email\":true}}}");
                for (int d = 0; d < DELIVERIES_PER_PERSON; d++) {
                    // Spread evenly over 30 days: about 1.3 a day, 9 a week, so the daily caps are hit now and then.
                    long age = (long) (random.nextDouble() * Duration.ofDays(30).toMillis());
                    String channel = CHANNELS[random.nextInt(CHANNELS.length)];
                    String did = "dlv_" + (seq++);
                    Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, step, "
                            + "channel, idempotency_key, status, message, context, priority, created_at, updated_at, "
                            + "sent_at) VALUES (?, ?, ?, 'cmp_old', 1, 's1', ?, ?, 'delivered', '{}', '{}', 50, ?, ?, ?)",
                            did, WS, id, channel, did, now - age, now - age, now - age);
                }
                for (int w = 0; w < 2; w++) {
                    String did = "dlv_" + (seq++);
                    Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, step, "
                            + "channel, idempotency_key, status, message, context, priority, created_at, updated_at, "
                            + "next_attempt_at) VALUES (?, ?, ?, 'cmp_wait', 1, 's1', ?, ?, ?, '{}', ?, ?, ?, ?, ?)",
                            did, WS, id, CHANNELS[w], did, w == 0 ? "queued" : "deferred",
                            "{\"policies\":{\"quietHours\":true,\"frequencyCap\":true,\"priority\":60}}", 60, now, now,
                            w == 0 ? now : now + Duration.ofHours(3).toMillis());
                }
            }
            return null;
        });
    }

    private static String env(String name, String fallback) {
        String v = System.getenv("HERALD_BENCH_PG_" + name);
        if (v == null) v = System.getenv("HERALD_TEST_PG_" + name);
        return v != null ? v : fallback;
    }

    @Benchmark
    public Decision gate() throws SQLException {
        GateRequest r = requests[next];
        next = next + 1 == requests.length ? 0 : next + 1;
        return gate.check(connection, r);
    }

    /** The dispatcher's path: a round of {@value #ROUND} requests at once; reported per delivery. */
    @Benchmark
    @OperationsPerInvocation(ROUND)
    public List<Decision> round() throws SQLException {
        List<GateRequest> round = rounds.get(nextRound);
        nextRound = nextRound + 1 == rounds.size() ? 0 : nextRound + 1;
        return gate.checkRound(connection, round);
    }

    /**
     * {@code round} by a gate that remembers nobody's sends yet (a new one each round), so it reads every person's
     * sends from the store: what a round costs for people the gate has not seen since it started (or forgot).
     */
    @Benchmark
    @OperationsPerInvocation(ROUND)
    public List<Decision> roundFirstSight() throws SQLException {
        List<GateRequest> round = rounds.get(nextRound);
        nextRound = nextRound + 1 == rounds.size() ? 0 : nextRound + 1;
        return new Gate(settings).checkRound(connection, round);
    }

    /** Baseline: one primary-key SELECT, prepared per call as Herald's reads (and the gate's) are. */
    @Benchmark
    public String indexedSelect() throws SQLException {
        String person = personIds[nextPerson];
        nextPerson = nextPerson + 1 == PEOPLE ? 0 : nextPerson + 1;
        try (PreparedStatement ps = connection.prepareStatement(BASELINE)) {
            ps.setString(1, person);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Baseline: the same SELECT on a statement prepared once (SQLite's execution alone). */
    @Benchmark
    public String indexedSelectPrepared() throws SQLException {
        String person = personIds[nextPerson];
        nextPerson = nextPerson + 1 == PEOPLE ? 0 : nextPerson + 1;
        baseline.setString(1, person);
        try (ResultSet rs = baseline.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, SQLException {
        baseline.close();
        connection.close();
        db.close();
        if (config.engine() == Engine.POSTGRESQL) {
            try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
                 var st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + config.schema() + " CASCADE");
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
