package io.herald.log;

import io.herald.event.Event;
import io.herald.store.Sql;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Which partition each id routes to, for a log of more than one partition: kept in the {@code routes} table beside
 * the log and written in the same transaction as the log rows, so no event is ever stored without its route.
 *
 * <p>Design. All of a person's events must land in one partition, or two processors race on the same person. The
 * log writer cannot know which person an event belongs to (the processor decides that later), only which ids it
 * names. So it keeps what it can know for sure: ids named together in one event (a userId and an anonymousId, an
 * alias's two ids, a device token and its owner) form a <em>group</em>, and every id of a group routes to the group's
 * partition. The processor links ids only through events that name them together, so every person's ids lie within
 * one group, whatever it decides. A group may hold more than one person (a shared browser): that costs parallelism,
 * never order.
 *
 * <ul>
 *   <li>An event none of whose ids has a route starts a group in the partition its first id hashes to.</li>
 *   <li>Ids without a route join the group of the event's other ids.</li>
 *   <li>An event naming ids of two groups (an anonymous visitor with a history of their own logs in as a known user;
 *       an alias) makes them one group, in the partition of the larger group (counted up to {@value #SIZE_CAP} ids),
 *       on a tie in that of the event's userId. The moved group's events already in the log stay in its old
 *       partition, so their order relative to later events is not guaranteed across that one merge (if they are not
 *       processed yet, two processors can still race on that person then). Union by size
 *       bounds how often an id can move: a crowd (an SDK that sends one anonymousId for everyone) is joined, not
 *       dragged from partition to partition.</li>
 * </ul>
 *
 * <p>Ids are stored as a hash of (workspace, id): fixed size whatever the id (a web push subscription is kilobytes),
 * so the cache's memory is bounded by its number of entries, and the table holds no id in clear. Erasure deletes a
 * person's rows ({@link #delete}).
 *
 * <p>{@link #assign}, {@link #committed} and {@link #rolledBack} run on the log writer's thread only.
 */
final class Routes {
    static final int SIZE_CAP = 1000;

    /** Where an id routes: its group and the group's partition. */
    record Route(long group, int partition) {
    }

    /**
     * What the writer needs of one event: the hashes of its ids in order of preference, and the partition it goes to
     * when none of them has a route (without ids: always).
     */
    record Request(String workspaceId, List<String> keys, int fallback) {
    }

    private final int partitions;
    private final RouteCache cache;
    // Group ids are random: two groups that drew the same id would only move together, which is safe.
    private final SplittableRandom random = new SplittableRandom();
    private final Queue<String> forgotten = new ConcurrentLinkedQueue<>();
    // The current transaction's view, given to the cache only once the transaction commits.
    private final Map<String, Route> fetched = new HashMap<>();
    private final Map<String, Route> added = new HashMap<>();
    private final Map<Long, Route> moved = new LinkedHashMap<>();
    private final List<Object[]> inserts = new ArrayList<>();

    Routes(int partitions, int cacheSize) {
        this.partitions = partitions;
        this.cache = new RouteCache(cacheSize);
    }

    /** The request of an event, computed on the appending thread so that the writer only writes. */
    static Request requestOf(Event e, int partitions) {
        // An event that knows its partition (a timer of a person) keeps it. One from a log that had more partitions
        // is folded the same way as the groups of such a log (see fetch), so it still meets its person.
        if (e.partition() >= 0) return new Request(e.workspaceId(), List.of(), Math.floorMod(e.partition(), partitions));
        List<String> ids = e.routingKeys();
        if (ids.isEmpty()) return new Request(e.workspaceId(), List.of(), 0); // names nobody: nothing to keep together
        List<String> keys = new ArrayList<>(ids.size());
        for (String id : ids) keys.add(hash(e.workspaceId(), id));
        return new Request(e.workspaceId(), keys, EventLog.partitionOf(e.workspaceId(), ids.get(0), partitions));
    }

    /** The stored form of an id: 128 bits of SHA-256 over (workspace, id). A collision only joins two groups. */
    static String hash(String workspaceId, String routingKey) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        sha.update(workspaceId.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        byte[] digest = sha.digest(routingKey.getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
    }

    /** The partition of each request, in order, storing new routes and moved groups in the caller's transaction. */
    int[] assign(Connection c, List<Request> requests) throws SQLException {
        for (String k; (k = forgotten.poll()) != null; ) cache.remove(k);
        // Each id is looked up in the cache once; the ids it misses are read from the table in a few queries.
        Route[][] cached = new Route[requests.size()][];
        Set<String> wanted = new LinkedHashSet<>();
        for (int i = 0; i < cached.length; i++) {
            List<String> keys = requests.get(i).keys();
            cached[i] = new Route[keys.size()];
            for (int j = 0; j < keys.size(); j++) {
                cached[i][j] = cache.get(keys.get(j));
                if (cached[i][j] == null) wanted.add(keys.get(j));
            }
        }
        fetch(c, wanted);
        int[] out = new int[requests.size()];
        for (int i = 0; i < out.length; i++) out[i] = route(c, requests.get(i), cached[i]);
        insertAdded(c);
        return out;
    }

    /** The transaction of the last {@link #assign} committed: the cache may now hold what it wrote. */
    void committed() {
        for (Map.Entry<Long, Route> m : moved.entrySet()) cache.moveGroup(m.getKey(), resolve(m.getValue()));
        fetched.forEach((k, r) -> cache.put(k, resolve(r)));
        added.forEach((k, r) -> cache.put(k, resolve(r)));
        clear();
    }

    /** The transaction of the last {@link #assign} rolled back: forget what it did. */
    void rolledBack() {
        clear();
    }

    /** Deletes the routes of ids (hashes, see {@link #hash}) in the caller's transaction. */
    static void delete(Connection c, List<String> keys) throws SQLException {
        for (List<String> chunk : Sql.chunks(keys)) {
            Sql.update(c, "DELETE FROM routes WHERE route_key IN (" + Sql.placeholders(chunk.size()) + ")", chunk.toArray());
        }
    }

    /** Ids whose rows were deleted (and committed) by another thread: the writer drops them from its cache. */
    void forgotten(Collection<String> keys) {
        forgotten.addAll(keys);
    }

    int cached() {
        return cache.size();
    }

    /** Reads the routes of ids the cache does not hold. */
    private void fetch(Connection c, Set<String> wanted) throws SQLException {
        for (List<String> chunk : Sql.chunks(new ArrayList<>(wanted))) {
            try (PreparedStatement ps = c.prepareStatement("SELECT route_key, group_id, partition_no FROM routes "
                    + "WHERE route_key IN (" + Sql.placeholders(chunk.size()) + ")")) {
                Sql.bind(ps, chunk.toArray());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) fetched.put(rs.getString(1), new Route(rs.getLong(2), rs.getInt(3)));
                }
            }
        }
        // Routes from a time the log had more partitions: the whole group is folded onto one of today's, so that it
        // stays together (a group is always moved as a whole).
        for (Route r : List.copyOf(fetched.values())) {
            Route now = resolve(r);
            if (now.partition() >= partitions) move(c, now.group(), new Route(now.group(), now.partition() % partitions));
        }
    }

    private int route(Connection c, Request r, Route[] cached) throws SQLException {
        if (r.keys().isEmpty()) return r.fallback();
        List<Route> groups = new ArrayList<>(2); // distinct, in the order of preference of the ids that named them
        List<String> unrouted = new ArrayList<>(r.keys().size());
        for (int j = 0; j < cached.length; j++) {
            String k = r.keys().get(j);
            Route route = current(k, cached[j]);
            if (route == null) unrouted.add(k);
            else if (!groups.contains(route)) groups.add(route);
        }
        Route target;
        if (groups.isEmpty()) target = new Route(random.nextLong(), r.fallback());
        else if (groups.size() == 1) target = groups.get(0);
        else target = merge(c, groups);
        for (String k : unrouted) {
            added.put(k, target);
            inserts.add(new Object[] {k, r.workspaceId(), target.group(), target.partition()});
        }
        return target.partition();
    }

    /** Makes several groups one, in the partition of the largest; on a tie, of the one named first (the userId's). */
    private Route merge(Connection c, List<Route> groups) throws SQLException {
        insertAdded(c); // the counts must see this transaction's new rows
        Route target = groups.get(0);
        int targetSize = size(c, target.group());
        for (Route g : groups.subList(1, groups.size())) {
            int size = size(c, g.group());
            if (size > targetSize) {
                target = g;
                targetSize = size;
            }
        }
        for (Route g : groups) if (!g.equals(target)) move(c, g.group(), target);
        return target;
    }

    private void move(Connection c, long group, Route to) throws SQLException {
        insertAdded(c); // rows added for the group in this transaction move with it
        Sql.update(c, "UPDATE routes SET group_id = ?, partition_no = ? WHERE group_id = ?", to.group(), to.partition(),
                group);
        moved.put(group, to);
    }

    private static int size(Connection c, long group) throws SQLException {
        return Sql.queryOne(c, "SELECT COUNT(*) FROM (SELECT 1 FROM routes WHERE group_id = ? LIMIT " + SIZE_CAP
                + ") capped", rs -> rs.getInt(1), group).orElse(0);
    }

    /** Where an id routes now; {@code cached} is what the cache held for it when the transaction began. */
    private Route current(String key, Route cached) {
        Route r = cached; // an id the cache held had a route, so this transaction neither read nor added it
        if (r == null) r = added.get(key);
        if (r == null) r = fetched.get(key);
        return r == null ? null : resolve(r);
    }

    /** Where a route stands after this transaction's moves. */
    private Route resolve(Route r) {
        if (moved.isEmpty()) return r;
        for (Route to; (to = moved.get(r.group())) != null && !to.equals(r); ) r = to;
        return r;
    }

    private void insertAdded(Connection c) throws SQLException {
        if (inserts.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO routes (route_key, workspace_id, group_id, partition_no) VALUES (?, ?, ?, ?)")) {
            for (Object[] row : inserts) {
                Sql.bind(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        inserts.clear();
    }

    private void clear() {
        fetched.clear();
        added.clear();
        moved.clear();
        inserts.clear();
    }
}
