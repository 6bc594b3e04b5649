package io.herald.bench;

import io.herald.event.EventCodec;
import io.herald.store.Sql;
import io.herald.time.Timers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * People waiting in a delay, and their timers coming due: {@code --people} people (default 1,000,000) each with a run
 * of one campaign waiting in a delay step, their timers due {@code --rate} a second (default 10,000, so 1M come due
 * over 100 s). Targets (issue 4): memory stated; timers fire within 1 s of their due time at 10,000 firings/s.
 *
 * <p>How: Herald's engine ({@link CampaignPipeline}: processor, timer poller every 250 ms, segment computations) on a
 * fresh store; the people, runs (with their path) and timers are seeded with batched SQL through Herald's store
 * ({@link WaitingSeed}), the timers last, the first due {@code --lead} seconds after seeding ends (default: enough
 * to start). Nothing is moved artificially: the timers come due on the wall clock, and the real poller fires them
 * into the log; each wakes its run, which sends a message and ends. Measured: firing lag (appended to the log − due),
 * the lag until the run's batch committed, the achieved firing and processing rates, heap after GC without and with
 * the waiting people, and the store's size for them.
 *
 * <p>Baseline, same run, before Herald starts: {@code Timers.fireDue} alone (without the backlog bound) draining
 * {@code --baseline} timers that are already due (a kind no stage handles) with no processor running: the firing
 * path's ceiling. Then {@code --warmup} more people's runs (default 20,000) are woken at once, to warm the JIT up,
 * before the measured timers are seeded.
 *
 * <p>Run: {@code java -Xmx2g -jar herald-bench/target/herald-bench.jar timers --engine sqlite --people 1000000
 * --rate 10000}.
 */
final class TimersBench {
    static final Set<String> FLAGS = Set.of("keep", "unbounded-timers");
    static final Set<String> OPTIONS = Set.of("engine", "people", "rate", "lead", "baseline", "warmup", "partitions",
            "pg-url", "pg-user", "pg-password", "tmp", "timeout");
    static final String KIND = "campaign.step";
    private static final String CAMPAIGN = """
            {"name":"Welcome tip after a day","trigger":{"event":"signed_up"},"start":"wait",
             "steps":{"wait":{"type":"delay","duration":"P1D","next":"tip"},
                      "tip":{"type":"message","channel":"in_app","message":{"format":"modal","steps":[{"blocks":[{"type":"text","text":"A tip for your first day"}]}]},"next":"done"},
                      "done":{"type":"exit"}}}""";

    private TimersBench() {
    }

    static void run(Options o) throws Exception {
        int people = o.integer("people", 1_000_000, 1);
        int rate = o.integer("rate", 10_000, 1);
        int baseline = o.integer("baseline", 20_000, 0);
        int warm = o.integer("warmup", 20_000, 0);
        long timeoutSeconds = o.number("timeout", 1800, 10);
        InstantSource clock = InstantSource.system();
        try (BenchStore store = BenchStore.create(o)) {
            int partitions = o.integer("partitions", store.defaultPartitions(), 1);
            LoadGenerator.log("timers on %s: %,d people waiting in a delay (+%,d to warm up), due %,d/s; %d partition(s); "
                            + "JVM %s, %d CPUs, max heap %s", store.engineName(), people, warm, rate, partitions,
                    Runtime.version(), Runtime.getRuntime().availableProcessors(),
                    Memory.mib(Runtime.getRuntime().maxMemory()));
            Report report = new Report("Timers on " + store.engineName() + " — " + String.format("%,d", people)
                    + " people waiting in a delay, due " + String.format("%,d", rate) + "/s");
            CampaignProbe probe = new CampaignProbe(KIND, clock);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (CampaignPipeline herald = new CampaignPipeline(store.heraldConfig(), partitions, clock, meters, probe,
                    probe::timing, !o.flag("unbounded-timers"))) {
                String campaignId = herald.campaigns.create(herald.workspaceId, EventCodec.mapper().readTree(CAMPAIGN)).id();
                herald.campaigns.activate(herald.workspaceId, campaignId);
                long heapEmpty = Memory.heapAfterGc();

                // People 0…people-1 are measured; people…people+warm-1 wake first, to warm the JIT up.
                WaitingSeed seed = new WaitingSeed(herald.db, herald.workspaceId, partitions);
                long t = System.nanoTime();
                long now = clock.millis();
                seed.people(people + warm, now - 86_400_000L);
                seed.waitingRuns(people + warm, campaignId, "wait", now - 3_600_000L);
                double seedSeconds = (System.nanoTime() - t) / 1e9;
                LoadGenerator.log("seeded %,d people with waiting runs in %.1f s", people + warm, seedSeconds);

                double baselineRate = Double.NaN;
                String baselineCpu = "";
                if (baseline > 0) {
                    // Timers that fire everything due at once, into the same log; twice: the first round warms the JIT.
                    Timers alone = new Timers(herald.db, herald.eventLog, clock);
                    int b = Math.min(baseline, people);
                    for (int round = 0; round < 2; round++) {
                        seed.timers(0, b, i -> UUID.randomUUID().toString(), clock.millis() - 60_000, 1_000_000,
                                "bench.baseline", i -> "{}", clock.millis());
                        t = System.nanoTime();
                        long cpu = Cpu.now();
                        int fired = alone.fireDue();
                        baselineCpu = Cpu.perEvent(Cpu.now() - cpu, fired, "timer");
                        baselineRate = fired / ((System.nanoTime() - t) / 1e9);
                    }
                    LoadGenerator.log("baseline: fireDue alone fired %,d due timers at %,.0f/s (%s)", b, baselineRate,
                            baselineCpu);
                }

                // Herald starts over the waiting people: it processes the baseline's timers (no stage acts on their
                // kind), then wakes the warm-up people.
                herald.start();
                if (warm > 0) {
                    seed.timers(people, people + warm, clock.millis(), rate, KIND, i -> payload(seed, i), clock.millis());
                    while (probe.timersDone.count() < warm) Thread.sleep(100);
                    LoadGenerator.log("warm-up: %,d runs woken", warm);
                }
                while (herald.processor.lag() > 0) Thread.sleep(100);
                long heapWaiting = Memory.heapAfterGc();

                long lead = o.number("lead", 20 + Math.round(seedSeconds * 0.4), 1) * 1000;
                t = System.nanoTime();
                long firstDue = clock.millis() + lead;
                seed.timers(0, people, firstDue, rate, KIND, i -> payload(seed, i), clock.millis());
                long lastDue = WaitingSeed.dueAt(people - 1, firstDue, rate);
                long seededBefore = firstDue - clock.millis();
                LoadGenerator.log("seeded %,d timers in %.1f s, due from %.1f s to %.1f s from now", people,
                        (System.nanoTime() - t) / 1e9, seededBefore / 1e3, (lastDue - clock.millis()) / 1e3);
                if (seededBefore <= 0) {
                    LoadGenerator.log("WARNING: the timers were seeded %.1f s after the first was due: raise --lead",
                            -seededBefore / 1e3);
                }
                long storeBytes = store.heraldBytes();
                Map<String, Long> tables = store.tableBytes();

                while (clock.millis() < firstDue) Thread.sleep(10);
                long cpuFrom = Cpu.now();
                ThreadCpu threadsFrom = ThreadCpu.snapshot();
                long wallFrom = System.nanoTime();
                long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
                long lastLog = 0;
                while (probe.timersDone.count(firstDue) < people) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + probe.timersDone.count(firstDue) + " of " + people
                                + " timers processed after " + timeoutSeconds + " s");
                    }
                    Thread.sleep(200);
                    if (System.nanoTime() - lastLog > 5_000_000_000L) {
                        lastLog = System.nanoTime();
                        long n = clock.millis();
                        long due = Math.min(people, (n - firstDue) * rate / 1000 + 1);
                        LoadGenerator.log("  t=%6.1fs due %,d fired %,d processed %,d log lag %,d heap %s", (n - firstDue) / 1e3,
                                due, probe.fired.count(firstDue), probe.timersDone.count(firstDue), herald.processor.lag(),
                                Memory.mib(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()));
                    }
                }
                long cpuUsed = Cpu.now() - cpuFrom;
                String threads = ThreadCpu.snapshot().since(threadsFrom, (System.nanoTime() - wallFrom) / 1e9);
                long heapAfter = Memory.heapAfterGc();
                long completed = herald.db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM campaign_runs WHERE "
                        + "campaign_id = ? AND status = 'completed'", rs -> rs.getLong(1), campaignId)).orElse(0L);
                long deliveries = herald.db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?",
                        rs -> rs.getLong(1), campaignId)).orElse(0L);

                long[] fireLag = probe.fired.values(firstDue, Long.MAX_VALUE);
                long[] doneLag = probe.timersDone.values(firstDue, Long.MAX_VALUE);
                long[] firedAt = probe.fired.instants(firstDue);
                long[] doneAt = probe.timersDone.instants(firstDue);
                long withinSecond = java.util.Arrays.stream(fireLag).filter(l -> l <= 1000).count();
                double firingRate = CampaignBench.rate(firedAt);
                double processingRate = CampaignBench.rate(doneAt);
                report.row("timers fired: lag appended to the log − due (p50 / p99 / max)", CampaignProbe.summary(fireLag),
                        "within 1 s " + Report.verdict(CampaignProbe.percentile(fireLag, 1.0) <= 1000),
                        String.format("%,d fired; %.2f%% within 1 s; the poller looks every %d ms", fireLag.length,
                                100.0 * withinSecond / Math.max(1, fireLag.length), CampaignPipeline.TIMER_POLL_MILLIS));
                report.row("firing rate achieved (first → last firing)", Report.rate(firingRate), String.format("%,d/s "
                        + "offered %s", rate, Report.verdict(firingRate >= rate * 0.95)), String.format("%.1f s for "
                        + "timers due over %.1f s", (firedAt[firedAt.length - 1] - firedAt[0]) / 1e3,
                        (lastDue - firstDue) / 1e3));
                report.row("run woken and its batch committed − due (p50 / p99 / max)", CampaignProbe.summary(doneLag), "",
                        String.format("%,d runs completed (with the warm-up's), %,d deliveries queued", completed,
                                deliveries));
                report.row("processing rate of the woken runs (first → last commit)", Report.rate(processingRate),
                        processingRate >= rate * 0.95 ? "keeps up" : "falls behind", String.format("%.1f s",
                                (doneAt[doneAt.length - 1] - doneAt[0]) / 1e3));
                report.row("CPU per timer, first due → last processed (firing + processing)",
                        Cpu.perEvent(cpuUsed, people, "timer"), "", threads);
                if (!Double.isNaN(baselineRate)) {
                    report.row("baseline: Timers.fireDue alone, timers already due, no processor", Report.rate(baselineRate),
                            "", String.format("%,d timers, same store, before Herald started; %s",
                                    Math.min(baseline, people), baselineCpu));
                }
                report.row("heap after GC: engine on an empty store / running over the waiting people / after all fired",
                        Memory.mib(heapEmpty) + " / " + Memory.mib(heapWaiting) + " / " + Memory.mib(heapAfter),
                        "not in memory", "waiting runs live in the store; 'after' includes the benchmark's own samples "
                                + "(2 × 16 B per timer)");
                report.row("timers all seeded before the first was due", String.format("%.1f s", seededBefore / 1e3),
                        seededBefore > 0 ? "" : "TOO LATE: raise --lead", "");
                CampaignBench.storeRows(report, store, storeBytes, tables, people + warm);
                report.row("peak RSS", Memory.mib(Memory.peakRss()));
            }
            System.out.println();
            System.out.println(report.markdown());
        }
    }

    private static String payload(WaitingSeed seed, int i) {
        return "{\"runId\":\"" + seed.runId(i) + "\",\"step\":\"wait\",\"purpose\":\"delay\"}";
    }
}
