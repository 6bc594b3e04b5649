package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import io.herald.store.Database;
import io.herald.store.Page;
import io.herald.store.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The deliveries campaigns asked for (the outbox rows their message and webhook steps write), as a person's history
 * shows them. Read-only here: the delivery pipeline changes their status.
 */
public final class Deliveries {
    private final Database db;

    public Deliveries(Database db) {
        this.db = db;
    }

    /**
     * One message to one person: where it came from (campaign, version, run, step), its channel, its status and the
     * reason for it (e.g. why it was suppressed), and its content: as sent once the pipeline rendered it, else as the step
     * defined it.
     */
    public record Delivery(String id, String campaignId, Integer version, String runId, String step, String channel,
                           String status, String reason, JsonNode content, long createdAt, long updatedAt,
                           Long convertedAt) {
    }

    /** A person's deliveries, newest first. */
    public Page<Delivery> ofPerson(String workspaceId, String userId, int limit, String cursor) {
        long before = Long.MAX_VALUE;
        String beforeId = ""; // with no cursor, created_at < MAX_VALUE admits every delivery whatever the id
        if (cursor != null) {
            String[] parts = Page.parseCursor(cursor, 2);
            try {
                if (parts == null) throw new NumberFormatException();
                before = Long.parseLong(parts[0]);
                beforeId = parts[1];
            } catch (NumberFormatException e) {
                throw ClientError.invalid("cursor", "cursor is not one this API returned");
            }
        }
        long ts = before;
        String id = beforeId;
        return db.read(c -> {
            String personId = Campaigns.personOf(c, workspaceId, userId);
            List<Delivery> rows = Sql.query(c, "SELECT * FROM deliveries WHERE person_id = ? AND workspace_id = ? "
                    + "AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?",
                    Deliveries::map, personId, workspaceId, ts, ts, id, limit + 1);
            if (rows.size() <= limit) return new Page<>(rows, null);
            Delivery last = rows.get(limit - 1);
            return new Page<>(List.copyOf(rows.subList(0, limit)), Page.cursor(String.valueOf(last.createdAt()), last.id()));
        });
    }

    private static Delivery map(ResultSet rs) throws SQLException {
        int version = rs.getInt("version");
        Integer v = rs.wasNull() ? null : version;
        return new Delivery(rs.getString("id"), rs.getString("campaign_id"), v, rs.getString("run_id"), rs.getString("step"),
                rs.getString("channel"), rs.getString("status"), rs.getString("reason"),
                // As sent (rendered for the person) once the pipeline handed it over; as the step defined it until then.
                CampaignBatch.object(rs.getString("rendered") != null ? rs.getString("rendered") : rs.getString("message")),
                rs.getLong("created_at"), rs.getLong("updated_at"),
                Sql.nullableLong(rs, "converted_at"));
    }
}
