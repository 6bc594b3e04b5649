package io.herald.delivery;

import io.herald.log.EventLog;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a person did with a message after it was sent (an email opened, a link clicked): the delivery's status moves
 * forward (never back: a clicked delivery stays clicked when it is opened again) and the person gets the event
 * {@code message.opened} / {@code message.clicked}, deduplicated by messageId {@code delivery:<id>:<status>} so
 * every later open adds nothing.
 */
public final class Engagements {
    /** Statuses a delivery may be engaged with from: it left Herald (unknown ones too: the open proves it arrived). */
    private static final Set<String> REACHED = Set.of("sent", "delivered", "unknown", "opened", "clicked");
    private static final Map<String, Set<String>> FORWARD = Map.of(
            "opened", Set.of("sent", "delivered", "unknown"),
            "clicked", Set.of("sent", "delivered", "unknown", "opened"));

    private final Database db;
    private final OutcomeEvents events;
    private final InstantSource clock;

    public Engagements(Database db, EventLog eventLog, InstantSource clock) {
        this.db = db;
        this.events = new OutcomeEvents(eventLog);
        this.clock = clock;
    }

    /**
     * Records an {@code opened} or {@code clicked} of a delivery; false when the workspace has no such delivery or
     * it was never sent (nothing recorded).
     */
    public boolean record(String workspaceId, String deliveryId, String status) {
        if (!FORWARD.containsKey(status)) throw new IllegalArgumentException("not an engagement: " + status);
        long now = clock.millis();
        record Found(Claimed d, String status, Integer variant) {
        }
        List<Found> found = db.read(c -> Sql.query(c, "SELECT " + Claimed.COLUMNS + ", d.status AS delivery_status, "
                + "d.variant AS delivery_variant" + Claimed.FROM + "WHERE d.id = ? AND d.workspace_id = ?",
                rs -> new Found(Claimed.map(rs), rs.getString("delivery_status"),
                        Sql.nullableLong(rs, "delivery_variant") == null ? null
                                : (int) (long) Sql.nullableLong(rs, "delivery_variant")),
                deliveryId, workspaceId));
        if (found.isEmpty() || !REACHED.contains(found.get(0).status())) return false;
        Found f = found.get(0);
        Map<String, OutcomeEvents.Sender> senders = db.inTransaction(c -> {
            Sql.update(c, "UPDATE deliveries SET status = ?, updated_at = ? WHERE id = ? AND workspace_id = ? AND status IN ("
                    + Sql.placeholders(FORWARD.get(status).size()) + ")", concat(new Object[] {status, now, deliveryId, workspaceId},
                    FORWARD.get(status).toArray()));
            return OutcomeEvents.senders(c, List.of(f.d().personId()));
        });
        events.append(List.of(new OutcomeEvents.Told(f.d(), status, f.variant(), null)), senders, now);
        return true;
    }

    private static Object[] concat(Object[] head, Object[] rest) {
        Object[] out = new Object[head.length + rest.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(rest, 0, out, head.length, rest.length);
        return out;
    }
}
