package io.herald.segment;

import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates an unsaved condition over a workspace's people: tallies the segment state already keeps are reused,
 * the others are built from history. Reads only. Bounded in time: past {@link #BUDGET_MS} it stops and says how
 * far it got, with an estimate for the rest.
 */
public final class Previews {
    static final long BUDGET_MS = 10_000;
    static final int SAMPLE = 10;
    private static final int CHUNK = 1000;
    private static final String ID = "preview";

    private final Database db;
    private final SegmentIndexes indexes;
    private final InstantSource clock;

    Previews(Database db, SegmentIndexes indexes, InstantSource clock) {
        this.db = db;
        this.indexes = indexes;
        this.clock = clock;
    }

    /**
     * @param count     people matching among those evaluated
     * @param estimated the count extrapolated to everyone (equal to count when complete)
     */
    public record Result(long count, List<String> sample, long evaluated, long total, boolean complete, long estimated) {
    }

    Result run(String workspaceId, Condition condition) {
        SegmentIndex current = indexes.of(workspaceId);
        List<SegmentIndex.Definition> defs = new ArrayList<>();
        for (SegmentIndex.Compiled c : current.ordered) {
            defs.add(new SegmentIndex.Definition(c.id(), c.name(), c.generation(), c.condition()));
        }
        long generation = current.generation + 1; // newer than every person's state: its own tallies come from history
        defs.add(new SegmentIndex.Definition(ID, ID, generation, condition));
        SegmentIndex idx = new SegmentIndex(generation, defs);
        List<SegmentIndex.TallySpec> specs = new ArrayList<>();
        for (Condition.Performed p : Conditions.performed(condition)) {
            SegmentIndex.TallySpec s = idx.tallies.get(TallyKey.of(p));
            if (!specs.contains(s)) specs.add(s);
        }
        long now = clock.millis();
        long started = System.nanoTime(); // the budget is wall time spent, not the engine's notion of now
        return db.read(c -> {
            long total = Sql.queryOne(c, "SELECT COUNT(*) FROM persons WHERE workspace_id = ?", rs -> rs.getLong(1),
                    workspaceId).orElse(0L);
            long count = 0;
            long evaluated = 0;
            List<String> sample = new ArrayList<>();
            String after = "";
            while (true) {
                List<String[]> people = Sql.query(c, "SELECT id, user_id, attributes FROM persons WHERE workspace_id = ? "
                        + "AND id > ? ORDER BY id LIMIT ?", rs -> new String[] {rs.getString(1), rs.getString(2),
                        rs.getString(3)}, workspaceId, after, CHUNK);
                if (people.isEmpty()) break;
                after = people.get(people.size() - 1)[0];
                List<String> ids = new ArrayList<>();
                Map<String, String[]> rows = new HashMap<>();
                for (String[] p : people) {
                    ids.add(p[0]);
                    rows.put(p[0], p);
                }
                SegmentBatch sb = new SegmentBatch(() -> c, ws -> idx);
                sb.load(ids);
                List<PersonSegments> states = new ArrayList<>();
                for (String id : ids) states.add(sb.get(id, workspaceId, 0));
                History.fill(c, workspaceId, states, specs, now);
                for (PersonSegments ps : states) {
                    String[] row = rows.get(ps.personId);
                    PersonFacts facts = new PersonFacts(ps, idx, () -> c, () -> Json.parse(row[2]));
                    if (Evaluator.matches(condition, facts, now)) {
                        count++;
                        if (sample.size() < SAMPLE) sample.add(row[1] != null ? row[1] : anonymousId(c, ps.personId));
                    }
                }
                evaluated += people.size();
                if ((System.nanoTime() - started) / 1_000_000 > BUDGET_MS) break;
            }
            boolean complete = evaluated >= total;
            long estimated = complete || evaluated == 0 ? count : Math.round((double) count * total / evaluated);
            return new Result(count, sample, evaluated, Math.max(total, evaluated), complete, estimated);
        });
    }

    private static String anonymousId(Connection c, String personId) throws SQLException {
        return Sql.queryOne(c, "SELECT value FROM identities WHERE person_id = ? AND kind = 'anon' ORDER BY value",
                rs -> rs.getString(1), personId).orElse(personId);
    }

}
