package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.store.Sql;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/** A delivery a dispatcher holds the lease of, as read from the outbox. */
record Claimed(String id, String workspaceId, String personId, String campaignId, String campaignStatus, String step,
               String channel, String idempotencyKey, ObjectNode message, ObjectNode context, int priority,
               long createdAt, int attempts, String topic, boolean transactional, Long expiresAt) {

    static final String COLUMNS = "d.id, d.workspace_id, d.person_id, d.campaign_id, c.status AS campaign_status, d.step, "
            + "d.channel, d.idempotency_key, d.message, d.context, d.priority, d.created_at, d.attempts, d.topic, "
            + "d.transactional, d.expires_at";
    static final String FROM = " FROM deliveries d LEFT JOIN campaigns c ON c.id = d.campaign_id ";

    static Claimed map(ResultSet rs) throws SQLException {
        return map(rs, null);
    }

    /**
     * @param messages the messages parsed so far in this round, by their text, or null: a campaign step's deliveries
     *                 carry the same message, and parsing it again for each was the largest cost of reading a round.
     *                 Sharing one tree is safe because nothing changes a delivery's message (the renderer builds new
     *                 nodes and shares unchanged subtrees with it already).
     */
    static Claimed map(ResultSet rs, java.util.Map<String, ObjectNode> messages) throws SQLException {
        String text = rs.getString("message");
        ObjectNode message = messages == null || text == null ? object(text) : messages.get(text);
        if (message == null) {
            message = object(text);
            messages.put(text, message);
        }
        ObjectNode context = object(rs.getString("context"));
        long createdAt = rs.getLong("created_at");
        // The gate's inputs: the columns when the writer filled them in, else what the message says.
        String topic = rs.getString("topic");
        if (topic == null && message.path("topic").isTextual()) topic = message.get("topic").textValue();
        boolean transactional = rs.getBoolean("transactional") || message.path("transactional").asBoolean(false);
        Long expiresAt = Sql.nullableLong(rs, "expires_at");
        if (expiresAt == null && message.path("expiresAfter").isTextual()) {
            try {
                expiresAt = createdAt + Duration.parse(message.get("expiresAfter").textValue()).toMillis();
            } catch (DateTimeParseException | ArithmeticException e) {
                expiresAt = null; // validated when the message was saved; an unreadable one does not expire
            }
        }
        return new Claimed(rs.getString("id"), rs.getString("workspace_id"), rs.getString("person_id"),
                rs.getString("campaign_id"), rs.getString("campaign_status"), rs.getString("step"),
                rs.getString("channel"), rs.getString("idempotency_key"), message, context, rs.getInt("priority"),
                createdAt, rs.getInt("attempts"), topic, transactional, expiresAt);
    }

    JsonNode policies() {
        return context.path("policies");
    }

    /** The variant bucket: the same person gets the same variant of a campaign's message every time. */
    String bucketKey() {
        return campaignId == null ? personId : personId + ":" + campaignId;
    }

    static ObjectNode object(String json) throws SQLException {
        if (json == null) return EventCodec.mapper().createObjectNode();
        try {
            JsonNode n = EventCodec.mapper().readTree(json);
            return n instanceof ObjectNode o ? o : EventCodec.mapper().createObjectNode();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("corrupt delivery JSON in the store", e);
        }
    }

    static JsonNode orNull(JsonNode n) {
        return n == null || n.isMissingNode() ? NullNode.getInstance() : n;
    }
}
