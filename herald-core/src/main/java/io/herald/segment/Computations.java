package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.Event;
import io.herald.log.EventLog;
import io.herald.processor.BatchGuard;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes new and edited segments over the people who existed before them, in the background, while events keep
 * being accepted and processed.
 *
 * <p>Design: people are taken in id order, a chunk at a time. A chunk is computed with no processor batch in flight
 * (the processor waits for one chunk, a few milliseconds, then goes on), so a person is either computed here — their
 * tallies rebuilt from their whole history, their membership recorded, their state stamped with the workspace's
 * generation — or by the processor from events after that: never both, never neither. Until a person is reached,
 * the processor leaves the new segments alone for them. The initial membership is recorded without
 * {@code segment.entered} events: a new segment must not fire journeys at everyone already in it.
 */
public final class Computations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Computations.class);
    static final String COMPUTING = "computing";
    static final String READY = "ready";
    private static final int CHUNK = 1000;

    private final Database db;
    private final SegmentIndexes indexes;
    private final BatchGuard guard;
    private final EventLog eventLog;
    private final InstantSource clock;
    private final Set<String> pending = new LinkedHashSet<>();
    private Thread worker;
    private volatile boolean stopping;

    Computations(Database db, SegmentIndexes indexes, BatchGuard guard, EventLog eventLog, InstantSource clock) {
        this.db = db;
        this.indexes = indexes;
        this.guard = guard;
        this.eventLog = eventLog;
        this.clock = clock;
    }

    /** Asks for a workspace's segments to be computed for everyone not yet computed. */
    public void request(String workspaceId) {
        synchronized (pending) {
            pending.add(workspaceId);
            pending.notifyAll();
        }
    }

    /** Starts the background worker, resuming computations a restart interrupted. */
    public void start() {
        for (String ws : db.read(c -> Sql.query(c, "SELECT DISTINCT workspace_id FROM segments WHERE status = ?",
                rs -> rs.getString(1), COMPUTING))) {
            request(ws);
        }
        worker = Thread.ofPlatform().name("herald-segments").daemon(true).start(() -> {
            while (!stopping) {
                String ws;
                synchronized (pending) {
                    while (pending.isEmpty() && !stopping) {
                        try {
                            pending.wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (stopping) return;
                    ws = pending.iterator().next();
                    pending.remove(ws);
                }
                try {
                    compute(ws);
                } catch (RuntimeException e) {
                    log.atError().setCause(e).addKeyValue("workspace", ws).log("segment computation failed; will retry");
                    request(ws);
                    try {
                        Thread.sleep(1000); // back off before retrying a failing store
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        });
    }

    /** Runs every requested computation now, on the caller's thread (tests, the CLI). */
    public void runPending() {
        while (true) {
            String ws;
            synchronized (pending) {
                if (pending.isEmpty()) return;
                ws = pending.iterator().next();
                pending.remove(ws);
            }
            compute(ws);
        }
    }

    /** Computes the workspace's segments for every person not yet computed for them. */
    void compute(String workspaceId) {
        while (true) {
            SegmentIndex idx = indexes.of(workspaceId);
            long generation = idx.generation;
            long total = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM persons WHERE workspace_id = ?",
                    rs -> rs.getLong(1), workspaceId).orElse(0L));
            db.inTransaction(c -> Sql.update(c, "UPDATE segments SET people_total = ?, people_done = 0 WHERE workspace_id = ? "
                    + "AND status = ?", total, workspaceId, COMPUTING));
            String after = "";
            long done = 0;
            while (!stopping) {
                String from = after;
                // The chunk's people are read with no batch in flight, so everyone a batch of the previous
                // generation created is visible here (and everyone created later is of this generation).
                List<String> ids = guard.exclusivelyLeavingPeople(() -> db.inTransaction(c -> {
                    List<String> chunk = Sql.query(c, "SELECT id FROM persons WHERE workspace_id = ? AND id > ? "
                            + "ORDER BY id LIMIT ?", rs -> rs.getString(1), workspaceId, from, CHUNK);
                    if (!chunk.isEmpty()) computeChunk(c, workspaceId, idx, chunk);
                    return chunk;
                }));
                if (ids.isEmpty()) break;
                done += ids.size();
                after = ids.get(ids.size() - 1);
                long progress = Math.min(done, total);
                db.inTransaction(c -> Sql.update(c, "UPDATE segments SET people_done = ? WHERE workspace_id = ? "
                        + "AND status = ? AND generation <= ?", progress, workspaceId, COMPUTING, generation));
            }
            if (stopping) return;
            long now = clock.millis();
            db.inTransaction(c -> Sql.update(c, "UPDATE segments SET status = ?, people_done = people_total, computed_at = ? "
                    + "WHERE workspace_id = ? AND status = ? AND generation <= ?", READY, now, workspaceId, COMPUTING,
                    generation));
            // A segment created or edited meanwhile has a newer generation: go round again for it.
            if (indexes.of(workspaceId).generation <= generation) return;
        }
    }

    private void computeChunk(Connection c, String workspaceId, SegmentIndex idx, List<String> ids) throws SQLException {
        long now = clock.millis();
        SegmentBatch sb = new SegmentBatch(() -> c, ws -> idx);
        sb.load(ids);
        List<PersonSegments> behind = new ArrayList<>();
        Map<String, Long> oldGeneration = new HashMap<>();
        for (String id : ids) {
            PersonSegments ps = sb.get(id, workspaceId, 0);
            if (ps.generation >= idx.generation) continue;
            behind.add(ps);
            oldGeneration.put(id, ps.generation);
        }
        if (behind.isEmpty()) return;
        History.fill(c, workspaceId, behind, new ArrayList<>(idx.tallies.values()), now);
        Map<String, JsonNode> attributes = attributes(c, behind);
        for (PersonSegments ps : behind) {
            long old = oldGeneration.get(ps.personId);
            ps.generation = idx.generation;
            ps.stateDirty = true;
            BitSet todo = new BitSet(idx.ordered.size());
            for (SegmentIndex.Compiled s : idx.ordered) {
                // new to this person; and time-dependent ones, whose wake-up this sets afresh
                if (s.generation() > old || s.timeDependent()) todo.set(s.order());
            }
            PersonFacts facts = new PersonFacts(ps, idx, () -> c, () -> attributes.get(ps.personId));
            Membership.evaluate(idx, ps, facts, todo, now, Membership.Mode.SILENT, Map.of());
        }
        sb.flush(now, ps -> partitionOf(c, ps));
    }

    private static Map<String, JsonNode> attributes(Connection c, List<PersonSegments> people) throws SQLException {
        Map<String, JsonNode> out = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (PersonSegments ps : people) ids.add(ps.personId);
        for (List<String> chunk : Sql.chunks(ids)) {
            for (Object[] r : Sql.query(c, "SELECT id, attributes FROM persons WHERE id IN (" + Sql.placeholders(chunk.size())
                    + ")", rs -> new Object[] {rs.getString(1), rs.getString(2)}, chunk.toArray())) {
                out.put((String) r[0], Json.parse((String) r[1]));
            }
        }
        return out;
    }

    /** The partition the person's events are processed in, found through the routes of their ids. */
    private int partitionOf(Connection c, PersonSegments ps) throws SQLException {
        if (eventLog.partitions() == 1) return 0;
        List<String> keys = Sql.query(c, "SELECT kind, value FROM identities WHERE person_id = ? ORDER BY kind DESC",
                rs -> ("user".equals(rs.getString(1)) ? Event.userKey(rs.getString(2)) : Event.anonymousKey(rs.getString(2))),
                ps.personId);
        return eventLog.partitionOfPerson(ps.workspaceId, keys);
    }

    @Override
    public void close() {
        stopping = true;
        synchronized (pending) {
            pending.notifyAll();
        }
        Thread t = worker;
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
