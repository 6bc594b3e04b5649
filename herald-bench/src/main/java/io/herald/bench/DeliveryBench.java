package io.herald.bench;

import io.herald.delivery.Channel;
import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.InAppChannel;
import io.herald.delivery.Outbound;
import io.herald.delivery.Outcome;
import io.herald.delivery.SentHook;
import io.herald.inapp.InAppFeed;
import io.herald.inapp.LocalLiveFeed;
import io.herald.log.JdbcEventLog;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Workspaces;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.PreparedStatement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The delivery pipeline end to end: {@code --deliveries} queued deliveries (default 200,000) for {@code --people}
 * people (default 20,000) taken from the outbox by one {@link Dispatcher} (claim with a lease → policy gate → render →
 * channel → outcome event appended to the log → status recorded), {@code --rounds} rounds at once as its background
 * threads run them (default: the server's, 2), to a channel that does nothing but answer "sent". Target (issue 5):
 * ≥ 10,000 deliveries/s.
 *
 * <p>{@code --channel in_app} (the default) sends in-app messages through {@link InAppChannel}, whose sending is
 * making the message available: each is appended to the person's feed and its row enters the eligible-list index and
 * bumps the list versions (V16), as the server's do. {@code --channel
 * push} sends push messages to a channel that answers "sent" and does nothing else, the target's no-op channel: the
 * same gate and the same context, a push rendered, none of the in-app list's upkeep.
 *
 * <p>Baseline, same run, over the same rows before the pipeline: the floor a pipeline that writes each delivery's
 * outcome cannot beat, {@code --deliveries} plain batched UPDATEs of delivery rows (one statement per row, batches of
 * the dispatcher's size, a transaction per batch) through Herald's store.
 *
 * <p>On a shared machine the rates say how much CPU the run got; the CPU time per delivery beside them says what the
 * work costs.
 *
 * <p>Run: {@code java -jar herald-bench/target/herald-bench.jar delivery --engine sqlite [--deliveries 200000]
 * [--people 20000] [--batch 500] [--rounds 2] [--warmup 30000] [--channel in_app|push]}; the warm-up deliveries are
 * dispatched (not measured) first.
 */
final class DeliveryBench {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "deliveries", "people", "batch", "rounds", "warmup", "channel",
            "pg-url", "pg-user", "pg-password", "tmp");
    private static final String IN_APP_MESSAGE = "{\"format\":\"banner\",\"title\":\"Hi {{ person.name }}\","
            + "\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Your trial ends in {{ journey.days }} days\"}]}]}";
    private static final String PUSH_MESSAGE = "{\"title\":\"Hi {{ person.name }}\",\"body\":\"Your trial ends in "
            + "{{ journey.days }} days\",\"deepLink\":\"app://plans\"}";

    private DeliveryBench() {
    }

    static void run(Options o) throws Exception {
        int deliveries = o.integer("deliveries", 200_000, 1);
        int people = o.integer("people", 20_000, 1);
        int batch = o.integer("batch", 500, 1);
        int warmup = o.integer("warmup", 30_000, 0);
        int rounds = o.integer("rounds", DispatchOptions.defaults().rounds(), 1);
        String channel = o.get("channel", "in_app");
        if (!channel.equals("in_app") && !channel.equals("push")) {
            throw new IllegalArgumentException("--channel must be in_app or push, was '" + channel + "'");
        }
        InstantSource clock = InstantSource.system();
        try (BenchStore store = BenchStore.create(o)) {
            LoadGenerator.log("delivery pipeline on %s: %,d %s deliveries for %,d people, rounds of %d, %d at once; "
                    + "JVM %s, %d CPUs", store.engineName(), deliveries, channel, people, batch, rounds, Runtime.version(),
                    Runtime.getRuntime().availableProcessors());
            Database db = Database.open(store.heraldConfig());
            JdbcEventLog log = JdbcEventLog.open(db, store.heraldConfig(), 1, 8192);
            try {
                String ws = new Workspaces(db, clock).bootstrap(null, null, null).orElseThrow().workspace().id();
                WaitingSeed seed = new WaitingSeed(db, ws, 1);
                long now = clock.millis();
                seed.people(people, now - 86_400_000L);
                if (warmup > 0) {
                    // The JIT compiles the pipeline's code on these; they are sent before the measured ones are seeded.
                    seedDeliveries(db, ws, seed, channel, "warm", warmup, people, now - 120_000);
                    int warmed = PushSeed.dispatchAll(dispatcher(db, log, clock, new SimpleMeterRegistry(), batch, rounds,
                            channel));
                    LoadGenerator.log("warmed up on %,d deliveries", warmed);
                }
                SimpleMeterRegistry meters = new SimpleMeterRegistry();
                Dispatcher dispatcher = dispatcher(db, log, clock, meters, batch, rounds, channel);
                List<String> ids = seedDeliveries(db, ws, seed, channel, "dlv", deliveries, people, now - 60_000);
                LoadGenerator.log("seeded %,d people and %,d queued deliveries", people, deliveries);

                long cpu0 = Cpu.now();
                double baseline = baseline(db, ids, batch, clock);
                long baselineCpu = Cpu.now() - cpu0;
                LoadGenerator.log("baseline: %,.0f row updates/s", baseline);

                long cpu1 = Cpu.now();
                long t = System.nanoTime();
                int done = PushSeed.dispatchAll(dispatcher);
                double seconds = (System.nanoTime() - t) / 1e9;
                long pipelineCpu = Cpu.now() - cpu1;
                long sent = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent' AND id LIKE 'dlv%'",
                        rs -> rs.getLong(1))).orElseThrow();
                if (done != deliveries || sent != deliveries) {
                    throw new IllegalStateException("the pipeline processed " + done + " and sent " + sent + " of "
                            + deliveries + " deliveries");
                }
                double rate = deliveries / seconds;
                Timer latency = meters.get("herald.dispatch.latency").timer();
                LoadGenerator.log("pipeline: %,d deliveries in %.2f s", deliveries, seconds);
                Report report = new Report("Delivery pipeline on " + store.engineName() + " — "
                        + String.format("%,d", deliveries) + " deliveries, " + String.format("%,d", people)
                        + " people, rounds of " + batch + ", " + rounds + " at once");
                report.row("pipeline: outbox → gate → render → no-op channel → event + status", Report.rate(rate),
                        "≥ 10,000/s", Report.verdict(rate >= 10_000));
                report.row("pipeline CPU (process, all threads: dispatcher, log writer, checkpointer)",
                        Cpu.perEvent(pipelineCpu, deliveries, "delivery"), "", "the dispatcher's threads do most of it");
                report.row("baseline: plain batched UPDATE of the delivery rows", Report.rate(baseline));
                report.row("baseline CPU", Cpu.perEvent(baselineCpu, deliveries, "row"));
                report.row("pipeline / baseline", Report.ratio(rate, baseline));
                report.row("claim → recorded, per delivery (p50 / p99 / max)", String.format("%.0f / %.0f / %.0f ms",
                        percentile(latency, 0.5), percentile(latency, 0.99), latency.max(TimeUnit.MILLISECONDS)));
                System.out.println(report.markdown());
            } finally {
                log.close();
                log.closeStore();
                db.close();
            }
        }
    }

    private static Dispatcher dispatcher(Database db, JdbcEventLog log, InstantSource clock, SimpleMeterRegistry meters,
                                         int batch, int rounds, String channel) {
        boolean push = channel.equals("push");
        // In-app sends go to the people's feeds as the server's do (nobody listens here, so no stream is woken).
        return new Dispatcher(db, log, Channels.of(push ? new NoopPush() : new InAppChannel()), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), clock, meters,
                DispatchOptions.defaults().withBatchSize(batch).withRounds(rounds), Dispatcher.Probe.NONE,
                push ? SentHook.NONE : new InAppFeed(db, new LocalLiveFeed(), clock));
    }

    private static double percentile(Timer t, double p) {
        for (var v : t.takeSnapshot().percentileValues()) {
            if (Math.abs(v.percentile() - p) < 1e-9) return v.value(TimeUnit.MILLISECONDS);
        }
        return Double.NaN;
    }

    /** A push channel that answers "sent" at once and sends nothing. */
    private static final class NoopPush implements Channel {
        @Override
        public String name() {
            return "push";
        }

        @Override
        public CompletableFuture<Outcome> send(Outbound delivery) {
            return CompletableFuture.completedFuture(new Outcome.Sent(delivery.deliveryId()));
        }
    }

    /** Deliveries as a campaign's message step writes them, spread round-robin over the people. */
    private static List<String> seedDeliveries(Database db, String ws, WaitingSeed seed, String channel, String prefix,
                                               int n, int people, long createdAt) {
        String message = channel.equals("push") ? PUSH_MESSAGE : IN_APP_MESSAGE;
        List<String> ids = new ArrayList<>(n);
        String context = "{\"event\":{\"event\":\"trial_started\",\"properties\":{}},\"journey\":{\"days\":3},"
                + "\"campaign\":{\"id\":\"bench\",\"name\":\"Trial ending\",\"version\":1},"
                + "\"policies\":{\"quietHours\":true,\"frequencyCap\":true,\"priority\":50}}";
        for (int from = 0; from < n; from += 5_000) {
            int start = from;
            int end = Math.min(n, from + 5_000);
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO deliveries (id, workspace_id, person_id, "
                        + "campaign_id, version, run_id, step, channel, idempotency_key, status, message, context, priority, "
                        + "created_at, updated_at) VALUES (?, ?, ?, 'bench', 1, ?, 's1', ?, ?, 'queued', ?, ?, 50, ?, ?)")) {
                    for (int i = start; i < end; i++) {
                        String id = String.format("%s_%012d", prefix, i);
                        String person = seed.personId(i % people);
                        Sql.bind(ps, id, ws, person, prefix + "run_" + i, channel,
                                prefix + "run_" + i + ":s1:" + person + ":" + channel, message, context, createdAt + i,
                                createdAt + i);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
            for (int i = start; i < end; i++) ids.add(String.format("%s_%012d", prefix, i));
        }
        return ids;
    }

    /** Batched UPDATEs of every row (status unchanged, so the pipeline finds them queued); rows per second. */
    private static double baseline(Database db, List<String> ids, int batch, InstantSource clock) {
        long t = System.nanoTime();
        for (int from = 0; from < ids.size(); from += batch) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + batch));
            long now = clock.millis();
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE deliveries SET status = 'queued', reason = NULL, "
                        + "rendered = ?, updated_at = ? WHERE id = ?")) {
                    for (String id : chunk) {
                        Sql.bind(ps, "{\"format\":\"banner\",\"title\":\"Hi Ada\"}", now, id);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        }
        return ids.size() / ((System.nanoTime() - t) / 1e9);
    }
}
