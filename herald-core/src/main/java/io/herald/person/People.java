package io.herald.person;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.Event;
import io.herald.event.EventCodec;
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
import java.util.List;
import java.util.Optional;

/**
 * The admin API's view of people: look-up, search, history, export and erasure. Every query is scoped to the
 * caller's workspace, so one workspace's key can never read another's people.
 */
public final class People {
    private static final int MAX_QUERY_LENGTH = 200;

    private final Database db;
    private final EventLog eventLog;
    private final BatchGuard guard;
    private final InstantSource clock;

    /** @param guard the person processor's, so that erasure runs while no batch does */
    public People(Database db, EventLog eventLog, BatchGuard guard, InstantSource clock) {
        this.db = db;
        this.eventLog = eventLog;
        this.guard = guard;
        this.clock = clock;
    }

    /** Everything the store holds about a person, for {@code GET /people/{userId}/export}. */
    public record Export(Person person, List<PersonEvent> events) {
    }

    public Optional<Person> byUserId(String workspaceId, String userId) {
        return db.read(c -> {
            Optional<String> id = personIdBy(c, workspaceId, PersonCache.USER, userId);
            return id.isEmpty() ? Optional.empty() : load(c, id.get());
        });
    }

    public Optional<Person> byAnonymousId(String workspaceId, String anonymousId) {
        noNul("anonymousId", anonymousId);
        return db.read(c -> {
            Optional<String> id = personIdBy(c, workspaceId, PersonCache.ANON, anonymousId);
            return id.isEmpty() ? Optional.empty() : load(c, id.get());
        });
    }

    /**
     * People whose userId or an anonymous id starts with {@code query}, or whose attributes contain it (an email,
     * a name); every person when the query is empty. Ordered by creation.
     */
    public Page<Person> search(String workspaceId, String query, int limit, String cursor) {
        checkLimit(limit);
        if (query != null && query.length() > MAX_QUERY_LENGTH) {
            throw ClientError.invalid("query", "query must be at most " + MAX_QUERY_LENGTH + " characters");
        }
        noNul("query", query);
        String after = "";
        if (cursor != null) {
            String[] parts = Page.parseCursor(cursor, 1);
            if (parts == null) throw ClientError.invalid("cursor", "cursor is not one this API returned");
            after = parts[0];
        }
        String afterId = after;
        return db.read(c -> {
            List<String> ids;
            if (query == null || query.isBlank()) {
                ids = Sql.query(c, "SELECT id FROM persons WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ?",
                        rs -> rs.getString(1), workspaceId, afterId, limit + 1);
            } else {
                String prefix = escapeLike(query) + "%";
                String contains = "%" + escapeLike(query) + "%";
                String like = db.dialect().ilike();
                ids = Sql.query(c, "SELECT p.id FROM persons p WHERE p.workspace_id = ? AND p.id > ? AND ("
                                + "p.attributes " + like + " ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM identities i "
                                + "WHERE i.person_id = p.id AND i.value " + like + " ? ESCAPE '\\')) ORDER BY p.id LIMIT ?",
                        rs -> rs.getString(1), workspaceId, afterId, contains, prefix, limit + 1);
            }
            List<Person> people = new ArrayList<>();
            for (String id : ids.subList(0, Math.min(limit, ids.size()))) load(c, id).ifPresent(people::add);
            String next = ids.size() > limit ? Page.cursor(ids.get(limit - 1)) : null;
            return new Page<>(people, next);
        });
    }

    /** A person's events, newest first. */
    public Page<PersonEvent> events(String workspaceId, String userId, int limit, String cursor) {
        checkLimit(limit);
        long beforeTs = Long.MAX_VALUE;
        long beforeSeq = Long.MAX_VALUE;
        if (cursor != null) {
            String[] parts = Page.parseCursor(cursor, 2);
            try {
                if (parts == null) throw new NumberFormatException();
                beforeTs = Long.parseLong(parts[0]);
                beforeSeq = Long.parseLong(parts[1]);
            } catch (NumberFormatException e) {
                throw ClientError.invalid("cursor", "cursor is not one this API returned");
            }
        }
        long ts = beforeTs;
        long seq = beforeSeq;
        return db.read(c -> {
            String personId = personIdBy(c, workspaceId, PersonCache.USER, userId)
                    .orElseThrow(() -> ClientError.notFound("person " + userId));
            List<Object[]> rows = Sql.query(c, "SELECT message_id, type, event, name, properties, context, ts, "
                            + "received_at, seq FROM person_events WHERE person_id = ? AND (ts < ? OR (ts = ? AND seq < ?)) "
                            + "ORDER BY ts DESC, seq DESC LIMIT ?",
                    rs -> new Object[] {mapEvent(rs), rs.getLong("ts"), rs.getLong("seq")},
                    personId, ts, ts, seq, limit + 1);
            List<PersonEvent> data = new ArrayList<>();
            for (int i = 0; i < Math.min(limit, rows.size()); i++) data.add((PersonEvent) rows.get(i)[0]);
            String next = null;
            if (rows.size() > limit) {
                Object[] lastRow = rows.get(limit - 1);
                next = Page.cursor(String.valueOf(lastRow[1]), String.valueOf(lastRow[2]));
            }
            return new Page<>(data, next);
        });
    }

    public Export export(String workspaceId, String userId) {
        return db.read(c -> {
            String personId = personIdBy(c, workspaceId, PersonCache.USER, userId)
                    .orElseThrow(() -> ClientError.notFound("person " + userId));
            Person person = load(c, personId).orElseThrow(() -> ClientError.notFound("person " + userId));
            List<PersonEvent> events = Sql.query(c, "SELECT message_id, type, event, name, properties, context, ts, "
                    + "received_at FROM person_events WHERE person_id = ? ORDER BY ts, seq", People::mapEvent, personId);
            return new Export(person, events);
        });
    }

    /**
     * Erases a person: profile, identities, events (in the history and the log), where their ids route in the log,
     * devices, timers, campaign runs and deliveries. With {@code suppress}, their user ids are remembered so later
     * events cannot re-create them. Returns the erased person's id (for what servers keep in memory of them).
     */
    public String erase(String workspaceId, String userId, boolean suppress) {
        // No batch may be between reading this person and writing them back while they are erased.
        return guard.exclusively(() -> eraseNow(workspaceId, userId, suppress));
    }

    private String eraseNow(String workspaceId, String userId, boolean suppress) {
        // The raw log rows and routes hold the same personal data as the history, so they go too, and first: the log
        // may be another store, and if the erasure stops half way a repeated call still finds them through the
        // history and the identities.
        List<String> routingKeys = new ArrayList<>();
        List<String> messageIds = db.read(c -> {
            String personId = personIdBy(c, workspaceId, PersonCache.USER, userId)
                    .orElseThrow(() -> ClientError.notFound("person " + userId));
            for (String[] id : Sql.query(c, "SELECT kind, value FROM identities WHERE person_id = ?",
                    rs -> new String[] {rs.getString(1), rs.getString(2)}, personId)) {
                routingKeys.add(id[0].equals(PersonCache.USER) ? Event.userKey(id[1]) : Event.anonymousKey(id[1]));
            }
            routingKeys.addAll(Sql.query(c, "SELECT token FROM devices WHERE person_id = ?",
                    rs -> Event.deviceKey(rs.getString(1)), personId));
            return Sql.query(c, "SELECT message_id FROM person_events WHERE person_id = ?", rs -> rs.getString(1),
                    personId);
        });
        eventLog.forget(workspaceId, messageIds);
        eventLog.forgetRoutes(workspaceId, routingKeys);
        return db.inTransaction(c -> {
            String personId = personIdBy(c, workspaceId, PersonCache.USER, userId)
                    .orElseThrow(() -> ClientError.notFound("person " + userId));
            if (suppress) {
                List<String> userIds = Sql.query(c, "SELECT value FROM identities WHERE person_id = ? AND kind = ?",
                        rs -> rs.getString(1), personId, PersonCache.USER);
                for (String u : userIds) {
                    Sql.update(c, "INSERT INTO suppressed_users (workspace_id, user_id, created_at) VALUES (?, ?, ?) "
                            + "ON CONFLICT (workspace_id, user_id) DO NOTHING", workspaceId, u, clock.millis());
                }
            }
            Sql.update(c, "DELETE FROM person_events WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM devices WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM timers WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM segment_members WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM segment_state WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM person_preferences WHERE person_id = ?", personId);
            // Campaign runs hold the trigger's data, deliveries the rendered messages: personal data as well.
            Sql.update(c, "DELETE FROM run_steps WHERE run_id IN (SELECT id FROM campaign_runs WHERE person_id = ?)", personId);
            Sql.update(c, "DELETE FROM campaign_runs WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM deliveries WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM inapp_feed WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM identities WHERE person_id = ?", personId);
            Sql.update(c, "DELETE FROM persons WHERE id = ?", personId);
            return personId;
        });
    }

    private static Optional<String> personIdBy(Connection c, String workspaceId, String kind, String value)
            throws SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE workspace_id = ? AND kind = ? AND value = ?",
                rs -> rs.getString(1), workspaceId, kind, value);
    }

    private static Optional<Person> load(Connection c, String personId) throws SQLException {
        Optional<Object[]> row = Sql.queryOne(c, "SELECT user_id, attributes, created_at, last_seen_at, timezone, "
                + "locale FROM persons WHERE id = ?", rs -> new Object[] {rs.getString(1), rs.getString(2),
                rs.getLong(3), rs.getLong(4), rs.getString(5), rs.getString(6)}, personId);
        if (row.isEmpty()) return Optional.empty();
        Object[] r = row.get();
        List<String> userIds = new ArrayList<>();
        List<String> anonymousIds = new ArrayList<>();
        for (String[] id : Sql.query(c, "SELECT kind, value FROM identities WHERE person_id = ? ORDER BY created_at, value",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, personId)) {
            (id[0].equals(PersonCache.USER) ? userIds : anonymousIds).add(id[1]);
        }
        List<Device> devices = Sql.query(c, "SELECT id, token, platform, provider, app_id, push_enabled, created_at, "
                + "updated_at FROM devices WHERE person_id = ? ORDER BY created_at", rs -> new Device(rs.getString(1),
                rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getBoolean(6), rs.getLong(7),
                rs.getLong(8)), personId);
        return Optional.of(new Person(personId, (String) r[0], userIds, anonymousIds, json((String) r[1]),
                (Long) r[2], (Long) r[3], (String) r[4], (String) r[5], devices));
    }

    private static PersonEvent mapEvent(ResultSet rs) throws SQLException {
        return new PersonEvent(rs.getString("message_id"), rs.getString("type"), rs.getString("event"),
                rs.getString("name"), jsonOrNull(rs.getString("properties")), jsonOrNull(rs.getString("context")),
                rs.getLong("ts"), rs.getLong("received_at"));
    }

    private static ObjectNode json(String text) throws SQLException {
        return (ObjectNode) jsonOrNull(text);
    }

    private static JsonNode jsonOrNull(String text) throws SQLException {
        if (text == null) return null;
        try {
            return EventCodec.mapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("corrupt JSON in the store", e);
        }
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > Page.MAX_LIMIT) {
            throw ClientError.invalid("limit", "limit must be between 1 and " + Page.MAX_LIMIT);
        }
    }

    /** PostgreSQL cannot take U+0000 as a parameter, and no stored id or attribute text holds it. */
    private static void noNul(String field, String value) {
        if (value != null && value.indexOf('\u0000') >= 0) {
            throw ClientError.invalid(field, field + " must not contain the NUL character");
        }
    }
}
