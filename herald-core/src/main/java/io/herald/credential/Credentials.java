package io.herald.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A workspace's provider credentials per channel (apns, fcm, webpush, smtp, sms, whatsapp): validated when set,
 * stored sealed under the master key ({@link Vault}), shown only masked, and opened in full for the channel
 * providers alone ({@link #get}).
 */
public final class Credentials {
    private static final Logger log = LoggerFactory.getLogger(Credentials.class);

    private final Database db;
    private final Vault vault;
    private final InstantSource clock;

    public Credentials(Database db, MasterKey key, InstantSource clock) {
        this(db, key, clock, new SecureRandom());
    }

    Credentials(Database db, MasterKey key, InstantSource clock, SecureRandom random) {
        this.db = db;
        this.vault = new Vault(key, random);
        this.clock = clock;
    }

    /**
     * Stored credentials cannot be opened with this server's master key (it changed, or the row was moved or
     * damaged). A server misconfiguration, not a client mistake: answered as a 5xx, logged with the remedy.
     */
    public static final class Unreadable extends RuntimeException {
        public Unreadable(String message) {
            super(message);
        }
    }

    /** The channels that take credentials. */
    public static Set<String> channels() {
        return ChannelRules.channels();
    }

    /** The channel's credentials in full, for its provider; empty when none are set. */
    public Optional<JsonNode> get(String workspaceId, String channel) {
        return stored(workspaceId, channel).map(Stored::doc);
    }

    /** The credentials as the admin API shows them (secrets masked), or 404. */
    public ObjectNode view(String workspaceId, String channel) {
        Stored s = stored(workspaceId, known(channel)).orElseThrow(() -> ClientError.notFound(channel
                + " credentials (set them with PUT /api/v1/channels/" + channel + ")"));
        return shown(channel, s);
    }

    /**
     * Validates and stores the channel's credentials, replacing what was there; fields sent back masked keep their
     * stored values. Returns what {@link #view} then shows.
     */
    public ObjectNode put(String workspaceId, String channel, JsonNode body) {
        return put(workspaceId, channel, body, doc -> { });
    }

    /**
     * As {@link #put(String, String, JsonNode)}, with {@code check} run on the validated document (masked values
     * resolved) before anything is stored: a provider's live check, which throws a {@link ClientError} to refuse.
     */
    public ObjectNode put(String workspaceId, String channel, JsonNode body, java.util.function.Consumer<JsonNode> check) {
        known(channel);
        // The stored values are needed only to keep masked ones; a full body replaces credentials that no longer
        // open (after a master key change), which is the way out of that state.
        ObjectNode previous = masksSomething(body) ? stored(workspaceId, channel).map(Stored::doc).orElse(null)
                : channel.equals("webpush") ? storedVapid(workspaceId) : null;
        ObjectNode doc = ChannelRules.validate(channel, body, previous);
        check.accept(doc);
        String sealed = vault.seal(workspaceId, channel, doc.toString().getBytes(StandardCharsets.UTF_8));
        long now = clock.millis();
        db.inTransaction(c -> Sql.update(c, "INSERT INTO channel_credentials (workspace_id, channel, ciphertext, "
                + "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, channel) DO UPDATE SET ciphertext = "
                + "excluded.ciphertext, updated_at = excluded.updated_at", workspaceId, channel, sealed, now));
        return shown(channel, new Stored(doc, now));
    }

    /** Removes the channel's credentials, or 404 when none are set. */
    public void delete(String workspaceId, String channel) {
        known(channel);
        int n = db.inTransaction(c -> Sql.update(c, "DELETE FROM channel_credentials WHERE workspace_id = ? AND "
                + "channel = ?", workspaceId, channel));
        if (n == 0) throw ClientError.notFound(channel + " credentials");
    }

    /**
     * The stored webpush credentials, which a PUT without keys keeps (ChannelRules); null when there are none or
     * they no longer open (logged by {@link #stored}), in which case a new pair is the only way on.
     */
    private ObjectNode storedVapid(String workspaceId) {
        try {
            return stored(workspaceId, "webpush").map(Stored::doc).orElse(null);
        } catch (Unreadable e) {
            return null;
        }
    }

    private static boolean masksSomething(JsonNode body) {
        if (body == null || !body.isObject()) return false;
        for (JsonNode v : body) {
            if (v.isTextual() && v.textValue().startsWith(ChannelRules.MASK)) return true;
        }
        return false;
    }

    private record Stored(ObjectNode doc, long updatedAt) {
    }

    private Optional<Stored> stored(String workspaceId, String channel) {
        record Row(String ciphertext, long updatedAt) {
        }
        Optional<Row> row = db.read(c -> Sql.queryOne(c, "SELECT ciphertext, updated_at FROM channel_credentials "
                + "WHERE workspace_id = ? AND channel = ?", rs -> new Row(rs.getString(1), rs.getLong(2)),
                workspaceId, channel));
        if (row.isEmpty()) return Optional.empty();
        byte[] plain;
        try {
            plain = vault.open(workspaceId, channel, row.get().ciphertext());
        } catch (Vault.Unreadable e) {
            log.atError().addKeyValue("workspace", workspaceId).addKeyValue("channel", channel)
                    .log("stored {} credentials cannot be decrypted ({}): the master key (HERALD_SECRET_KEY or "
                            + "secret.key in the data directory) is not the one they were stored with. Restore the "
                            + "original key, or set the credentials again.", channel, e.getMessage());
            throw new Unreadable("the stored " + channel + " credentials cannot be decrypted with this server's "
                    + "master key; the server's HERALD_SECRET_KEY or secret.key changed since they were stored. "
                    + "Restore the original key or set the credentials again.");
        }
        try {
            return Optional.of(new Stored((ObjectNode) EventCodec.mapper().readTree(plain), row.get().updatedAt()));
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("decrypted " + channel + " credentials are not a JSON object", e);
        }
    }

    private static ObjectNode shown(String channel, Stored s) {
        ObjectNode out = EventCodec.mapper().createObjectNode();
        out.put("channel", channel);
        out.setAll(ChannelRules.mask(channel, s.doc()));
        out.put("updatedAt", Instant.ofEpochMilli(s.updatedAt()).toString());
        return out;
    }

    private static String known(String channel) {
        if (!ChannelRules.known(channel)) {
            throw ClientError.notFound("channel " + channel + " (channels with credentials: "
                    + String.join(", ", ChannelRules.channels()) + ")");
        }
        return channel;
    }
}
