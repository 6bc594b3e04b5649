package io.herald.bench;

import io.herald.event.EventCodec;
import io.herald.store.Sql;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.UUID;

/**
 * A broadcast in local time beside live traffic: {@code --people} people (default 1,000,000) each with a
 * {@code campaign.broadcast} timer, due {@code --per-second} a second (default 5,000, the campaign's
 * {@code perSecond}), while {@code --live} events a second (default 2,000) of the load test's mix arrive. Target
 * (issue 4): the broadcast completes at the configured rate without starving live traffic.
 *
 * <p>The people are seeded with batched SQL ({@link WaitingSeed}), all on a plan; the segment "on a plan" is then
 * computed over them by Herald. Activating the campaign has Herald's launch ({@code Launches}) schedule one
 * {@code campaign.broadcast} timer per member in the background, spread to honour {@code perSecond}, while the
 * live traffic runs; with {@code --seeded-timers} those timers are seeded with batched SQL instead (the launch is
 * then not measured). Each timer wakes its person and starts a run of the broadcast campaign, which queues a
 * message and ends. Phases, on the wall clock: warm-up (live only, {@code --warmup} s), <b>without</b> (live only,
 * at least {@code --seconds} s), <b>with</b> (the timers come due), <b>drain</b> (after the last is due, until the
 * last is processed). Live traffic runs through all of them, open loop ({@link LiveTraffic}); its processing latency
 * is received → committed, per event, from the pipeline's last stage ({@link CampaignProbe}). The phase without the
 * broadcast is the baseline.
 *
 * <p>Run: {@code java -Xmx2g -jar herald-bench/target/herald-bench.jar broadcast --engine sqlite --people 1000000
 * --per-second 5000 --live 2000}.
 */
final class BroadcastBench {
    static final Set<String> FLAGS = Set.of("keep", "unbounded-timers", "seeded-timers");
    static final Set<String> OPTIONS = Set.of("engine", "people", "per-second", "live", "batch", "live-people",
            "seconds", "warmup", "lead", "partitions", "pg-url", "pg-user", "pg-password", "tmp", "timeout");
    static final String KIND = "campaign.broadcast";

    private BroadcastBench() {
    }

    static void run(Options o) throws Exception {
        int people = o.integer("people", 1_000_000, 1);
        int perSecond = o.integer("per-second", 5_000, 1);
        int live = o.integer("live", 2_000, 1);
        int batch = o.integer("batch", 20, 1);
        int livePeople = o.integer("live-people", 100_000, 1);
        long seconds = o.number("seconds", 30, 5);
        long warmup = o.number("warmup", 15, 0);
        long timeoutSeconds = o.number("timeout", 1800, 10);
        boolean launch = !o.flag("seeded-timers");
        InstantSource clock = InstantSource.system();
        String runId = UUID.randomUUID().toString().substring(0, 8);
        try (BenchStore store = BenchStore.create(o)) {
            int partitions = o.integer("partitions", store.defaultPartitions(), 1);
            LoadGenerator.log("broadcast on %s: %,d people at %,d/s beside %,d live events/s (batches of %d); %d "
                            + "partition(s); JVM %s, %d CPUs", store.engineName(), people, perSecond, live, batch, partitions,
                    Runtime.version(), Runtime.getRuntime().availableProcessors());
            Report report = new Report("Broadcast on " + store.engineName() + " — " + String.format("%,d", people)
                    + " people at " + String.format("%,d", perSecond) + "/s beside " + String.format("%,d", live)
                    + " live events/s");
            CampaignProbe probe = new CampaignProbe(KIND, clock);
            try (CampaignPipeline herald = new CampaignPipeline(store.heraldConfig(), partitions, clock,
                    new SimpleMeterRegistry(), probe, probe::timing, !o.flag("unbounded-timers"))) {
                String ws = herald.workspaceId;
                WaitingSeed seed = new WaitingSeed(herald.db, ws, partitions);
                long t = System.nanoTime();
                seed.people(people, clock.millis() - 86_400_000L, "{\"plan\":\"pro\"}");
                double seedSeconds = (System.nanoTime() - t) / 1e9;
                LoadGenerator.log("seeded %,d people in %.1f s", people, seedSeconds);
                // Everyone is on a plan, so everyone is a member once the segment is computed over them: the broadcast
                // starts a run per person (its step queues a delivery), as it would for real. The computation is
                // Herald's own, over the seeded people, before any traffic.
                t = System.nanoTime();
                String segmentId = herald.segments.create(ws, EventCodec.mapper().readTree(
                        "{\"name\":\"Customers on a plan\",\"condition\":{\"attribute\":\"plan\",\"op\":\"exists\"}}")).id();
                herald.segments.computations().runPending();
                double computeSeconds = (System.nanoTime() - t) / 1e9;
                LoadGenerator.log("segment computed over %,d people in %.1f s", people, computeSeconds);
                // Every seeded person lives in Lisbon, whose wall clock is UTC's in winter: a local-time broadcast at
                // firstDue's UTC wall time is due for them all at firstDue.
                long lead = o.number("lead", 15 + Math.round(seedSeconds * (launch ? 2.5 : 0.5)), 1) * 1000;
                long firstDue = clock.millis() + lead + (warmup + seconds) * 1000;
                String at = Instant.ofEpochMilli(firstDue).toString();
                String campaignId = herald.campaigns.create(ws, EventCodec.mapper().readTree("""
                        {"name":"Winter sale","trigger":{"broadcast":{"segment":"%s","at":"%s","localTime":true,"perSecond":%d}},
                         "start":"m","steps":{"m":{"type":"message","channel":"push","message":{"title":"Winter sale"},"next":"x"},
                                              "x":{"type":"exit"}}}""".formatted(segmentId, at, perSecond))).id();
                herald.campaigns.activate(ws, campaignId);
                long lastDue = WaitingSeed.dueAt(people - 1, firstDue, perSecond);
                if (launch) {
                    LoadGenerator.log("activated; Herald schedules the broadcast's %,d entries in the background, due "
                            + "from %.1f s to %.1f s from now", people, (firstDue - clock.millis()) / 1e3,
                            (lastDue - clock.millis()) / 1e3);
                } else {
                    t = System.nanoTime();
                    seed.timers(0, people, firstDue, perSecond, KIND, i -> "{\"campaignId\":\"" + campaignId + "\"}",
                            clock.millis());
                    LoadGenerator.log("seeded %,d broadcast timers in %.1f s; due from %.1f s to %.1f s from now", people,
                            (System.nanoTime() - t) / 1e9, (firstDue - clock.millis()) / 1e3, (lastDue - clock.millis()) / 1e3);
                }

                herald.start(launch);
                long started = clock.millis();
                long measureFrom = started + warmup * 1000;
                long drainedAt;
                try (LiveTraffic traffic = new LiveTraffic(herald.ingest, ws, live, batch, livePeople, runId)) {
                    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
                    long lastLog = 0;
                    while (probe.timersDone.count() < people) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("only " + probe.timersDone.count() + " of " + people
                                    + " broadcast timers processed after " + timeoutSeconds + " s");
                        }
                        Thread.sleep(200);
                        if (System.nanoTime() - lastLog > 5_000_000_000L) {
                            lastLog = System.nanoTime();
                            long n = clock.millis();
                            LoadGenerator.log("  t=%6.1fs (due from t=0) live accepted %,d processed %,d · broadcast "
                                            + "fired %,d processed %,d · log lag %,d", (n - firstDue) / 1e3,
                                    traffic.accepted.get(), probe.live.count(), probe.fired.count(),
                                    probe.timersDone.count(), herald.processor.lag());
                        }
                    }
                    drainedAt = clock.millis();
                    Thread.sleep(2000); // live events received up to the drain get their commits recorded
                    report.row("live traffic offered / accepted / failed", String.format("%,d/s", live), "",
                            String.format("%,d accepted, %,d failed%s", traffic.accepted.get(), traffic.failed.get(),
                                    traffic.firstFailure.get() == null ? "" : "; first: " + traffic.firstFailure.get()));
                }
                // With a launch, the phase without the broadcast starts when its scheduling is done: the launch's own
                // effect on live traffic is a row of its own.
                long[] launchRow = !launch ? null : herald.db.read(c -> Sql.queryOne(c, "SELECT started_at, finished_at, "
                        + "scheduled FROM campaign_launches WHERE campaign_id = ?", rs -> new long[] {rs.getLong(1),
                        rs.getLong(2), rs.getLong(3)}, campaignId)).orElseThrow();
                long quietFrom = launch ? Math.max(measureFrom, Math.min(launchRow[1], firstDue)) : measureFrom;
                if (firstDue < quietFrom + 5000) {
                    LoadGenerator.log("WARNING: the phase without the broadcast lasted only %.1f s: raise --lead",
                            (firstDue - quietFrom) / 1e3);
                }
                if (quietFrom > measureFrom) {
                    long[] duringLaunch = probe.live.values(measureFrom, quietFrom);
                    report.row("live processing latency while the launch schedules (p50 / p99 / max)",
                            CampaignProbe.summary(duringLaunch), "", phase(duringLaunch.length, measureFrom, quietFrom));
                }
                long[] withoutLag = probe.live.values(quietFrom, firstDue);
                long[] withLag = probe.live.values(firstDue, lastDue + 1000);
                long[] drainLag = probe.live.values(lastDue + 1000, drainedAt);
                report.row("live processing latency WITHOUT the broadcast (p50 / p99 / max)", CampaignProbe.summary(withoutLag),
                        "baseline", phase(withoutLag.length, quietFrom, firstDue));
                report.row("live processing latency WITH the broadcast due (p50 / p99 / max)", CampaignProbe.summary(withLag),
                        "not starved " + Report.verdict(CampaignProbe.percentile(withLag, 0.99)
                                <= Math.max(1000, 3 * CampaignProbe.percentile(withoutLag, 0.99))),
                        phase(withLag.length, firstDue, lastDue + 1000));
                if (drainedAt > lastDue + 1000) {
                    report.row("live processing latency while the broadcast drains (p50 / p99 / max)",
                            CampaignProbe.summary(drainLag), "", phase(drainLag.length, lastDue + 1000, drainedAt));
                }
                long[] fireLag = probe.fired.values();
                long[] firedAt = probe.fired.instants(Long.MIN_VALUE);
                long[] doneAt = probe.timersDone.instants(Long.MIN_VALUE);
                double fireRate = CampaignBench.rate(firedAt);
                double doneRate = CampaignBench.rate(doneAt);
                long planned = lastDue - firstDue;
                long took = doneAt.length == 0 ? -1 : doneAt[doneAt.length - 1] - firstDue;
                report.row("broadcast: fired / runs started per second", Report.rate(fireRate) + " / " + Report.rate(doneRate),
                        String.format("%,d/s %s", perSecond, Report.verdict(doneRate >= perSecond * 0.95)),
                        String.format("%,d timers over %.1f s as planned; the last run started %.1f s after the first was due",
                                people, planned / 1e3, took / 1e3));
                report.row("broadcast: firing lag, appended − due (p50 / p99 / max)", CampaignProbe.summary(fireLag), "", "");
                report.row("broadcast: run started − due (p50 / p99 / max)", CampaignProbe.summary(probe.timersDone.values()),
                        "", "");
                long runs = herald.db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM campaign_runs WHERE campaign_id = ?",
                        rs -> rs.getLong(1), campaignId)).orElse(0L);
                if (launch) {
                    long[] l = launchRow;
                    report.row("launch: members scheduled (activation → last timer written)", String.format("%,d in %.1f s",
                                    l[2], (l[1] - l[0]) / 1e3), "all before due " + Report.verdict(l[2] >= people && l[1] <= firstDue),
                            String.format("Herald's own scheduling, beside the live traffic; done %.1f s before the first was due",
                                    (firstDue - l[1]) / 1e3));
                }
                report.row("runs of the broadcast campaign", String.format("%,d", runs),
                        "one per member " + Report.verdict(runs >= people), String.format(
                                "each queued its message (live people who joined the segment are members too); the segment was computed over the seeded people in %.1f s",
                                computeSeconds));
                report.row("heap after GC at the end", Memory.mib(Memory.heapAfterGc()), "", "");
                report.row("peak RSS", Memory.mib(Memory.peakRss()));
            }
            System.out.println();
            System.out.println(report.markdown());
        }
    }

    private static String phase(int events, long from, long to) {
        return String.format("%,d live events processed, received over %.1f s (%,.0f/s)", events, (to - from) / 1e3,
                events * 1000.0 / Math.max(1, to - from));
    }
}
