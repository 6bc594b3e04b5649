package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * V17 rebuilds SQLite's memberships keyed by person (a person's rows together); a store an older Herald left keeps
 * every membership, and the queries the processor and the API run find them through the new keys.
 */
class SegmentMembersMigrationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void membershipsAnOlderStoreHeldAreAllThereAfterTheUpgrade(Engine engine) {
        DatabaseConfig config = TestDatabase.freshConfig(engine, dir);
        try (Database old = Database.openAtVersion(config, "16")) {
            old.inTransaction(c -> {
                for (Object[] r : List.of(new Object[] {"seg_a", "p1", 10L}, new Object[] {"seg_b", "p1", 11L},
                        new Object[] {"seg_a", "p2", 12L}, new Object[] {"seg_a", "p3", 13L})) {
                    Sql.update(c, "INSERT INTO segment_members (segment_id, person_id, workspace_id, entered_at) "
                            + "VALUES (?, ?, 'ws', ?)", r);
                }
                return null;
            });
        }
        try (Database db = Database.open(config)) {
            db.inTransaction(c -> Sql.update(c, "INSERT INTO segment_members (segment_id, person_id, workspace_id, "
                    + "entered_at) VALUES ('seg_a', 'p2', 'ws', 20) ON CONFLICT (segment_id, person_id) DO UPDATE SET "
                    + "entered_at = excluded.entered_at"));

            List<String> ofP1 = db.read(c -> Sql.query(c, "SELECT segment_id, entered_at FROM segment_members "
                    + "WHERE person_id = ? ORDER BY segment_id", rs -> rs.getString(1) + "@" + rs.getLong(2), "p1"));
            List<String> inA = db.read(c -> Sql.query(c, "SELECT person_id, entered_at FROM segment_members "
                    + "WHERE segment_id = ? AND workspace_id = ? AND person_id > ? ORDER BY person_id",
                    rs -> rs.getString(1) + "@" + rs.getLong(2), "seg_a", "ws", "p1"));
            assertThat(ofP1).containsExactly("seg_a@10", "seg_b@11");
            assertThat(inA).containsExactly("p2@20", "p3@13");
            if (engine == Engine.SQLITE) {
                assertThat(plan(db, "SELECT segment_id FROM segment_members WHERE person_id = 'p1'"))
                        .contains("PRIMARY KEY");
                assertThat(plan(db, "SELECT COUNT(*) FROM segment_members WHERE segment_id = 'seg_a' "
                        + "AND workspace_id = 'ws'")).contains("COVERING INDEX segment_members_segment");
            }
        }
    }

    private static String plan(Database db, String sql) {
        List<String> rows = db.read(c -> Sql.query(c, "EXPLAIN QUERY PLAN " + sql, rs -> rs.getString(4)));
        return String.join("\n", rows);
    }
}
