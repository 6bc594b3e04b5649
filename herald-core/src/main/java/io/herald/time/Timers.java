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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Timers: "wake this person at that instant". A stage schedules one inside its batch's transaction; when it is due
 * the scheduler appends a {@link Payload.TimerFired} event to the person's log, so a timer is processed in order
 * with everything else the person does.
 *
 * <p>Firing appends first and deletes second: a crash in between fires the timer again with the same messageId,
 * which the log ignores. Time comes from the injected clock, so tests move it and call {@link #fireDue()}.
 */
public final class Timers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Timers.class);
    private static final int FIRE_BATCH = 1000;

    private final Database db;
    private final EventLog eventLog;
    private final InstantSource clock;
    private volatile Thread poller;
    private volatile boolean stopping;

    public Timers(Database db, EventLog eventLog, InstantSource clock) {
        this.db = db;
        this.eventLog = eventLog;
        this.clock = clock;
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

    private record Due(String id, String workspaceId, String personId, int partition, long dueAt, String kind,
                       String payload) {
    }

    /** Fires every timer due by the clock's now; returns how many fired. */
    public int fireDue() {
        int fired = 0;
        while (true) {
            long now = clock.millis();
            List<Due> due = db.read(c -> Sql.query(c, "SELECT id, workspace_id, person_id, partition_no, due_at, kind, payload "
                            + "FROM timers WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                    rs -> new Due(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5),
                            rs.getString(6), rs.getString(7)), now, FIRE_BATCH));
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
                for (Due d : due) Sql.update(c, "DELETE FROM timers WHERE id = ?", d.id());
                return null;
            });
            fired += due.size();
            if (due.size() < FIRE_BATCH) return fired;
        }
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) EventCodec.mapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("corrupt timer payload", e);
        }
    }

    /** Polls for due timers in the background (real deployments; tests call {@link #fireDue()}). */
    public void start(long pollMillis) {
        poller = Thread.ofPlatform().name("herald-timers").daemon(true).start(() -> {
            while (!stopping) {
                try {
                    fireDue();
                } catch (RuntimeException e) {
                    log.atError().setCause(e).log("firing due timers failed; will retry");
                }
                try {
                    Thread.sleep(pollMillis); // the polling interval of the scheduler itself
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
