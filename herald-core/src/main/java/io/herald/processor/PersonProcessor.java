package io.herald.processor;

import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.log.EventLog;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the event log, one thread per partition, running each event through the pipeline of stages.
 *
 * <p>Design: a consumer reads a batch of its partition's events and processes them in one transaction, which also
 * records the partition's new position. The effects of a batch and the position that says "done" commit together,
 * so a crash at any point replays exactly the events whose effects were lost: no event is skipped or applied twice.
 * A person's events live in one partition, so they are processed one at a time in log order; partitions run in
 * parallel. If a batch fails, its events are retried one at a time; one that still fails while the database is
 * healthy is put aside in {@code dead_letters} rather than stopping everyone behind it.
 */
public final class PersonProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PersonProcessor.class);
    private static final int MAX_ATTEMPTS = 3;

    private final Database db;
    private final EventLog eventLog;
    private final List<Stage> stages;
    private final InstantSource clock;
    private final int batchSize;
    private final AtomicLongArray positions;
    private final Counter processed;
    private final Counter dropped;
    private final Counter errors;
    private final Timer latency;
    private final List<Thread> consumers = new ArrayList<>();
    private final BatchGuard guard;
    private volatile boolean stopping;

    /** @param guard shared with whatever changes people outside the pipeline (see {@link BatchGuard}) */
    public PersonProcessor(Database db, EventLog eventLog, List<Stage> stages, BatchGuard guard, InstantSource clock,
                           MeterRegistry meters, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        this.db = db;
        this.guard = guard;
        this.eventLog = eventLog;
        this.stages = List.copyOf(stages);
        this.clock = clock;
        this.batchSize = batchSize;
        this.positions = new AtomicLongArray(eventLog.partitions());
        for (int p = 0; p < eventLog.partitions(); p++) positions.set(p, loadCheckpoint(p));
        this.processed = Counter.builder("herald.processor.events").tag("result", "processed")
                .description("Events run through the pipeline").register(meters);
        this.dropped = Counter.builder("herald.processor.events").tag("result", "dropped")
                .description("Events dropped by a stage (e.g. an erased person)").register(meters);
        this.errors = Counter.builder("herald.processor.errors")
                .description("Events that failed processing and were put aside in dead_letters").register(meters);
        this.latency = Timer.builder("herald.processor.latency")
                .description("From receipt of an event to the commit of its processing")
                .publishPercentiles(0.5, 0.99).register(meters);
        Gauge.builder("herald.log.lag", this, PersonProcessor::lag)
                .description("Events in the log not yet processed").register(meters);
    }

    /** Starts one consumer thread per partition. */
    public void start() {
        for (int p = 0; p < eventLog.partitions(); p++) {
            int partition = p;
            consumers.add(Thread.ofPlatform().name("herald-processor-" + p).start(() -> consume(partition)));
        }
    }

    private void consume(int partition) {
        while (true) {
            try {
                long version = eventLog.appendVersion();
                List<Event> events = eventLog.read(partition, positions.get(partition), batchSize);
                if (events.isEmpty()) {
                    if (stopping) return;
                    eventLog.awaitAppend(version, 200);
                    continue;
                }
                processBatch(partition, events);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.atError().setCause(e).addKeyValue("partition", partition).log("processor failed; retrying");
                if (!pause(1000)) return;
            }
        }
    }

    /**
     * Processes everything currently in the log, on the calling thread, and returns how many events it processed.
     * Tests and the simulator use it to run the pipeline deterministically without background threads.
     */
    public int drain() {
        int total = 0;
        for (int p = 0; p < eventLog.partitions(); p++) {
            List<Event> events;
            while (!(events = eventLog.read(p, positions.get(p), batchSize)).isEmpty()) {
                processBatch(p, events);
                total += events.size();
            }
        }
        return total;
    }

    private void processBatch(int partition, List<Event> events) {
        long last = events.get(events.size() - 1).position();
        try {
            guard.batch(() -> {
                Batch batch = new Batch(null, clock.millis(), stages, partition);
                db.read(c -> {
                    batch.use(c);
                    for (Stage stage : stages) stage.prefetch(batch, events);
                    return null;
                });
                db.inTransaction(c -> {
                    batch.use(c);
                    for (Event e : events) run(batch, e);
                    batch.flush();
                    saveCheckpoint(c, partition, last);
                    return null;
                });
                afterCommit(batch);
                return null;
            });
            positions.set(partition, last);
            recordProcessed(events);
        } catch (RuntimeException batchFailure) {
            log.atWarn().setCause(batchFailure).addKeyValue("partition", partition)
                    .addKeyValue("events", events.size()).log("batch failed; retrying its events one at a time");
            for (Event e : events) processAlone(partition, e);
        }
    }

    private void processAlone(int partition, Event e) {
        for (int attempt = 1; ; attempt++) {
            try {
                guard.batch(() -> {
                    Batch batch = new Batch(null, clock.millis(), stages, partition);
                    db.inTransaction(c -> {
                        batch.use(c);
                        run(batch, e);
                        batch.flush();
                        saveCheckpoint(c, partition, e.position());
                        return null;
                    });
                    afterCommit(batch);
                    return null;
                });
                positions.set(partition, e.position());
                recordProcessed(List.of(e));
                return;
            } catch (RuntimeException failure) {
                if (!db.isReachable()) { // the store is down: wait for it; putting events aside would lose them
                    log.atError().setCause(failure).log("database unreachable; processing waits for it");
                    if (!pause(2000)) throw failure;
                    attempt = 0;
                } else if (attempt >= MAX_ATTEMPTS) {
                    deadLetter(partition, e, failure);
                    return;
                }
            }
        }
    }

    /**
     * Tells the batch's helpers it committed. Never throws: the batch is durable, and an exception here would have it
     * processed a second time.
     */
    private void afterCommit(Batch batch) {
        try {
            batch.committed();
        } catch (RuntimeException e) {
            log.atError().setCause(e).log("a step after a batch's commit failed; the batch stays processed");
        }
    }

    private void run(Batch batch, Event e) throws SQLException {
        EventContext ctx = new EventContext(e);
        for (Stage stage : stages) {
            stage.handle(batch, ctx);
            if (ctx.dropped()) {
                dropped.increment();
                log.atDebug().addKeyValue("messageId", e.messageId()).addKeyValue("reason", ctx.dropReason())
                        .log("event dropped");
                return;
            }
        }
    }

    private void deadLetter(int partition, Event e, RuntimeException failure) {
        errors.increment();
        log.atError().setCause(failure).addKeyValue("messageId", e.messageId()).addKeyValue("partition", partition)
                .log("event could not be processed; kept in dead_letters");
        try {
            db.inTransaction(c -> {
                Sql.update(c, "INSERT INTO dead_letters (workspace_id, message_id, payload, error, failed_at) "
                                + "VALUES (?, ?, ?, ?, ?)", e.workspaceId(), e.messageId(), EventCodec.encode(e),
                        // Error texts can quote the bad input; PostgreSQL TEXT cannot hold U+0000.
                        String.valueOf(failure).replace('\u0000', '?'), clock.millis());
                saveCheckpoint(c, partition, e.position());
                return null;
            });
        } catch (RuntimeException cannotKeep) {
            // Even the dead letter could not be written. Stalling the partition would stop every person behind
            // this event, so move on; the event stays in the log and its full text is in this error log line.
            log.atError().setCause(cannotKeep).addKeyValue("messageId", e.messageId())
                    .addKeyValue("event", EventCodec.encode(e)).log("dead letter not stored; event skipped");
            db.inTransaction(c -> {
                saveCheckpoint(c, partition, e.position());
                return null;
            });
        }
        positions.set(partition, e.position());
    }

    private void recordProcessed(List<Event> events) {
        long now = clock.millis();
        processed.increment(events.size());
        for (Event e : events) latency.record(Duration.ofMillis(Math.max(0, now - e.receivedAt())));
    }

    private long loadCheckpoint(int partition) {
        return db.read(c -> Sql.queryOne(c, "SELECT position FROM processor_checkpoints WHERE partition_no = ?",
                rs -> rs.getLong(1), partition)).orElse(0L);
    }

    private static void saveCheckpoint(Connection c, int partition, long position) throws SQLException {
        Sql.update(c, "INSERT INTO processor_checkpoints (partition_no, position) VALUES (?, ?) "
                + "ON CONFLICT (partition_no) DO UPDATE SET position = excluded.position", partition, position);
    }

    /** Events appended but not yet processed, over all partitions (each counted as far as the log counts). */
    public long lag() {
        return lag(Long.MAX_VALUE);
    }

    /** As {@link #lag()}, counting at most {@code atMost} (whether the lag reached a bound, cheaply). */
    public long lag(long atMost) {
        long lag = 0;
        for (int p = 0; p < positions.length() && lag < atMost; p++) {
            lag += eventLog.countAfter(p, positions.get(p), atMost - lag);
        }
        return lag;
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis); // back-off before retrying a failing store, not a wait for time-based behavior
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Graceful stop: each consumer finishes what is in its partition of the log, then exits. */
    @Override
    public void close() {
        stopping = true;
        for (Thread t : consumers) {
            try {
                t.join(30_000);
                if (t.isAlive()) t.interrupt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
