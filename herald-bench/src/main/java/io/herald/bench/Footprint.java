package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.log.JdbcEventLog;
import io.herald.person.IdentityStage;
import io.herald.person.ProfileStage;
import io.herald.processor.BatchGuard;
import io.herald.processor.PersonProcessor;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.workspace.Workspaces;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What people and events cost: feeds {@code --events} workload events for {@code --people} people straight into
 * {@link Ingest} (no HTTP) as fast as it takes them, waits until the person processor has processed all of them,
 * and reports the store's size per table, bytes per event and per person, and the heap after GC.
 *
 * <p>It wires the store, event log, processor and ingest exactly as {@code Herald} does (Herald does not expose its
 * {@code Ingest}); keep the two in step.
 */
final class Footprint {
    static final Set<String> FLAGS = Set.of("keep");
    static final Set<String> OPTIONS = Set.of("engine", "people", "events", "threads", "batch", "partitions",
            "pg-url", "pg-user", "pg-password", "tmp");

    private Footprint() {
    }

    static void run(Options o) throws Exception {
        int people = o.integer("people", 100_000, 1);
        long events = o.number("events", 1_000_000, 1);
        int threads = o.integer("threads", 4, 1);
        int batch = o.integer("batch", 100, 1);
        InstantSource clock = InstantSource.system();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (BenchStore store = BenchStore.create(o)) {
            int partitions = o.integer("partitions", store.defaultPartitions(), 1);
            LoadGenerator.log("footprint on %s: %,d events for %,d people, %d feeding threads, %d partition(s)",
                    store.engineName(), events, people, threads, partitions);
            Report report = new Report("Footprint on " + store.engineName() + " — " + String.format("%,d", events)
                    + " events, " + String.format("%,d", people) + " people");
            long heapBefore = Memory.heapAfterGc();
            long persons;
            try (Database db = Database.open(store.heraldConfig())) {
                String workspaceId = new Workspaces(db, clock).bootstrap(null, null, null).orElseThrow()
                        .workspace().id();
                JdbcEventLog eventLog = JdbcEventLog.open(db, store.heraldConfig(), partitions, 8192);
                BatchGuard guard = new BatchGuard();
                PersonProcessor processor = new PersonProcessor(db, eventLog,
                        List.of(new IdentityStage(eventLog, guard), new ProfileStage()), guard, clock, meters, 1000);
                processor.start();
                Ingest ingest = new Ingest(eventLog, clock, meters);
                Counter processed = meters.get("herald.processor.events").tag("result", "processed").counter();

                long start = System.nanoTime();
                long cpuStart = Cpu.now();
                long writesStart = Memory.diskWrites();
                AtomicLong fed = new AtomicLong();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> feeders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Workload workload = new Workload(people, "fp-" + t, 1000 + t);
                    feeders.add(Thread.ofPlatform().name("bench-feed-" + t).start(() -> {
                        try {
                            long claimed;
                            while ((claimed = fed.getAndAdd(batch)) < events) {
                                byte[] body = workload.nextBatch((int) Math.min(batch, events - claimed));
                                JsonNode node = EventCodec.mapper().readTree(body);
                                ingest.accept(workspaceId, CallKind.BATCH, node, body.length);
                            }
                        } catch (Exception | Error e) {
                            failure.compareAndSet(null, e);
                        }
                    }));
                }
                Progress progress = new Progress(start, events, fed, processed, failure);
                for (Thread f : feeders) {
                    while (f.isAlive()) {
                        f.join(1000);
                        progress.check();
                    }
                }
                progress.check();
                double ingestSeconds = (System.nanoTime() - start) / 1e9;
                LoadGenerator.log("ingested %,d events in %.1fs; waiting for processing", events, ingestSeconds);
                while (processed.count() < events) {
                    Thread.sleep(200);
                    progress.check();
                }
                long heapMidway = progress.heapMidway;
                double processSeconds = (System.nanoTime() - start) / 1e9;
                long cpu = Cpu.now() - cpuStart;
                long written = Memory.diskWrites() - writesStart;
                long heapAfter = Memory.heapAfterGc();
                persons = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM persons", rs -> rs.getLong(1))).orElse(0L);
                eventLog.close();
                processor.close();
                eventLog.closeStore();

                report.row("ingested in-process (no HTTP), " + threads + " threads", Report.rate(events / ingestSeconds),
                        "", String.format("%.1f s", ingestSeconds));
                report.row("processed, start → all processed", Report.rate(events / processSeconds), "",
                        String.format("%.1f s; ingest + processing: %s", processSeconds,
                                Cpu.perEvent(cpu, events, "event")));
                report.row("heap used after GC: before / midway / after", Memory.mib(heapBefore) + " / "
                        + Memory.mib(heapMidway) + " / " + Memory.mib(heapAfter), "bounded",
                        "midway = when half the events were processed");
                report.row("peak RSS", Memory.mib(Memory.peakRss()));
                report.row("written to disk by this process", Memory.mib(written), "", String.format("%,.0f bytes/event; "
                        + "PostgreSQL writes in its own processes", (double) written / events));
            }
            long total = store.heraldBytes();
            Map<String, Long> tables = store.tableBytes();
            long eventBytes = tables.getOrDefault("event_log", 0L) + tables.getOrDefault("person_events", 0L);
            long personBytes = tables.getOrDefault("persons", 0L) + tables.getOrDefault("identities", 0L);
            report.row("store on disk", Memory.mib(total), "", String.format("%,.0f bytes per event overall",
                    (double) total / events));
            for (Map.Entry<String, Long> t : tables.entrySet()) {
                if (t.getValue() >= 1 << 20) report.row("  table " + t.getKey() + " (with indexes)", Memory.mib(t.getValue()));
            }
            if (!tables.isEmpty()) {
                report.row("per event: event_log + person_events", String.format("%,.0f bytes", (double) eventBytes / events));
                report.row("per person: persons + identities", String.format("%,.0f bytes", (double) personBytes / persons),
                        "", String.format("%,d persons", persons));
                long eventsAt10M = (long) (eventBytes * (10_000_000.0 / events));
                long peopleAt1M = (long) (personBytes * (1_000_000.0 / Math.max(1, persons)));
                boolean measured = events == 10_000_000 && persons >= 900_000;
                report.row("10M events + 1M people on disk", Memory.mib(eventsAt10M + peopleAt1M), "",
                        (measured ? "measured" : "EXTRAPOLATED linearly from this run") + ": events "
                                + Memory.mib(eventsAt10M) + ", people " + Memory.mib(peopleAt1M));
            }
            System.out.println();
            System.out.println(report.markdown());
        }
    }

    /** Prints progress every 10 s, takes the midway heap figure, and stops the run when feeding or processing fails. */
    private static final class Progress {
        private static final long STALL_NANOS = 300_000_000_000L;
        final long start;
        final long events;
        final AtomicLong fed;
        final Counter processed;
        final AtomicReference<Throwable> failure;
        long heapMidway = -1;
        long lastReport;
        long lastProcessed = -1;
        long lastMove;

        Progress(long start, long events, AtomicLong fed, Counter processed, AtomicReference<Throwable> failure) {
            this.start = start;
            this.events = events;
            this.fed = fed;
            this.processed = processed;
            this.failure = failure;
            this.lastReport = start;
            this.lastMove = start;
        }

        void check() {
            if (failure.get() != null) throw new IllegalStateException("feeding the ingest path failed", failure.get());
            long now = System.nanoTime();
            long done = (long) processed.count();
            if (done != lastProcessed) {
                lastProcessed = done;
                lastMove = now;
            } else if (now - lastMove > STALL_NANOS) {
                throw new IllegalStateException("processing made no progress for 5 minutes at " + done + " events");
            }
            if (heapMidway < 0 && done >= events / 2) heapMidway = Memory.heapAfterGc();
            if (now - lastReport < 10_000_000_000L) return;
            lastReport = now;
            LoadGenerator.log("  t=%5.0fs fed %,d processed %,d heap %s rss %s", (now - start) / 1e9,
                    Math.min(fed.get(), events), done, Memory.mib(Runtime.getRuntime().totalMemory()
                            - Runtime.getRuntime().freeMemory()), Memory.mib(Memory.rss()));
        }
    }
}
