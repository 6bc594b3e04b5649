package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Writing deliveries into the outbox and reading them back, as the tests of the pipeline need. */
final class Outbox {
    static final String WS = io.herald.testing.Pipeline.WORKSPACE;
    static final String CONTEXT = "{\"event\":{\"event\":\"signed_up\",\"properties\":{}},\"journey\":{},"
            + "\"campaign\":{\"id\":\"c1\",\"name\":\"Welcome\",\"version\":1},"
            + "\"policies\":{\"quietHours\":false,\"frequencyCap\":false,\"priority\":0}}";

    private Outbox() {
    }

    /** A delivery queued for the person of {@code userId}, as a campaign step would write it; returns its id. */
    static String queue(Database db, String userId, String channel, String message, long now) {
        String id = "d-" + UUID.randomUUID();
        db.inTransaction(c -> {
            String personId = personOf(c, userId);
            return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, run_id, step, "
                    + "channel, idempotency_key, status, message, context, priority, created_at, updated_at) "
                    + "VALUES (?, ?, ?, NULL, NULL, ?, 's1', ?, ?, 'queued', ?, ?, 0, ?, ?)", id, WS, personId, "run-" + id,
                    channel, "run-" + id + ":s1:" + personId + ":" + channel, message, CONTEXT, now, now);
        });
        return id;
    }

    static String personOf(java.sql.Connection c, String userId) throws java.sql.SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE kind = 'user' AND value = ?", rs -> rs.getString(1),
                userId).orElseThrow(() -> new AssertionError("no person " + userId));
    }

    /** A delivery's row as a map of its columns. */
    static Map<String, Object> row(Database db, String id) {
        return db.read(c -> Sql.queryOne(c, "SELECT status, reason, attempts, next_attempt_at, sent_at, lease_owner, "
                + "lease_until, provider_id, rendered, variant FROM deliveries WHERE id = ?", rs -> {
            Map<String, Object> m = new java.util.HashMap<>();
            for (String col : List.of("status", "reason", "attempts", "next_attempt_at", "sent_at", "lease_owner",
                    "lease_until", "provider_id", "rendered", "variant")) {
                Object v = rs.getObject(col);
                m.put(col, v instanceof Number n ? (Object) n.longValue() : v);
            }
            return m;
        }, id)).orElseThrow();
    }

    static String status(Database db, String id) {
        return (String) row(db, id).get("status");
    }

    /** The names of a person's events of the given name prefix, oldest first, with their properties. */
    static List<JsonNode> events(Database db, String userId, String prefix) {
        return db.read(c -> Sql.query(c, "SELECT e.event, e.properties FROM person_events e WHERE e.person_id = ? "
                + "AND e.event LIKE ? ORDER BY e.ts, e.seq", rs -> {
            var o = EventCodec.mapper().createObjectNode();
            o.put("event", rs.getString(1));
            o.set("properties", Claimed.object(rs.getString(2)));
            return (JsonNode) o;
        }, personOf(c, userId), prefix + "%"));
    }
}
