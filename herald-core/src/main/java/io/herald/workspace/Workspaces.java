package io.herald.workspace;

import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Workspaces and their keys: creation, bootstrap, and authentication of a presented key.
 *
 * <p>Authentication looks a key up by its hash and then compares the hashes in constant time; answers are cached
 * briefly because every tracking request authenticates.
 */
public final class Workspaces {
    private static final Duration CACHE_TTL = Duration.ofSeconds(30);
    private static final int MAX_KEY_LENGTH = 512;

    private final Database db;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    /**
     * Identity secrets by workspace: every verified client request needs one, and a workspace's secret never changes
     * after it is created (nothing updates it), so it is read once. One entry per workspace.
     */
    private final ConcurrentHashMap<String, IdentitySecret> identitySecrets = new ConcurrentHashMap<>();

    private record IdentitySecret(String secret, Secrets.KeyedMac mac) {
    }

    private record Cached(Optional<Principal> principal, long expiresAt) {
    }

    /** The keys and secret of a newly created workspace; shown once, never stored in plain form (keys). */
    public record Created(Workspace workspace, String writeKey, String adminKey, String identitySecret) {
    }

    public Workspaces(Database db, InstantSource clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Creates workspace {@code default} when the store holds none, using the given keys and secret where not null
     * and generating the rest. Returns empty when workspaces already exist (then nothing changes).
     */
    public Optional<Created> bootstrap(String writeKey, String adminKey, String identitySecret) {
        return db.inTransaction(c -> {
            if (Sql.queryOne(c, "SELECT id FROM workspaces LIMIT 1", rs -> rs.getString(1)).isPresent()) {
                return Optional.empty();
            }
            return Optional.of(create(c, "default", writeKey, adminKey, identitySecret));
        });
    }

    /** Creates a workspace with a fresh write key, admin key and identity secret. */
    public Created create(String name) {
        validateName(name);
        return db.inTransaction(c -> {
            if (findByName(c, name).isPresent()) {
                throw new IllegalArgumentException("workspace '" + name + "' already exists");
            }
            return create(c, name, null, null, null);
        });
    }

    private Created create(Connection c, String name, String writeKey, String adminKey, String secret)
            throws SQLException {
        long now = clock.millis();
        Workspace ws = new Workspace(UuidCreator.getTimeOrderedEpoch().toString(), name, now);
        String identitySecret = secret != null ? secret : Secrets.generate("hs_");
        Sql.update(c, "INSERT INTO workspaces (id, name, identity_secret, created_at) VALUES (?, ?, ?, ?)",
                ws.id(), ws.name(), identitySecret, now);
        String write = insertKey(c, ws.id(), KeyKind.WRITE, writeKey);
        String admin = insertKey(c, ws.id(), KeyKind.ADMIN, adminKey);
        return new Created(ws, write, admin, identitySecret);
    }

    /** Creates another key for a workspace and returns it in plain form (the only time it is visible). */
    public String createKey(String workspaceName, KeyKind kind) {
        return db.inTransaction(c -> {
            Workspace ws = findByName(c, workspaceName).orElseThrow(
                    () -> new IllegalArgumentException("no workspace named '" + workspaceName + "'"));
            return insertKey(c, ws.id(), kind, null);
        });
    }

    private String insertKey(Connection c, String workspaceId, KeyKind kind, String given) throws SQLException {
        String key = given != null ? given : Secrets.generate(kind.prefix());
        if (key.length() < 16) throw new IllegalArgumentException(kind.name().toLowerCase()
                + " key must be at least 16 characters");
        if (key.length() > MAX_KEY_LENGTH) throw new IllegalArgumentException(kind.name().toLowerCase()
                + " key must be at most " + MAX_KEY_LENGTH + " characters");
        Sql.update(c, "INSERT INTO api_keys (id, workspace_id, kind, key_hash, key_prefix, created_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?)",
                UuidCreator.getTimeOrderedEpoch().toString(), workspaceId, kind.name(), Secrets.hash(key),
                key.substring(0, Math.min(6, key.length())), clock.millis());
        return key;
    }

    /** The principal a presented key acts as, or empty when the key is unknown or revoked. */
    public Optional<Principal> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty() || presentedKey.length() > MAX_KEY_LENGTH) {
            return Optional.empty();
        }
        String hash = Secrets.hash(presentedKey);
        long now = clock.millis();
        Cached cached = cache.get(hash);
        if (cached != null && cached.expiresAt() > now) return cached.principal();
        Optional<Principal> found = db.read(c -> Sql.queryOne(c,
                "SELECT id, workspace_id, kind, key_hash FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                rs -> new KeyRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)), hash))
                .filter(row -> Secrets.constantTimeEquals(row.hash(), hash))
                .map(row -> new Principal(row.workspaceId(), KeyKind.valueOf(row.kind()), row.id()));
        if (cache.size() > 10_000) cache.clear(); // bounded: unknown keys must not grow memory without limit
        cache.put(hash, new Cached(found, now + CACHE_TTL.toMillis()));
        return found;
    }

    private record KeyRow(String id, String workspaceId, String kind, String hash) {
    }

    /** The secret SDK calls use to prove a userId (HMAC-SHA256 of the userId). */
    public String identitySecret(String workspaceId) {
        return identity(workspaceId).secret();
    }

    /** The userHash that proves {@code userId} in this workspace: hex HMAC-SHA256 of it under the identity secret. */
    public String userHash(String workspaceId, String userId) {
        return identity(workspaceId).mac().hex(userId);
    }

    private IdentitySecret identity(String workspaceId) {
        IdentitySecret known = identitySecrets.get(workspaceId);
        if (known != null) return known;
        String secret = db.read(c -> Sql.queryOne(c, "SELECT identity_secret FROM workspaces WHERE id = ?",
                rs -> rs.getString(1), workspaceId)).orElseThrow(
                () -> new IllegalStateException("workspace " + workspaceId + " vanished"));
        IdentitySecret made = new IdentitySecret(secret, new Secrets.KeyedMac(secret.getBytes(StandardCharsets.UTF_8)));
        identitySecrets.put(workspaceId, made);
        return made;
    }

    public List<Workspace> list() {
        return db.read(c -> Sql.query(c, "SELECT id, name, created_at FROM workspaces ORDER BY name", Workspaces::map));
    }

    public Optional<Workspace> findByName(String name) {
        return db.read(c -> findByName(c, name));
    }

    private static Optional<Workspace> findByName(Connection c, String name) throws SQLException {
        return Sql.queryOne(c, "SELECT id, name, created_at FROM workspaces WHERE name = ?", Workspaces::map, name);
    }

    private static Workspace map(ResultSet rs) throws SQLException {
        return new Workspace(rs.getString("id"), rs.getString("name"), rs.getLong("created_at"));
    }

    private static void validateName(String name) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw new IllegalArgumentException(
                    "workspace name must be 1-63 characters of a-z, 0-9, '-' or '_', starting with a letter or digit");
        }
    }
}
