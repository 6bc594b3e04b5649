package io.herald.preference;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import io.herald.segment.Segments;
import io.herald.store.Database;
import io.herald.store.Page;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin API's subscription topics: categories a person opts in to or out of per channel, each with the answer
 * for people who never chose ({@code defaultOptIn}). Every query is scoped to the caller's workspace.
 *
 * <p>Creating or deleting a topic, or changing its default, changes who is subscribed to it without any person's
 * event, so the segments that name it are recomputed ({@link Segments#recomputeUsingTopic}).
 */
public final class Topics {
    static final int MAX_KEY = 64;
    static final int MAX_NAME = 200;
    static final int MAX_TOPICS = 1000;
    private static final Pattern KEY = Pattern.compile("[a-z0-9_.-]{1," + MAX_KEY + "}");
    /** Fields a client may send back as it read them; only name and defaultOptIn change. */
    private static final Set<String> FIELDS = Set.of("key", "name", "defaultOptIn", "createdAt");

    private final Database db;
    private final Segments segments;
    private final InstantSource clock;

    public Topics(Database db, Segments segments, InstantSource clock) {
        this.db = db;
        this.segments = segments;
        this.clock = clock;
    }

    /** A topic as the API shows it. */
    public record Topic(String key, String name, boolean defaultOptIn, long createdAt) {
    }

    public Topic create(String workspaceId, JsonNode body) {
        checkFields(body);
        String key = key(body);
        String name = name(body, true);
        Boolean defaultOptIn = defaultOptIn(body, true);
        long now = clock.millis();
        db.inTransaction(c -> {
            long count = Sql.queryOne(c, "SELECT COUNT(*) FROM topics WHERE workspace_id = ?", rs -> rs.getLong(1),
                    workspaceId).orElse(0L);
            if (count >= MAX_TOPICS) {
                throw new ClientError(409, "limit_reached", "a workspace may have at most " + MAX_TOPICS + " topics", null);
            }
            int inserted = Sql.update(c, "INSERT INTO topics (workspace_id, topic_key, name, default_opt_in, created_at) "
                    + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, topic_key) DO NOTHING",
                    workspaceId, key, name, defaultOptIn, now);
            if (inserted == 0) {
                throw new ClientError(409, "already_exists", "topic " + key + " already exists", "key");
            }
            return null;
        });
        // Segments naming a topic the workspace did not have selected nobody; now its default (or choices people
        // made for an earlier topic of that key) applies.
        segments.recomputeUsingTopic(workspaceId, key);
        return get(workspaceId, key);
    }

    public Page<Topic> list(String workspaceId, int limit, String cursor) {
        if (limit < 1 || limit > Page.MAX_LIMIT) {
            throw ClientError.invalid("limit", "limit must be between 1 and " + Page.MAX_LIMIT);
        }
        String after = "";
        if (cursor != null) {
            String[] parts = Page.parseCursor(cursor, 1);
            if (parts == null) throw ClientError.invalid("cursor", "cursor is not one this API returned");
            after = parts[0];
        }
        String from = after;
        List<Topic> rows = db.read(c -> Sql.query(c, "SELECT * FROM topics WHERE workspace_id = ? AND topic_key > ? "
                + "ORDER BY topic_key LIMIT ?", Topics::map, workspaceId, from, limit + 1));
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<Topic> data = List.copyOf(rows.subList(0, limit));
        return new Page<>(data, Page.cursor(data.get(limit - 1).key()));
    }

    public Topic get(String workspaceId, String key) {
        return db.read(c -> find(c, workspaceId, key)).orElseThrow(() -> notFound(key));
    }

    /** Changes the name and/or the default; a changed default recomputes the segments that name the topic. */
    public Topic update(String workspaceId, String key, JsonNode body) {
        checkFields(body);
        JsonNode bodyKey = body.get("key");
        if (bodyKey != null && !bodyKey.isNull() && !(bodyKey.isTextual() && bodyKey.textValue().equals(key))) {
            throw ClientError.invalid("key", "key cannot change: create a topic with the new key instead");
        }
        String name = name(body, false);
        Boolean defaultOptIn = defaultOptIn(body, false);
        boolean defaultChanged = db.inTransaction(c -> {
            Topic current = find(c, workspaceId, key).orElseThrow(() -> notFound(key));
            String newName = name != null ? name : current.name();
            boolean newDefault = defaultOptIn != null ? defaultOptIn : current.defaultOptIn();
            if (newName.equals(current.name()) && newDefault == current.defaultOptIn()) return false;
            Sql.update(c, "UPDATE topics SET name = ?, default_opt_in = ? WHERE workspace_id = ? AND topic_key = ?",
                    newName, newDefault, workspaceId, key);
            return newDefault != current.defaultOptIn();
        });
        if (defaultChanged) segments.recomputeUsingTopic(workspaceId, key);
        return get(workspaceId, key);
    }

    /**
     * Deletes a topic: segments that name it select nobody from then on. People's stored choices for it are kept
     * (changing them is for their own log): they are not shown, and apply again if a topic of that key is created.
     */
    public void delete(String workspaceId, String key) {
        db.inTransaction(c -> {
            find(c, workspaceId, key).orElseThrow(() -> notFound(key));
            Sql.update(c, "DELETE FROM topics WHERE workspace_id = ? AND topic_key = ?", workspaceId, key);
            return null;
        });
        segments.recomputeUsingTopic(workspaceId, key);
    }

    /** The keys of the workspace's topics. */
    static Set<String> keys(Connection c, String workspaceId) throws SQLException {
        return new HashSet<>(Sql.query(c, "SELECT topic_key FROM topics WHERE workspace_id = ?", rs -> rs.getString(1),
                workspaceId));
    }

    private static Optional<Topic> find(Connection c, String workspaceId, String key) throws SQLException {
        return Sql.queryOne(c, "SELECT * FROM topics WHERE workspace_id = ? AND topic_key = ?", Topics::map,
                workspaceId, key);
    }

    private static Topic map(ResultSet rs) throws SQLException {
        return new Topic(rs.getString("topic_key"), rs.getString("name"), rs.getBoolean("default_opt_in"),
                rs.getLong("created_at"));
    }

    private static ClientError notFound(String key) {
        return ClientError.notFound("topic " + key);
    }

    private static void checkFields(JsonNode body) {
        if (body == null || !body.isObject()) throw new ClientError(400, "invalid_json", "the body must be a JSON object", null);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!FIELDS.contains(n)) throw ClientError.invalid(n, "unknown field " + n);
        }
    }

    private static String key(JsonNode body) {
        JsonNode v = body.get("key");
        if (v == null || v.isNull()) throw ClientError.missing("key");
        if (!v.isTextual() || !KEY.matcher(v.textValue()).matches()) {
            throw ClientError.invalid("key", "key must be 1 to " + MAX_KEY + " characters of a-z, 0-9, _, . and -");
        }
        return v.textValue();
    }

    private static String name(JsonNode body, boolean required) {
        JsonNode v = body.get("name");
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing("name");
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > MAX_NAME) {
            throw ClientError.invalid("name", "name must be a non-empty string of at most " + MAX_NAME + " characters");
        }
        if (v.textValue().indexOf('\u0000') >= 0) throw ClientError.invalid("name", "name must not contain the NUL character");
        return v.textValue();
    }

    private static Boolean defaultOptIn(JsonNode body, boolean required) {
        JsonNode v = body.get("defaultOptIn");
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing("defaultOptIn");
            return null;
        }
        if (!v.isBoolean()) throw ClientError.invalid("defaultOptIn", "defaultOptIn must be true or false");
        return v.booleanValue();
    }
}
