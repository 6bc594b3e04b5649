package io.herald.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.log.EventLog;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What happens to a delivery after its provider accepted it, reported later by the provider (an SMS status callback),
 * by the person's device (push delivered, opened, dismissed) or by the person (an email's open pixel, a tracked
 * link): the delivery's status moves forward and the person
 * gets a {@code message.<status>} event, like the dispatcher's own outcomes, so segments, goals and metrics see it.
 *
 * <p>Statuses only move forward ({@link #rank}): a late "delivered" after "opened" leaves the status at opened, since
 * reports arrive out of order. The event is appended all the same (it is a fact about the message, and its messageId
 * {@code delivery:<id>:<status>} makes a repeated report add nothing).
 */
public final class DeliveryProgress {
    private final Database db;
    private final OutcomeEvents events;
    private final InstantSource clock;

    public DeliveryProgress(Database db, EventLog eventLog, InstantSource clock) {
        this.db = db;
        this.events = new OutcomeEvents(eventLog);
        this.clock = clock;
    }

    /** A delivery as the reports about it need it. */
    public record Row(String id, String workspaceId, String personId, String channel, String status) {
    }

    /** The delivery of this workspace, if any. */
    public Optional<Row> find(String workspaceId, String deliveryId) {
        return db.read(c -> Sql.queryOne(c, "SELECT id, workspace_id, person_id, channel, status FROM deliveries "
                + "WHERE workspace_id = ? AND id = ?", rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getString(5)), workspaceId, deliveryId));
    }

    /**
     * How far along a status is; a report moves the status only to a higher rank. Statuses before the provider
     * accepted the delivery rank lowest; a report may arrive before the dispatcher recorded "sent".
     */
    static int rank(String status) {
        return switch (status) {
            case "sent", "unknown" -> 1;
            case "delivered", "failed" -> 2;
            case "shown" -> 3; // in-app: on the person's screen
            case "dismissed" -> 4;
            case "opened" -> 5;
            case "clicked" -> 6;
            case "submitted" -> 7; // in-app: a form's answers came back
            // In-app: taken back by an admin; a late report about it is still told, but does not move it.
            case "recalled" -> 8;
            default -> 0;
        };
    }

    /**
     * Records a report: moves the status to {@code status} when that is forward, and appends the person's event with
     * {@code extra} properties (e.g. actionId). Returns whether the status moved.
     */
    public boolean report(String workspaceId, String deliveryId, String status, String reason, ObjectNode extra) {
        return report(workspaceId, deliveryId, status, reason, extra, status);
    }

    /**
     * As above; {@code eventKey} replaces the status in the event's messageId ({@code delivery:<id>:<eventKey>}) where
     * one delivery has several distinct events of a status (clicks on different buttons, steps reached). A status
     * that has no rank (e.g. an in-app "step") is told without moving anything.
     */
    public boolean report(String workspaceId, String deliveryId, String status, String reason, ObjectNode extra,
                          String eventKey) {
        long now = clock.millis();
        Claimed[] claimed = new Claimed[1];
        Integer[] variant = new Integer[1];
        boolean[] wentOut = new boolean[1];
        boolean moved = db.inTransaction(c -> {
            Optional<Object[]> row = Sql.queryOne(c, "SELECT person_id, campaign_id, step, channel, status, variant, id "
                    + "FROM deliveries WHERE workspace_id = ? AND id = ?", rs -> new Object[] {rs.getString(1),
                    rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getObject(6), rs.getString(7)},
                    workspaceId, deliveryId);
            if (row.isEmpty()) return false;
            Object[] r = row.get();
            variant[0] = r[5] instanceof Number n ? n.intValue() : null;
            claimed[0] = new Claimed((String) r[6], workspaceId, (String) r[0], (String) r[1], null, (String) r[2],
                    (String) r[3], null, null, null, 0, 0, 0, null, false, null);
            String current = (String) r[4];
            // A delivery that never went out (queued, deferred, failed, cancelled...) cannot have been delivered or
            // opened: such a report changes nothing. "sending" may be overtaken by a fast report (see docs).
            boolean out = current.equals("sending") || (rank(current) >= 1 && !current.equals("failed"));
            wentOut[0] = out;
            if (!out || rank(status) <= rank(current)) return false;
            // Compare-and-set on the status read: two reports racing cannot move it backwards.
            return Sql.update(c, "UPDATE deliveries SET status = ?, reason = COALESCE(?, reason), updated_at = ? "
                    + "WHERE id = ? AND status = ?", status, reason, now, deliveryId, r[4]) == 1;
        });
        // Nothing is told about a delivery that never went out: a report about it is a mistake or a forgery.
        if (claimed[0] == null || !wentOut[0]) return false;
        Map<String, OutcomeEvents.Sender> senders = db.read(c -> OutcomeEvents.senders(c, List.of(claimed[0].personId())));
        events.append(List.of(new OutcomeEvents.Told(claimed[0], status, variant[0], reason, extra, eventKey)), senders, now);
        return moved;
    }
}
