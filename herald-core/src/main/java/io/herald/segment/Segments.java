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
    static final int MAX_KEY = 200;
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,200}");
    /**
     * A segment id, bound with its workspace's: memberships name no workspace (V18), so a query reaches them
     * through a segment of the caller's workspace, or through nothing.
     */
    public static final String OWN_SEGMENT = "(SELECT id FROM segments WHERE id = ? AND workspace_id = ?)";

    private final Database db;
    private final SegmentIndexes indexes;
    private final Computations computations;
    private final Previews previews;
    private final InstantSource clock;
    private volatile Users users = (c, workspaceId, segmentId) -> Optional.empty();

    /** What else in the workspace may depend on a segment (campaigns): a segment in use is not deleted. */
    @FunctionalInterface
    public interface Users {
        /** A description of something using the segment ("campaign cmp_… (Spring sale)"), if anything does. */
        Optional<String> usedBy(java.sql.Connection c, String workspaceId, String segmentId) throws java.sql.SQLException;
    }

    /** Tells the segments who else uses them (set once, at wiring: campaigns depend on segments, not the reverse). */
    public void usedBy(Users users) {
        this.users = users;
    }

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
    public record Segment(String id, String key, String name, String description, JsonNode condition, String status,
                          long peopleDone, long peopleTotal, long createdAt, long updatedAt, Long computedAt) {
    }

    /** One member of a segment. */
    public record Member(String personId, String userId, List<String> anonymousIds, long enteredAt) {
    }

    /** A segment a person is in. */
    public record Membership(String id, String name, long enteredAt) {
    }

    public Segment create(String workspaceId, JsonNode body) {
        return create(workspaceId, "seg_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", ""), body);
    }

    /**
     * Creates a segment under an id chosen by the caller: the simulator copies a workspace's segments into its
     * scratch store by id, so the campaigns and segments naming them work unchanged there.
     */
    public Segment create(String workspaceId, String id, JsonNode body) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ClientError.invalid("id", "a segment id is 1 to 200 letters, digits, '_', '-', '.' or ':'");
        }
        Fields f = fields(body, true);
        long now = clock.millis();
        db.inTransaction(c -> {
            lockSegments(c, workspaceId);
            if (Sql.queryOne(c, "SELECT 1 FROM segments WHERE id = ?", rs -> 1, id).isPresent()) { // ids are global
                throw new ClientError(409, "already_exists", "a segment with id " + id + " exists", "id");
            }
            long count = Sql.queryOne(c, "SELECT COUNT(*) FROM segments WHERE workspace_id = ?", rs -> rs.getLong(1),
                    workspaceId).orElse(0L);
            if (count >= MAX_SEGMENTS) {
                throw new ClientError(409, "limit_reached", "a workspace may have at most " + MAX_SEGMENTS + " segments", null);
            }
            Dependencies.check(id, f.references(), conditions(c, workspaceId));
            checkKeyFree(c, workspaceId, f.key());
            long generation = nextGeneration(c, workspaceId);
            Sql.update(c, "INSERT INTO segments (id, workspace_id, segment_key, name, description, condition, generation, "
                            + "status, people_done, people_total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
                    id, workspaceId, f.key(), f.name(), f.description(), f.json().toString(), generation,
                    Computations.COMPUTING, now, now);
            return null;
        });
        changed(workspaceId);
        return get(workspaceId, id);
    }

    /** Changes name/description, or the condition (which starts a new computation of the membership). */
    public Segment update(String workspaceId, String id, JsonNode body) {
        Fields f = fields(body, false);
        long now = clock.millis();
        Edit edit = db.inTransaction(c -> {
            lockSegments(c, workspaceId);
            Segment current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("segment " + id));
            String name = f.name() != null ? f.name() : current.name();
            String description = body.has("description") ? f.description() : current.description();
            String key = body.has("key") ? f.key() : current.key();
            if (key != null && !key.equals(current.key())) checkKeyFree(c, workspaceId, key);
            if (f.condition() == null || f.json().equals(current.condition())) {
                Sql.update(c, "UPDATE segments SET segment_key = ?, name = ?, description = ?, updated_at = ? WHERE id = ? "
                        + "AND workspace_id = ?", key, name, description, now, id, workspaceId);
                return name.equals(current.name()) ? Edit.DESCRIPTION : Edit.NAME;
            }
            Map<String, Condition> others = conditions(c, workspaceId);
            others.remove(id);
            Dependencies.check(id, f.references(), others);
            long generation = nextGeneration(c, workspaceId);
            Sql.update(c, "UPDATE segments SET segment_key = ?, name = ?, description = ?, condition = ?, generation = ?, "
                            + "status = ?, people_done = 0, updated_at = ? WHERE id = ? AND workspace_id = ?", key, name,
                    description, f.json().toString(), generation, Computations.COMPUTING, now, id, workspaceId);
            return Edit.CONDITION;
        });
        switch (edit) {
            case CONDITION -> changed(workspaceId);
            // The processor announces entries and exits with the segment's name from the index: keep it current.
            case NAME -> indexes.reload(workspaceId);
            case DESCRIPTION -> { }
        }
        return get(workspaceId, id);
    }

    /** What an update changed, and so what must follow it. */
    private enum Edit { DESCRIPTION, NAME, CONDITION }

    /**
     * A topic was created, deleted, or its default changed: who is subscribed to it changed for everyone who never
     * chose, so the segments whose conditions name it are computed again, exactly as if their condition had been
     * edited (a new generation, status {@code computing}, the background computation over everyone). As with an
     * edit, the membership that computation finds is recorded without {@code segment.entered}/{@code exited}
     * events. A segment that uses one of those through {@code {"segment": id}} is re-evaluated with it.
     *
     * @return the ids of the segments recomputed (none when no segment names the topic)
     */
    public List<String> recomputeUsingTopic(String workspaceId, String topicKey) {
        List<String> ids = db.inTransaction(c -> {
            List<String> using = new ArrayList<>();
            for (Map.Entry<String, Condition> e : conditions(c, workspaceId).entrySet()) {
                if (Conditions.topics(e.getValue()).contains(topicKey)) using.add(e.getKey());
            }
            if (using.isEmpty()) return using;
            java.util.Collections.sort(using);
            long generation = nextGeneration(c, workspaceId);
            for (String id : using) {
                Sql.update(c, "UPDATE segments SET generation = ?, status = ?, people_done = 0 WHERE id = ? "
                        + "AND workspace_id = ?", generation, Computations.COMPUTING, id, workspaceId);
            }
            return using;
        });
        if (!ids.isEmpty()) changed(workspaceId);
        return ids;
    }

    public void delete(String workspaceId, String id) {
        db.inTransaction(c -> {
            lockSegments(c, workspaceId);
            find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("segment " + id));
            Map<String, Condition> all = conditions(c, workspaceId);
            for (Map.Entry<String, Condition> e : all.entrySet()) {
                if (!e.getKey().equals(id) && Conditions.segments(e.getValue()).contains(id)) {
                    throw new ClientError(409, "in_use", "segment " + id + " is used by segment " + e.getKey()
                            + "; change that one first", null);
                }
            }
            Optional<String> user = users.usedBy(c, workspaceId, id);
            if (user.isPresent()) {
                throw new ClientError(409, "in_use", "segment " + id + " is used by " + user.get()
                        + "; change or archive that first", null);
            }
            Sql.update(c, "DELETE FROM segments WHERE id = ? AND workspace_id = ?", id, workspaceId);
            // the segment was found in this workspace above, and its id is nobody else's
            Sql.update(c, "DELETE FROM segment_members WHERE segment_id = ?", id);
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
        return db.read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM segment_members WHERE segment_id = " + OWN_SEGMENT,
                rs -> rs.getLong(1), id, workspaceId).orElse(0L));
    }

    public Page<Member> members(String workspaceId, String id, int limit, String cursor) {
        get(workspaceId, id);
        String after = after(cursor);
        return db.read(c -> {
            List<Member> rows = Sql.query(c, "SELECT m.person_id, p.user_id, m.entered_at FROM segment_members m "
                            + "JOIN persons p ON p.id = m.person_id WHERE m.segment_id = " + OWN_SEGMENT + " "
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
                        + "ON s.id = m.segment_id WHERE m.person_id = ? AND s.workspace_id = ? "
                        + "ORDER BY m.entered_at, s.id",
                rs -> new Membership(rs.getString(1), rs.getString(2), rs.getLong(3)), personId, workspaceId));
    }

    /** How many people a condition selects now, and some of them, without saving anything. */
    public Previews.Result preview(String workspaceId, JsonNode body) {
        requireObject(body);
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            // name and description are let through so that a segment about to be created can be previewed as is
            if (!List.of("condition", "name", "description").contains(n)) throw ClientError.invalid(n, "unknown field " + n);
        }
        JsonNode json = body.get("condition");
        if (json == null) throw ClientError.missing("condition");
        ConditionParser.Parsed parsed = ConditionParser.read(json, "condition");
        db.read(c -> {
            Dependencies.check(null, parsed.references(), conditions(c, workspaceId));
            return null;
        });
        return previews.run(workspaceId, parsed.condition());
    }

    private void changed(String workspaceId) {
        indexes.reload(workspaceId);
        computations.request(workspaceId);
    }

    private record Fields(String key, String name, String description, JsonNode json, ConditionParser.Parsed parsed) {
        Condition condition() {
            return parsed == null ? null : parsed.condition();
        }

        List<ConditionParser.Reference> references() {
            return parsed.references();
        }
    }

    private static Fields fields(JsonNode body, boolean creating) {
        requireObject(body);
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!List.of("key", "name", "description", "condition", "id", "status", "createdAt", "updatedAt", "progress",
                    "count", "computedAt").contains(n)) {
                throw ClientError.invalid(n, "unknown field " + n);
            }
        }
        String key = text(body, "key", MAX_KEY, false);
        String name = text(body, "name", MAX_NAME, creating);
        String description = text(body, "description", MAX_DESCRIPTION, false);
        JsonNode json = body.get("condition");
        if (json == null && creating) throw ClientError.missing("condition");
        ConditionParser.Parsed parsed = json == null ? null : ConditionParser.read(json, "condition");
        return new Fields(key, name, description, json, parsed);
    }

    /** As the tracking API answers a body that is JSON but not an object (docs/api.md, "invalid_json"). */
    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the request body must be a JSON object", null);
        }
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
        // Stored in a TEXT column, which on PostgreSQL cannot hold U+0000.
        if (v.textValue().indexOf('\u0000') >= 0) {
            throw ClientError.invalid(field, field + " must not contain the NUL character");
        }
        return v.textValue();
    }

    /** A segment's key names one segment of the workspace: the stable name files use for it (campaigns as code). */
    private static void checkKeyFree(Connection c, String workspaceId, String key) throws SQLException {
        if (key != null && Sql.queryOne(c, "SELECT 1 FROM segments WHERE workspace_id = ? AND segment_key = ?", rs -> 1,
                workspaceId, key).isPresent()) {
            throw new ClientError(409, "already_exists", "a segment with key " + key + " exists", "key");
        }
    }

    /**
     * Takes the workspace's generation row for the rest of the transaction, before anything about its segments is
     * read. Checks span segments (a cycle needs two, the limit counts them all): on PostgreSQL, under read
     * committed, two edits that each pass alone (A uses B; B uses A) would otherwise both commit. Holding the row,
     * the second waits and then reads what the first wrote. (SQLite has one writer at a time anyway.)
     */
    private static void lockSegments(Connection c, String workspaceId) throws SQLException {
        Sql.update(c, "INSERT INTO segment_generations (workspace_id, generation) VALUES (?, 0) "
                + "ON CONFLICT (workspace_id) DO NOTHING", workspaceId);
        Sql.update(c, "UPDATE segment_generations SET generation = generation WHERE workspace_id = ?", workspaceId);
    }

    private static long nextGeneration(Connection c, String workspaceId) throws SQLException {
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
        return new Segment(rs.getString("id"), rs.getString("segment_key"), rs.getString("name"), rs.getString("description"),
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
