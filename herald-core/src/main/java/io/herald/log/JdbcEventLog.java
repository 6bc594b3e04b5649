package io.herald.log;

import io.herald.error.Unavailable;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log as a table, written by one thread with group commit.
 *
 * <p>Design: requests hand their events to a bounded queue and wait. A single writer takes everything queued,
 * inserts it in one transaction and completes every waiting request at once. One commit then serves many requests,
 * which is what lets SQLite (one writer at a time) acknowledge tens of thousands of durable events a second; a
 * full queue answers "unavailable" instead of letting memory grow.
 *
 * <p>With more than one partition the writer also chooses each event's partition, inside the same transaction, so
 * that every event naming an id of a person lands where that person's other ids already route ({@link Routes}).
 * With one partition there is nothing to choose, and nothing is looked up or stored.
 */
public final class JdbcEventLog implements EventLog {
    private static final Logger log = LoggerFactory.getLogger(JdbcEventLog.class);
    private static final int MAX_EVENTS_PER_COMMIT = 20_000;
    /** Events kept in memory for processors that keep up (see {@link RecentEvents}). */
    private static final int RECENT_EVENTS = 20_000;
    private static final long MAX_COUNTED_LAG = 1_000_000;
    private static final int ROUTE_CACHE_SIZE = 100_000;

    private final Database db;
    private final boolean ownsDb;
    private final int partitions;
    private final Routes routes; // null with one partition: every event goes to it, nothing to look up or store
    private final BlockingQueue<Pending> queue;
    private final RecentEvents recent;
    private final Thread writer;
    private final Object appended = new Object();
    private volatile boolean closed;
    private long version; // guarded by appended

    /**
     * A request's events, already encoded (and their ids hashed, with more than one partition) on the request's own
     * thread so the single writer only writes.
     */
    private record Pending(List<Event> events, List<String> payloads, List<Routes.Request> routes,
                           CompletableFuture<Integer> done) {
    }

    /**
     * The log of a store: on SQLite in its own file beside the main one (opened, and closed with the log), on
     * PostgreSQL in the main database.
     */
    public static JdbcEventLog open(Database main, DatabaseConfig config, int partitions, int queueCapacity) {
        return open(main, config, partitions, queueCapacity, ROUTE_CACHE_SIZE, RECENT_EVENTS);
    }

    /**
     * As {@link #open(Database, DatabaseConfig, int, int)}, caching the routes of up to {@code routeCacheSize} ids
     * and keeping the newest {@code recentEvents} events in memory.
     */
    static JdbcEventLog open(Database main, DatabaseConfig config, int partitions, int queueCapacity,
                             int routeCacheSize, int recentEvents) {
        if (config.engine() != Engine.SQLITE) {
            return new JdbcEventLog(main, false, partitions, queueCapacity, routeCacheSize, recentEvents);
        }
        Database own = Database.openSqliteLog(config);
        try {
            return new JdbcEventLog(own, true, partitions, queueCapacity, routeCacheSize, recentEvents);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    private JdbcEventLog(Database db, boolean ownsDb, int partitions, int queueCapacity, int routeCacheSize,
                         int recentEvents) {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        this.db = db;
        this.ownsDb = ownsDb;
        this.partitions = partitions;
        this.routes = partitions == 1 ? null : new Routes(partitions, routeCacheSize);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        long last = db.read(c -> Sql.queryOne(c, "SELECT COALESCE(MAX(seq), 0) FROM event_log", rs -> rs.getLong(1)))
                .orElse(0L);
        this.recent = new RecentEvents(partitions, Math.max(recentEvents, partitions), last);
        this.writer = Thread.ofPlatform().name("herald-log-writer").daemon(true).start(this::writeLoop);
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public CompletableFuture<Integer> append(List<Event> events) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (events.isEmpty()) {
            done.complete(0);
            return done;
        }
        if (closed) {
            done.completeExceptionally(new Unavailable("Herald is shutting down", 5, null));
            return done;
        }
        List<String> payloads = new ArrayList<>(events.size());
        for (Event e : events) payloads.add(EventCodec.encode(e));
        List<Routes.Request> requests = null;
        if (routes != null) {
            requests = new ArrayList<>(events.size());
            for (Event e : events) requests.add(Routes.requestOf(e, partitions));
        }
        // A copy the writer may fill in with each event's partition and position.
        if (!queue.offer(new Pending(new ArrayList<>(events), payloads, requests, done))) {
            done.completeExceptionally(new Unavailable("the event log is at capacity; retry shortly", 1, null));
        }
        return done;
    }

    /** Put on the queue by {@link #close()} to wake the writer; carries nothing. */
    private static final Pending WAKE = new Pending(List.of(), List.of(), null, new CompletableFuture<>());

    private void writeLoop() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null || first == WAKE) {
                    if (closed && queue.isEmpty()) return;
                    continue;
                }
                group.add(first);
                int events = first.events().size();
                Pending next;
                while (events < MAX_EVENTS_PER_COMMIT && (next = queue.poll()) != null) {
                    if (next == WAKE) continue;
                    group.add(next);
                    events += next.events().size();
                }
                commit(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Pending> group) {
        List<Event> committed;
        try {
            committed = db.inTransaction(c -> insert(c, group));
        } catch (RuntimeException e) {
            if (routes != null) routes.rolledBack();
            if (group.size() > 1) {
                // One request's rows must not fail the others that happened to share its commit.
                for (Pending p : group) commit(List.of(p));
                return;
            }
            log.atError().setCause(e).addKeyValue("requests", group.size()).log("event log append failed");
            Unavailable u = new Unavailable("the event log could not store the events; retry shortly", 2, e);
            group.forEach(p -> p.done().completeExceptionally(u));
            return;
        }
        if (routes != null) routes.committed();
        // Into memory before the processors are woken, so they find the events there.
        recent.add(committed);
        for (Pending p : group) {
            int fresh = 0;
            for (Event e : p.events()) if (e.position() > 0) fresh++;
            p.done().complete(fresh);
        }
        synchronized (appended) {
            version++;
            appended.notifyAll();
        }
    }

    /**
     * Inserts a group's events and returns the new ones with their positions, in position order; each pending
     * request's events are replaced by the positioned ones (position -1: a duplicate that was skipped).
     */
    private List<Event> insert(Connection c, List<Pending> group) throws SQLException {
        db.dialect().lockLogAppends(c);
        int[] assigned = null;
        if (routes != null) {
            List<Routes.Request> requests = new ArrayList<>();
            for (Pending p : group) requests.addAll(p.routes());
            assigned = routes.assign(c, requests);
        }
        // Appends are serialised (one writer; on PostgreSQL also the lock above), so every row past the current
        // end is this transaction's: one range query gives the positions of all of them.
        // Kept prepared, as the positions' query below: every append asks both.
        long end = Sql.queryKept(c, "SELECT COALESCE(MAX(seq), 0) FROM event_log", rs -> rs.getLong(1)).get(0);
        int k = 0;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO event_log (workspace_id, partition_no, message_id, payload, received_at) "
                        + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, message_id) DO NOTHING")) {
            for (Pending p : group) {
                for (int i = 0; i < p.events().size(); i++) {
                    Event e = p.events().get(i);
                    ps.setString(1, e.workspaceId());
                    ps.setInt(2, assigned == null ? 0 : assigned[k++]);
                    ps.setString(3, e.messageId());
                    ps.setString(4, p.payloads().get(i));
                    ps.setLong(5, e.receivedAt());
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
        Map<String, Long> positions = new HashMap<>();
        for (Object[] row : Sql.queryKept(c, "SELECT seq, workspace_id, message_id FROM event_log WHERE seq > ?",
                rs -> new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3)}, end)) {
            positions.put(row[1] + "\u0000" + row[2], (Long) row[0]);
        }
        List<Event> committed = new ArrayList<>(positions.size());
        k = 0;
        for (Pending p : group) {
            List<Event> events = p.events();
            for (int i = 0; i < events.size(); i++) {
                Event e = events.get(i);
                int partition = assigned == null ? 0 : assigned[k++];
                // remove: a messageId repeated within the group is new only the first time
                Long position = positions.remove(e.workspaceId() + "\u0000" + e.messageId());
                // Set either way: a group that failed and is retried must not keep positions of the failed try.
                Event placed = e.placed(partition, position == null ? -1 : position);
                events.set(i, placed);
                if (position != null) committed.add(placed);
            }
        }
        committed.sort(Comparator.comparingLong(Event::position));
        return committed;
    }

    @Override
    public List<Event> read(int partition, long afterPosition, int max) {
        List<Event> fromMemory = recent.after(partition, afterPosition, max);
        if (fromMemory != null) return fromMemory;
        return db.read(c -> Sql.query(c,
                "SELECT seq, workspace_id, payload FROM event_log WHERE partition_no = ? AND seq > ? ORDER BY seq LIMIT ?",
                rs -> EventCodec.decode(rs.getString(2), partition, rs.getLong(1), rs.getString(3)),
                partition, afterPosition, max));
    }

    @Override
    public long countAfter(int partition, long afterPosition) {
        // Capped: every metrics scrape asks, and counting a backlog of millions each time would slow the catch-up.
        return countAfter(partition, afterPosition, MAX_COUNTED_LAG);
    }

    @Override
    public long countAfter(int partition, long afterPosition, long atMost) {
        if (atMost <= 0) return 0;
        long inMemory = recent.countAfter(partition, afterPosition);
        if (inMemory >= 0) return Math.min(atMost, inMemory);
        return db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM (SELECT 1 FROM event_log WHERE partition_no = ? "
                + "AND seq > ? LIMIT ?) backlog", rs -> rs.getLong(1), partition, afterPosition,
                Math.min(atMost, MAX_COUNTED_LAG))).orElse(0L);
    }

    @Override
    public void forget(String workspaceId, Collection<String> messageIds) {
        if (messageIds.isEmpty()) return;
        recent.forget(workspaceId, messageIds);
        List<String> ids = List.copyOf(messageIds);
        db.inTransaction(c -> {
            for (List<String> chunk : Sql.chunks(ids)) {
                Object[] params = new Object[chunk.size() + 1];
                params[0] = workspaceId;
                for (int k = 0; k < chunk.size(); k++) params[k + 1] = chunk.get(k);
                Sql.update(c, "DELETE FROM event_log WHERE workspace_id = ? AND message_id IN ("
                        + Sql.placeholders(chunk.size()) + ")", params);
            }
            return null;
        });
    }

    @Override
    public void forgetRoutes(String workspaceId, Collection<String> routingKeys) {
        if (routingKeys.isEmpty()) return;
        List<String> keys = routingKeys.stream().map(k -> Routes.hash(workspaceId, k)).distinct().toList();
        // Also with one partition: the table may hold routes from a time the log had more.
        db.inTransaction(c -> {
            Routes.delete(c, keys);
            return null;
        });
        if (routes != null) routes.forgotten(keys);
    }

    @Override
    public long appendVersion() {
        synchronized (appended) {
            return version;
        }
    }

    @Override
    public void awaitAppend(long seenVersion, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (appended) {
            long left;
            while (version == seenVersion && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(appended, left);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        queue.offer(WAKE); // so the writer sees it at once, not at its next poll (a full queue wakes it anyway)
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many ids' routes the writer holds in memory (tests of the bound). */
    int cachedRoutes() {
        return routes == null ? 0 : routes.cached();
    }

    /** The database the log's table lives in (its own SQLite file, or the main PostgreSQL database). */
    @Override
    public int partitionOfPerson(String workspaceId, List<String> routingKeys) {
        if (partitions == 1 || routingKeys.isEmpty()) return 0;
        for (String key : routingKeys) {
            var found = db.read(c -> Sql.queryOne(c, "SELECT partition_no FROM routes WHERE route_key = ?",
                    rs -> rs.getInt(1), Routes.hash(workspaceId, key)));
            if (found.isPresent()) return found.get();
        }
        return EventLog.partitionOf(workspaceId, routingKeys.get(0), partitions);
    }

    public Database database() {
        return db;
    }

    /** Closes the log's own store, if it has one; after {@link #close()} and once no processor reads any more. */
    public void closeStore() {
        if (ownsDb) db.close();
    }
}
