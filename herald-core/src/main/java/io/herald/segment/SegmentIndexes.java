package io.herald.segment;

import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each workspace's compiled {@link SegmentIndex}, loaded on first use and replaced whenever {@link Segments}
 * changes a segment (this process is the only writer of segments; a cluster would reload on a notification).
 */
final class SegmentIndexes {
    private final Database db;
    private final ConcurrentHashMap<String, SegmentIndex> byWorkspace = new ConcurrentHashMap<>();

    SegmentIndexes(Database db) {
        this.db = db;
    }

    SegmentIndex of(String workspaceId) {
        SegmentIndex idx = byWorkspace.get(workspaceId);
        if (idx != null) return idx;
        return byWorkspace.computeIfAbsent(workspaceId, ws -> db.read(c -> load(c, ws)));
    }

    /** Reloads a workspace's index after its segments changed (inside or after the changing transaction). */
    void reload(String workspaceId) {
        byWorkspace.put(workspaceId, db.read(c -> load(c, workspaceId)));
    }

    static SegmentIndex load(Connection c, String workspaceId) throws SQLException {
        long generation = generation(c, workspaceId);
        List<SegmentIndex.Stored> stored = Sql.query(c, "SELECT id, name, generation, condition FROM segments "
                        + "WHERE workspace_id = ? ORDER BY id",
                rs -> new SegmentIndex.Stored(rs.getString(1), rs.getString(2), rs.getLong(3),
                        Json.parse(rs.getString(4))), workspaceId);
        if (stored.isEmpty()) return SegmentIndex.EMPTY;
        return SegmentIndex.parse(generation, stored);
    }

    static long generation(Connection c, String workspaceId) throws SQLException {
        return Sql.queryOne(c, "SELECT generation FROM segment_generations WHERE workspace_id = ?",
                rs -> rs.getLong(1), workspaceId).orElse(0L);
    }
}
