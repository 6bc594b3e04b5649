package io.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.segment.Segments;
import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * V17 rebuilds SQLite's memberships keyed by person (a person's rows together), V18 drops their workspace (the
 * segment says it); a store an older Herald left keeps every membership, and the queries the processor and the API
 * run find them through the new keys.
 */
class SegmentMembersMigrationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void membershipsAStoreOfV16HeldAreAllThereAfterTheUpgrade(Engine engine) {
        upgradeFrom(engine, "16");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void membershipsAStoreOfV17HeldAreAllThereWithoutTheirWorkspace(Engine engine) {
        upgradeFrom(engine, "17");
    }

    private void upgradeFrom(Engine engine, String version) {
        DatabaseConfig config = TestDatabase.freshConfig(engine, dir);
        try (Database old = Database.openAtVersion(config, version)) {
            old.inTransaction(c -> {
                Sql.update(c, "INSERT INTO segments (id, workspace_id, name, condition, generation, status, "
                        + "people_done, people_total, created_at, updated_at) "
                        + "VALUES ('seg_a', 'ws', 'A', '{}', 1, 'ready', 0, 0, 1, 1)");
                for (Object[] r : List.of(new Object[] {"seg_a", "p1", 10L}, new Object[] {"seg_b", "p1", 11L},
                        new Object[] {"seg_a", "p2", 12L}, new Object[] {"seg_a", "p3", 13L})) {
                    Sql.update(c, "INSERT INTO segment_members (segment_id, person_id, workspace_id, entered_at) "
                            + "VALUES (?, ?, 'ws', ?)", r);
                }
                return null;
            });
        }
        try (Database db = Database.open(config)) {
            db.inTransaction(c -> Sql.update(c, "INSERT INTO segment_members (segment_id, person_id, entered_at) "
                    + "VALUES ('seg_a', 'p2', 20) ON CONFLICT (segment_id, person_id) DO UPDATE SET "
                    + "entered_at = excluded.entered_at"));

            List<String> ofP1 = db.read(c -> Sql.query(c, "SELECT segment_id, entered_at FROM segment_members "
                    + "WHERE person_id = ? ORDER BY segment_id", rs -> rs.getString(1) + "@" + rs.getLong(2), "p1"));
            List<String> inA = db.read(c -> Sql.query(c, "SELECT person_id, entered_at FROM segment_members "
                    + "WHERE segment_id = " + Segments.OWN_SEGMENT + " AND person_id > ? "
                    + "ORDER BY person_id", rs -> rs.getString(1) + "@" + rs.getLong(2), "seg_a", "ws", "p1"));
            List<String> inAElsewhere = db.read(c -> Sql.query(c, "SELECT person_id FROM segment_members "
                    + "WHERE segment_id = " + Segments.OWN_SEGMENT, rs -> rs.getString(1),
                    "seg_a", "another_ws"));
            assertThat(ofP1).containsExactly("seg_a@10", "seg_b@11");
            assertThat(inA).containsExactly("p2@20", "p3@13");
            assertThat(inAElsewhere).isEmpty();
            if (engine == Engine.SQLITE) {
                assertThat(plan(db, "SELECT segment_id FROM segment_members WHERE person_id = 'p1'"))
                        .contains("PRIMARY KEY");
                assertThat(plan(db, "SELECT COUNT(*) FROM segment_members WHERE segment_id = "
                        + "(SELECT id FROM segments WHERE id = 'seg_a' AND workspace_id = 'ws')"))
                        .contains("COVERING INDEX segment_members_segment");
            }
        }
    }

    private static String plan(Database db, String sql) {
        List<String> rows = db.read(c -> Sql.query(c, "EXPLAIN QUERY PLAN " + sql, rs -> rs.getString(4)));
        return String.join("\n", rows);
    }
}
