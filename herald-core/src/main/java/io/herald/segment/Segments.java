package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.error.ClientError;
import io.herald.log.EventLog;
import io.herald.processor.BatchGuard;
import io.herald.store.Database;
import io.herald.store.Page;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admin API's segments: create, read, edit, delete, members, counts, previews, and a person's segments.
 * Every query is scoped to the caller's workspace. Creating or editing a segment starts its computation over
 * existing people in the background ({@link Computations}); the processor keeps it current from then on.
 */
public final class Segments implements AutoCloseable {
    static final int MAX_NAME = 200;
    static final int MAX_DESCRIPTION = 2000;
    static final int MAX_SEGMENTS = 2000;

    private final Database db;
    private final SegmentIndexes indexes;
    private final Computations computations;
    private final Previews previews;
    private final InstantSource clock;

    public Segments(Database db, EventLog eventLog, BatchGuard guard, InstantSource clock) {
        this.db = db;
        this.clock = clock;
        this.indexes = new SegmentIndexes(db);
        this.computations = new Computations(db, indexes, guard, eventLog, clock);
        this.previews = new Previews(db, indexes, clock);
    }

    InstantSource clock() {
        return clock;
    }

    SegmentIndexes indexes() {
        return indexes;
    }

    public Computations computations() {
        return computations;
    }

    /** A segment as the API shows it. */
    public record Segment(String id, String name, String description, JsonNode condition, String status,
                          long peopleDone, long peopleTotal, long createdAt, long updatedAt, Long computedAt) {
    }

    /** One member of a segment. */
    public record Member(String personId, String userId, List<String> anonymousIds, long enteredAt) {
    }

    /** A segment a person is in. */
    public record Membership(String id, String name, long enteredAt) {
    }

    public Segment create(String workspaceId, JsonNode body) {
        Fields f = fields(body, true);
        String id = "seg_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", "");
        long now = clock.millis();
        db.inTransaction(c -> {
            long count = Sql.queryOne(c, "SELECT COUNT(*) FROM segments WHERE workspace_id = ?", rs -> rs.getLong(1),
                    workspaceId).orElse(0L);
            if (count >= MAX_SEGMENTS) {
                throw new ClientError(409, "limit_reached", "a workspace may have at most " + MAX_SEGMENTS + " segments", null);
            }
            Dependencies.check(id, f.condition(), conditions(c, workspaceId));
            long generation = nextGeneration(c, workspaceId);
            Sql.update(c, "INSERT INTO segments (id, workspace_id, name, description, condition, generation, status, "
                            + "people_done, people_total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
                    id, workspaceId, f.name(), f.description(), f.json().toString(), generation, Computations.COMPUTING,
                    now, now);
            return null;
        });
        changed(workspaceId);
        return get(workspaceId, id);
    }

    /** Changes name/description, or the condition (which starts a new computation of the membership). */
    public Segment update(String workspaceId, String id, JsonNode body) {
        Fields f = fields(body, false);
        long now = clock.millis();
        boolean recompute = db.inTransaction(c -> {
            Segment current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("segment " + id));
            String name = f.name() != null ? f.name() : current.name();
            String description = body.has("description") ? f.description() : current.description();
            if (f.condition() == null || f.json().equals(current.condition())) {
                Sql.update(c, "UPDATE segments SET name = ?, description = ?, updated_at = ? WHERE id = ? AND workspace_id = ?",
                        name, description, now, id, workspaceId);
                return false;
            }
            Map<String, Condition> others = conditions(c, workspaceId);
            others.remove(id);
            Dependencies.check(id, f.condition(), others);
            long generation = nextGeneration(c, workspaceId);
            Sql.update(c, "UPDATE segments SET name = ?, description = ?, condition = ?, generation = ?, status = ?, "
                            + "people_done = 0, updated_at = ? WHERE id = ? AND workspace_id = ?", name, description,
                    f.json().toString(), generation, Computations.COMPUTING, now, id, workspaceId);
            return true;
        });
        if (recompute) changed(workspaceId);
        return get(workspaceId, id);
    }

    public void delete(String workspaceId, String id) {
        db.inTransaction(c -> {
            find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("segment " + id));
            Map<String, Condition> all = conditions(c, workspaceId);
            for (Map.Entry<String, Condition> e : all.entrySet()) {
                if (!e.getKey().equals(id) && Conditions.segments(e.getValue()).contains(id)) {
                    throw new ClientError(409, "in_use", "segment " + id + " is used by segment " + e.getKey()
                            + "; change that one first", null);
                }
            }
            Sql.update(c, "DELETE FROM segments WHERE id = ? AND workspace_id = ?", id, workspaceId);
            Sql.update(c, "DELETE FROM segment_members WHERE segment_id = ? AND workspace_id = ?", id, workspaceId);
            return null;
        });
        indexes.reload(workspaceId);
    }

    public Segment get(String workspaceId, String id) {
        return db.read(c -> find(c, workspaceId, id)).orElseThrow(() -> ClientError.notFound("segment " + id));
    }

    public Page<Segment> list(String workspaceId, int limit, String cursor) {
        String after = after(cursor);
        List<Segment> rows = db.read(c -> Sql.query(c, "SELECT * FROM segments WHERE workspace_id = ? AND id > ? "
                + "ORDER BY id LIMIT ?", Segments::map, workspaceId, after, limit + 1));
        return page(rows, limit, Segment::id);
    }

    public long count(String workspaceId, String id) {
        get(workspaceId, id);
        return db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM segment_members WHERE segment_id = ? AND workspace_id = ?",
                rs -> rs.getLong(1), id, workspaceId).orElse(0L));
    }

    public Page<Member> members(String workspaceId, String id, int limit, String cursor) {
        get(workspaceId, id);
        String after = after(cursor);
        return db.read(c -> {
            List<Member> rows = Sql.query(c, "SELECT m.person_id, p.user_id, m.entered_at FROM segment_members m "
                            + "JOIN persons p ON p.id = m.person_id WHERE m.segment_id = ? AND m.workspace_id = ? "
                            + "AND m.person_id > ? ORDER BY m.person_id LIMIT ?",
                    rs -> new Member(rs.getString(1), rs.getString(2), List.of(), rs.getLong(3)), id, workspaceId, after,
                    limit + 1);
            List<Member> out = new ArrayList<>();
            for (Member m : rows) {
                // anonymous members are named by their anonymous ids (there is no userId to name them by)
                List<String> anon = m.userId() != null ? List.of() : Sql.query(c, "SELECT value FROM identities "
                        + "WHERE person_id = ? AND kind = 'anon' ORDER BY value", rs -> rs.getString(1), m.personId());
                out.add(new Member(m.personId(), m.userId(), anon, m.enteredAt()));
            }
            return page(out, limit, Member::personId);
        });
    }

    /** The segments a person is in, for {@code GET /people/{userId}}. */
    public List<Membership> ofPerson(String workspaceId, String personId) {
        return db.read(c -> Sql.query(c, "SELECT s.id, s.name, m.entered_at FROM segment_members m JOIN segments s "
                        + "ON s.id = m.segment_id WHERE m.person_id = ? AND m.workspace_id = ? ORDER BY m.entered_at, s.id",
                rs -> new Membership(rs.getString(1), rs.getString(2), rs.getLong(3)), personId, workspaceId));
    }

    /** How many people a condition selects now, and some of them, without saving anything. */
    public Previews.Result preview(String workspaceId, JsonNode body) {
        if (body == null || !body.isObject()) throw ClientError.invalid(null, "the body must be an object {condition}");
        JsonNode json = body.get("condition");
        if (json == null) throw ClientError.missing("condition");
        Condition condition = ConditionParser.parse(json, "condition");
        db.read(c -> {
            Dependencies.check("preview", condition, conditions(c, workspaceId));
            return null;
        });
        return previews.run(workspaceId, condition);
    }

    private void changed(String workspaceId) {
        indexes.reload(workspaceId);
        computations.request(workspaceId);
    }

    private record Fields(String name, String description, JsonNode json, Condition condition) {
    }

    private static Fields fields(JsonNode body, boolean creating) {
        if (body == null || !body.isObject()) throw ClientError.invalid(null, "the body must be a JSON object");
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!List.of("name", "description", "condition", "id", "status", "createdAt", "updatedAt", "progress",
                    "count", "computedAt").contains(n)) {
                throw ClientError.invalid(n, "unknown field " + n);
            }
        }
        String name = text(body, "name", MAX_NAME, creating);
        String description = text(body, "description", MAX_DESCRIPTION, false);
        JsonNode json = body.get("condition");
        if (json == null && creating) throw ClientError.missing("condition");
        Condition condition = json == null ? null : ConditionParser.parse(json, "condition");
        return new Fields(name, description, json, condition);
    }

    private static String text(JsonNode body, String field, int max, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing(field);
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > max) {
            throw ClientError.invalid(field, field + " must be a non-empty string of at most " + max + " characters");
        }
        return v.textValue();
    }

    private static long nextGeneration(Connection c, String workspaceId) throws SQLException {
        Sql.update(c, "INSERT INTO segment_generations (workspace_id, generation) VALUES (?, 0) "
                + "ON CONFLICT (workspace_id) DO NOTHING", workspaceId);
        Sql.update(c, "UPDATE segment_generations SET generation = generation + 1 WHERE workspace_id = ?", workspaceId);
        return SegmentIndexes.generation(c, workspaceId);
    }

    private static Map<String, Condition> conditions(Connection c, String workspaceId) throws SQLException {
        Map<String, Condition> out = new HashMap<>();
        for (Object[] r : Sql.query(c, "SELECT id, condition FROM segments WHERE workspace_id = ?",
                rs -> new Object[] {rs.getString(1), rs.getString(2)}, workspaceId)) {
            out.put((String) r[0], ConditionParser.parse(Json.parse((String) r[1]), "condition"));
        }
        return out;
    }

    private static Optional<Segment> find(Connection c, String workspaceId, String id) throws SQLException {
        return Sql.queryOne(c, "SELECT * FROM segments WHERE id = ? AND workspace_id = ?", Segments::map, id, workspaceId);
    }

    private static Segment map(ResultSet rs) throws SQLException {
        return new Segment(rs.getString("id"), rs.getString("name"), rs.getString("description"),
                Json.parse(rs.getString("condition")), rs.getString("status"), rs.getLong("people_done"),
                rs.getLong("people_total"), rs.getLong("created_at"), rs.getLong("updated_at"),
                Sql.nullableLong(rs, "computed_at"));
    }

    private static String after(String cursor) {
        if (cursor == null) return "";
        String[] parts = Page.parseCursor(cursor, 1);
        if (parts == null) throw ClientError.invalid("cursor", "cursor is not one this API returned");
        return parts[0];
    }

    private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> key) {
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<T> data = rows.subList(0, limit);
        return new Page<>(List.copyOf(data), Page.cursor(key.apply(data.get(limit - 1))));
    }

    @Override
    public void close() {
        computations.close();
    }
}
