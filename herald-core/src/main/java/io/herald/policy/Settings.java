package io.herald.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A workspace's settings documents in {@code workspace_settings}: {@code policies} (the guard rails the gate
 * applies) and {@code styles} (in-app global styles). Every method is scoped to one workspace.
 *
 * <p>The gate reads the policies on every delivery, and every in-app client's list and stream start with the styles,
 * so both are kept parsed per workspace. A PUT here drops the workspace's entries at once; another Herald process sharing the database sees a change within {@link #TTL_MS}, the
 * most an entry is trusted.
 */
public final class Settings {
    static final String POLICIES = "policies";
    static final String STYLES = "styles";
    /** How long a cached document is trusted without re-reading it (changes made by other nodes). */
    static final long TTL_MS = 5_000;

    private final Database db;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Cached<Policies>> policiesCache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Cached<Styled>> stylesCache = new ConcurrentHashMap<>();
    /**
     * Bumped by every PUT. A read that began before a PUT committed must not leave what it read in the cache after
     * the PUT dropped the entry.
     */
    private final AtomicLong generation = new AtomicLong();

    private record Cached<T>(T value, long loadedAt) {
    }

    /** The styles parsed, and as the JSON text every in-app list and stream sends. */
    private record Styled(ObjectNode doc, String json) {
    }

    /** Reads a document on a connection; may throw what JDBC throws. */
    private interface Loader<T> {
        T load(Connection c) throws SQLException;
    }

    public Settings(Database db, InstantSource clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The workspace's policies document (defaults when never set). */
    public ObjectNode policies(String workspaceId) {
        return db.read(c -> load(c, workspaceId)).toJson();
    }

    /** Replaces the workspace's policies with {@code body} (validated first: a mistake changes nothing). */
    public ObjectNode putPolicies(String workspaceId, JsonNode body) {
        Policies p = Policies.parse(body);
        ObjectNode doc = p.toJson();
        write(workspaceId, POLICIES, doc);
        return doc;
    }

    /** The workspace's in-app styles (defaults for everything never set). */
    public ObjectNode styles(String workspaceId) {
        // The copy keeps callers from changing the cached document.
        return styled(workspaceId).doc().deepCopy();
    }

    /** {@link #styles} as JSON text, what the in-app list and stream send as it is. */
    public String stylesJson(String workspaceId) {
        return styled(workspaceId).json();
    }

    private Styled styled(String workspaceId) {
        // Parsing checks every value against its grammar: worth doing once per change, not once per request; a hit
        // needs no connection from the pool either.
        Cached<Styled> hit = stylesCache.get(workspaceId);
        if (hit != null && Math.abs(clock.millis() - hit.loadedAt) < TTL_MS) return hit.value;
        return db.read(c -> cached(stylesCache, c, workspaceId, cc -> {
            ObjectNode doc = read(cc, workspaceId, STYLES).map(Styles::parse).orElseGet(Styles::defaults);
            return new Styled(doc, doc.toString());
        }));
    }

    /** Replaces the workspace's styles with {@code body} over the defaults (validated first). */
    public ObjectNode putStyles(String workspaceId, JsonNode body) {
        ObjectNode doc = Styles.parse(body);
        write(workspaceId, STYLES, doc);
        return doc;
    }

    /** The workspace's policies as the gate applies them, read on {@code c} when not cached. */
    public Policies policiesFor(Connection c, String workspaceId) throws SQLException {
        return cached(policiesCache, c, workspaceId, cc -> load(cc, workspaceId));
    }

    private <T> T cached(ConcurrentHashMap<String, Cached<T>> cache, Connection c, String workspaceId, Loader<T> loader)
            throws SQLException {
        long now = clock.millis();
        Cached<T> hit = cache.get(workspaceId);
        if (hit != null && Math.abs(now - hit.loadedAt) < TTL_MS) return hit.value;
        long gen = generation.get();
        T value = loader.load(c);
        Cached<T> entry = new Cached<>(value, now);
        cache.put(workspaceId, entry);
        // A PUT bumps the generation after its commit and then drops the entry: checking after our put catches a
        // PUT that committed while we read, whichever of its two steps came first.
        if (generation.get() != gen) cache.remove(workspaceId, entry);
        return value;
    }

    /** Reads and parses the stored policies; no cache. */
    static Policies load(Connection c, String workspaceId) throws SQLException {
        return read(c, workspaceId, POLICIES).map(Policies::parse).orElse(Policies.DEFAULT);
    }

    private void write(String workspaceId, String kind, ObjectNode doc) {
        long now = clock.millis();
        db.inTransaction(c -> Sql.update(c, "INSERT INTO workspace_settings (workspace_id, kind, value, updated_at) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, kind) DO UPDATE SET value = excluded.value, "
                + "updated_at = excluded.updated_at", workspaceId, kind, doc.toString(), now));
        generation.incrementAndGet();
        policiesCache.remove(workspaceId);
        stylesCache.remove(workspaceId);
    }

    private static Optional<JsonNode> read(Connection c, String workspaceId, String kind) throws SQLException {
        Optional<String> v = Sql.queryOne(c, "SELECT value FROM workspace_settings WHERE workspace_id = ? AND kind = ?",
                rs -> rs.getString(1), workspaceId, kind);
        if (v.isEmpty()) return Optional.empty();
        try {
            return Optional.of(EventCodec.mapper().readTree(v.get()));
        } catch (JsonProcessingException e) {
            throw new SQLException("corrupt " + kind + " settings in the store for workspace " + workspaceId, e);
        }
    }
}
