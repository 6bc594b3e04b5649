package io.herald.segment;

import io.herald.event.Event;
import io.herald.log.EventLog;
import io.herald.processor.BatchGuard;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes new and edited segments over the people who existed before them, in the background, while events keep
 * being accepted and processed.
 *
 * <p>Design: first the workspace's history is read in one pass for the events the new segments count, and tallied
 * in memory ({@link History#scan}: a pass in the order the rows lie is about ten times faster than reading each
 * person's history through the index). Then people are taken in id order, a chunk at a time. A chunk is read and
 * computed while the processor goes on — their tallies rebuilt from their whole history, their membership evaluated — and then written with no
 * processor batch in flight (the processor waits for the writing, a few milliseconds). Batches tell this class whom
 * they touched when they commit: a person a batch touched after the chunk's read began, or one the read did not see
 * (created since), is computed again, from what is committed, while no batch runs; one a batch touched after the
 * scan began has their history read again when their chunk is read. So a person is either computed
 * here — their state stamped with the workspace's generation — or by the processor from events after that: never
 * both, never neither. Until a person is reached, the processor leaves the new segments alone for them. The initial
 * membership is recorded without {@code segment.entered} events: a new segment must not fire journeys at everyone
 * already in it.
 */
public final class Computations implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Computations.class);
    static final String COMPUTING = "computing";
    static final String READY = "ready";
    /**
     * People per chunk. Reading and computing a chunk goes on beside the processor; only writing it pauses the
     * processor, and each chunk waits for one batch to finish, so a chunk is large enough for that wait to be small
     * beside its work.
     */
    static final int CHUNK = 5000;
    /** Most events the one-pass scan tallies in memory; past it, each chunk reads its people's history instead. */
    static final long SCAN_LIMIT = 5_000_000;

    private final Database db;
    private final SegmentIndexes indexes;
    private final BatchGuard guard;
    private final EventLog eventLog;
    private final InstantSource clock;
    private final Set<String> pending = new LinkedHashSet<>();
    private Thread worker;
    private volatile boolean stopping;
    /** While computations run: who each batch touched (person → the batch's commit number); see the design above. */
    private final AtomicInteger watching = new AtomicInteger();
    private final AtomicLong commits = new AtomicLong();
    private final ConcurrentHashMap<String, Long> touchedAt = new ConcurrentHashMap<>();
    /** Exclusive work that changes people outside batches (erasure) so far: a chunk read before it is stale. */
    private final AtomicLong exclusiveWork = new AtomicLong();

    Computations(Database db, SegmentIndexes indexes, BatchGuard guard, EventLog eventLog, InstantSource clock) {
        this.db = db;
        this.indexes = indexes;
        this.guard = guard;
        this.eventLog = eventLog;
        this.clock = clock;
        guard.afterExclusive(exclusiveWork::incrementAndGet);
    }

    /** A processor batch that handled these people committed (the segment stage calls it after each commit). */
    void committed(Collection<String> personIds) {
        if (watching.get() == 0 || personIds.isEmpty()) return;
        long n = commits.incrementAndGet();
        for (String id : personIds) touchedAt.put(id, n);
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
        watching.incrementAndGet();
        try {
            while (true) {
                SegmentIndex idx = indexes.of(workspaceId);
                long generation = idx.generation;
                long total = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM persons WHERE workspace_id = ?",
                        rs -> rs.getLong(1), workspaceId).orElse(0L));
                db.inTransaction(c -> Sql.update(c, "UPDATE segments SET people_total = ?, people_done = 0 WHERE "
                        + "workspace_id = ? AND status = ?", total, workspaceId, COMPUTING));
                ComputedChunk.Histories histories = scan(workspaceId, idx, total);
                String after = "";
                long done = 0;
                while (!stopping) {
                    String from = after;
                    long since = commits.get();
                    long exclusiveBefore = exclusiveWork.get();
                    long readAt = clock.millis();
                    ComputedChunk chunk = db.read(c -> ComputedChunk.read(c, workspaceId, idx, from, CHUNK, histories,
                            readAt));
                    long progressBefore = done;
                    List<String> ids = guard.exclusivelyLeavingPeople(() -> db.inTransaction(c -> {
                        List<String> written = chunk.write(c, id -> touchedAt.getOrDefault(id, -1L) > since,
                                exclusiveWork.get() != exclusiveBefore, clock.millis(), ps -> partitionOf(c, ps));
                        if (!written.isEmpty()) {
                            Sql.update(c, "UPDATE segments SET people_done = ? WHERE workspace_id = ? AND status = ? "
                                    + "AND generation <= ?", Math.min(progressBefore + written.size(), total), workspaceId,
                                    COMPUTING, generation);
                        }
                        return written;
                    }));
                    if (ids.isEmpty()) break;
                    done += ids.size();
                    after = ids.get(ids.size() - 1);
                }
                if (stopping) return;
                long now = clock.millis();
                db.inTransaction(c -> Sql.update(c, "UPDATE segments SET status = ?, people_done = people_total, "
                        + "computed_at = ? WHERE workspace_id = ? AND status = ? AND generation <= ?", READY, now,
                        workspaceId, COMPUTING, generation));
                // A segment created or edited meanwhile has a newer generation: go round again for it.
                if (indexes.of(workspaceId).generation <= generation) return;
            }
        } finally {
            if (watching.decrementAndGet() == 0) touchedAt.clear();
        }
    }

    /**
     * Tallies in one pass what the workspace's people lack, for the chunks to take; for those a batch touched after
     * the pass began (or all, after erasure) the chunks read the history again. {@link ComputedChunk#FROM_STORE}
     * when the tallies would be too many to keep.
     */
    private ComputedChunk.Histories scan(String workspaceId, SegmentIndex idx, long people) {
        long since = commits.get();
        long exclusiveBefore = exclusiveWork.get();
        // The oldest generation anyone has (0 if someone has no segment state): the scan reads for newer tallies.
        long oldest = db.read(c -> Sql.queryOne(c, "SELECT COUNT(*), MIN(generation) FROM segment_state WHERE "
                + "workspace_id = ?", rs -> rs.getLong(1) < people ? 0L : rs.getLong(2), workspaceId)).orElse(0L);
        History.Scanned scanned = db.read(c -> History.scan(c, workspaceId, idx.tallies.values(), oldest, clock.millis(),
                SCAN_LIMIT));
        if (scanned == null) {
            log.atInfo().addKeyValue("workspace", workspaceId).addKeyValue("limit", SCAN_LIMIT)
                    .log("too many events to tally in one pass; reading each chunk's history instead");
            return ComputedChunk.FROM_STORE;
        }
        return (c, ws, behind, ix, now) -> {
            if (exclusiveWork.get() != exclusiveBefore) {
                ComputedChunk.FROM_STORE.fill(c, ws, behind, ix, now);
                return;
            }
            List<PersonSegments> fresh = new ArrayList<>();
            List<PersonSegments> stale = new ArrayList<>();
            for (PersonSegments ps : behind) (touchedAt.getOrDefault(ps.personId, -1L) > since ? stale : fresh).add(ps);
            scanned.fill(fresh);
            if (!stale.isEmpty()) ComputedChunk.FROM_STORE.fill(c, ws, stale, ix, now);
        };
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
