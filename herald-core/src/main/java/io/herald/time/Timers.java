package io.herald.time;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.log.EventLog;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Timers: "wake this person at that instant". A stage schedules one inside its batch's transaction; when it is due
 * the scheduler appends a {@link Payload.TimerFired} event to the person's log, so a timer is processed in order
 * with everything else the person does.
 *
 * <p>Firing appends first and deletes second: a crash in between fires the timer again with the same messageId,
 * which the log ignores. Time comes from the injected clock, so tests move it and call {@link #fireDue()}.
 *
 * <p>Design: rounds of up to {@value #FIRE_BATCH}. On SQLite the delete of a round waits for the write lock, which
 * the processor holds for a whole batch, so the poller gets about one round per processor batch: rounds must be
 * larger than the processor's batches, or timers due at 10,000/s would fire slower than they come due. And firing
 * may not run far ahead of processing: a timer is processed in log order with everyone else's events, so a
 * broadcast coming due faster than the processor goes would queue every live event behind a growing pile of its
 * timers. With a backlog bound, a round fires only while fewer than {@value #MAX_BACKLOG} events wait in the log;
 * the rest stay due in the table and go as soon as the processor has room: the broadcast is then late, not live
 * traffic, which waits behind at most that many events (half a second at 10,000 events/s). The bound is twice a
 * round, so while timers are due the processor has work left when the next poll comes.
 */
public final class Timers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Timers.class);
    static final int FIRE_BATCH = 2500;
    /** Events waiting in the log from which the poller holds due timers back (when given the log's backlog). */
    public static final long MAX_BACKLOG = 5_000;
    /** How often a running Herald looks for due timers. */
    public static final long POLL_MILLIS = 100;
    /** How soon the poller looks again when the backlog bound held due timers back. */
    private static final long HELD_BACK_MILLIS = 20;

    private final Database db;
    private final EventLog eventLog;
    private final InstantSource clock;
    private final LongUnaryOperator backlog;
    /** The backlog the last round of {@link #fireDue} counted, -1 when it did not count (nothing was due). */
    private volatile long lastBacklog = -1;
    private final long maxBacklog;
    private volatile Thread poller;
    private volatile boolean stopping;

    /** Timers that fire everything due, whatever waits in the log (tests that step through processing). */
    public Timers(Database db, EventLog eventLog, InstantSource clock) {
        this(db, eventLog, clock, null, 0);
    }

    /**
     * @param backlog events appended to the log and not yet processed (the processor's lag), counted up to the bound
     *                it is given; while it is at {@link #MAX_BACKLOG} or more, due timers wait (see the class comment)
     */
    public Timers(Database db, EventLog eventLog, InstantSource clock, LongUnaryOperator backlog) {
        this(db, eventLog, clock, backlog, MAX_BACKLOG);
    }

    /** As {@link #Timers(Database, EventLog, InstantSource, LongUnaryOperator)}, with a bound of the caller's (tests). */
    public Timers(Database db, EventLog eventLog, InstantSource clock, LongUnaryOperator backlog, long maxBacklog) {
        if (backlog != null && maxBacklog < 1) throw new IllegalArgumentException("maxBacklog must be at least 1, was " + maxBacklog);
        this.db = db;
        this.eventLog = eventLog;
        this.clock = clock;
        this.backlog = backlog;
        this.maxBacklog = maxBacklog;
    }

    /** Schedules a timer within the caller's transaction and returns its id. */
    public static String schedule(Connection c, String workspaceId, String personId, int partition, long dueAt,
                                  String kind, ObjectNode data, long now) throws SQLException {
        String id = UuidCreator.getTimeOrderedEpoch().toString();
        Sql.update(c, "INSERT INTO timers (id, workspace_id, person_id, partition_no, due_at, kind, payload, created_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", id, workspaceId, personId, partition, dueAt, kind,
                data == null ? "{}" : data.toString(), now);
        return id;
    }

    /**
     * Timers scheduled and cancelled in bulk within the caller's transaction: one batched statement each instead of
     * a statement per timer (a batch of segment changes schedules hundreds). Written by {@link #execute()}.
     */
    public static final class Writes implements AutoCloseable {
        private final PreparedStatement inserts;
        private final PreparedStatement deletes;
        private int inserted;
        private int deleted;

        public Writes(Connection c) throws SQLException {
            this.inserts = c.prepareStatement("INSERT INTO timers (id, workspace_id, person_id, partition_no, due_at, kind, "
                    + "payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            this.deletes = c.prepareStatement("DELETE FROM timers WHERE id = ?");
        }

        /** As {@link Timers#schedule}: returns the id of the timer, written at {@link #execute()}. */
        public String schedule(String workspaceId, String personId, int partition, long dueAt, String kind,
                               ObjectNode data, long now) throws SQLException {
            String id = UuidCreator.getTimeOrderedEpoch().toString();
            Sql.bind(inserts, id, workspaceId, personId, partition, dueAt, kind, data == null ? "{}" : data.toString(), now);
            inserts.addBatch();
            inserted++;
            return id;
        }

        /** As {@link Timers#cancel}, without saying whether the timer was still there. */
        public void cancel(String timerId) throws SQLException {
            Sql.bind(deletes, timerId);
            deletes.addBatch();
            deleted++;
        }

        public void execute() throws SQLException {
            if (deleted > 0) deletes.executeBatch();
            if (inserted > 0) inserts.executeBatch();
            deleted = 0;
            inserted = 0;
        }

        @Override
        public void close() throws SQLException {
            try (inserts; deletes) {
                // closes both
            }
        }
    }

    /** Cancels a timer within the caller's transaction; true if it had not fired yet. */
    public static boolean cancel(Connection c, String timerId) throws SQLException {
        return Sql.update(c, "DELETE FROM timers WHERE id = ?", timerId) > 0;
    }

    /**
     * When the next timer is due (epoch ms), whatever the clock says; empty when none is scheduled. What a
     * time-skipping run (the simulator, tests) jumps the clock to, instead of stepping through time.
     */
    public OptionalLong nextDue() {
        return db.read(c -> Sql.queryOne(c, "SELECT MIN(due_at) FROM timers", rs -> {
            long due = rs.getLong(1);
            return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(due);
        })).orElse(OptionalLong.empty());
    }

    private record Due(String id, String workspaceId, String personId, int partition, long dueAt, String kind,
                       String payload) {
    }

    /**
     * Fires the timers due by the clock's now (all of them, or as many as the log's backlog leaves room for); returns
     * how many fired.
     */
    public int fireDue() {
        int fired = 0;
        lastBacklog = -1;
        while (true) {
            long now = clock.millis();
            int limit = room(now);
            if (limit == 0) return fired;
            List<Due> due = db.read(c -> Sql.query(c, "SELECT id, workspace_id, person_id, partition_no, due_at, kind, payload "
                            + "FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                    rs -> new Due(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                            rs.getString(6), rs.getString(7)), now, limit));
            if (due.isEmpty()) return fired;
            List<Event> events = due.stream().map(d -> new Event(d.workspaceId(), d.partition(), -1, "timer:" + d.id(), null, null,
                    d.dueAt(), now, null, new Payload.TimerFired(d.personId(), d.id(), d.kind(), parse(d.payload()))))
                    .toList();
            try {
                eventLog.append(events).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("could not append due timers to the log", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fired;
            }
            db.inTransaction(c -> {
                List<String> ids = due.stream().map(Due::id).toList();
                for (List<String> chunk : Sql.chunks(ids)) {
                    Sql.update(c, "DELETE FROM timers WHERE id IN (" + Sql.placeholders(chunk.size()) + ")", chunk.toArray());
                }
                return null;
            });
            fired += due.size();
            if (due.size() < limit) return fired;
        }
    }

    /**
     * How many due timers may fire now: a round's worth without a backlog bound, else what the bound leaves. The
     * backlog is counted only when something is due (under a large backlog counting costs more than looking at the
     * first entry of the due index, and most polls find nothing due), and only up to twice the bound, which the
     * poller's next wait depends on.
     */
    private int room(long now) {
        if (backlog == null) return FIRE_BATCH;
        if (!anyDue(now)) return 0;
        long waiting = backlog.applyAsLong(2 * maxBacklog);
        lastBacklog = waiting;
        return (int) Math.max(0, Math.min(FIRE_BATCH, maxBacklog - waiting));
    }

    private boolean anyDue(long now) {
        return db.read(c -> Sql.queryOne(c, "SELECT 1 FROM timers WHERE due_at <= ? LIMIT 1", rs -> true, now))
                .isPresent();
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) EventCodec.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("corrupt timer payload", e);
        }
    }

    /**
     * Polls for due timers in the background (real deployments; tests call {@link #fireDue()}). A timer fires up to
     * one interval after it is due, plus the round's own time and any wait the backlog bound imposes; the interval
     * is the part the poller controls, so it is short ({@link #POLL_MILLIS}): a look at an index that finds nothing
     * due costs next to nothing.
     */
    public void start(long pollMillis) {
        poller = Thread.ofPlatform().name("herald-timers").daemon(true).start(() -> {
            while (!stopping) {
                long wait = pollMillis;
                try {
                    fireDue();
                    // Held back by the bound with the processor about to make room: look again soon, or the due
                    // timers waiting for that room would be a whole interval late each time the bound is reached.
                    long waiting = lastBacklog;
                    if (waiting >= maxBacklog && waiting < 2 * maxBacklog) wait = Math.min(pollMillis, HELD_BACK_MILLIS);
                } catch (RuntimeException e) {
                    log.atError().setCause(e).log("firing due timers failed; will retry");
                }
                try {
                    Thread.sleep(wait); // the polling interval of the scheduler itself
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @Override
    public void close() {
        stopping = true;
        Thread t = poller;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
