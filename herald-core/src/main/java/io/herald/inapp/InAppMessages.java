package io.herald.inapp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The InAppMessage JSON the SDK renders (sdk/web/src/types.ts), built from a delivery's rendered in_app message.
 * What stays on the server (setAttributes, topic, translations...) is left out.
 */
final class InAppMessages {
    static final int DEFAULT_PRIORITY = 50;

    private InAppMessages() {
    }

    static ObjectNode of(String deliveryId, String campaignId, JsonNode content, long createdAt, Long expiresAt) {
        ObjectNode m = EventCodec.mapper().createObjectNode();
        m.put("deliveryId", deliveryId);
        m.put("campaignId", campaignId);
        m.set("format", content.path("format"));
        for (String f : new String[] {"position", "anchor", "placement"}) {
            if (content.path(f).isTextual()) m.set(f, content.get(f));
        }
        m.set("steps", content.path("steps"));
        ObjectNode display = content.path("display").isObject() ? ((ObjectNode) content.get("display")).deepCopy()
                : EventCodec.mapper().createObjectNode();
        display.remove("expiresAfter"); // the client gets expiresAt instead
        // Parsed messages default to once and priority 50; the SDK gets them spelled out.
        if (!display.has("frequency")) display.put("frequency", "once");
        if (!display.has("priority")) display.put("priority", DEFAULT_PRIORITY);
        m.set("display", display);
        if (content.path("style").isObject()) m.set("style", content.get("style"));
        m.put("priority", priority(content));
        if (expiresAt == null) m.putNull("expiresAt");
        else m.put("expiresAt", Instant.ofEpochMilli(expiresAt).toString());
        m.put("createdAt", Instant.ofEpochMilli(createdAt).toString());
        if (anonymous(content)) m.put("anonymous", true);
        return m;
    }

    /**
     * A sent delivery's message as its clients get it (the JSON text of {@link #of}), with what the eligible list
     * filters and sorts on: built once when the delivery goes out and kept on its row, since every page view lists it.
     */
    record Client(String json, int priority, boolean anonymous) {
        static Client of(String deliveryId, String campaignId, JsonNode content, long createdAt, Long expiresAt) {
            return new Client(InAppMessages.of(deliveryId, campaignId, content, createdAt, expiresAt).toString(),
                    InAppMessages.priority(content), InAppMessages.anonymous(content));
        }
    }

    /** The columns {@link #read} reads, in its order ({@code d} names the deliveries table). */
    static final String COLUMNS = "d.id, d.campaign_id, d.created_at, d.expires_at, d.inapp_message, d.inapp_priority, "
            + "d.inapp_anonymous, d.rendered";

    /**
     * The client message of the delivery in the {@link #COLUMNS} from column {@code first} on: the text kept when it
     * went out, or, for one sent before that was kept, built from its rendering. Null when it has no rendering.
     */
    static Client read(ResultSet rs, int first) throws SQLException {
        String kept = rs.getString(first + 4);
        if (kept != null) return new Client(kept, rs.getInt(first + 5), rs.getBoolean(first + 6));
        String rendered = rs.getString(first + 7);
        if (rendered == null) return null;
        long expires = rs.getLong(first + 3);
        Long expiresAt = rs.wasNull() ? null : expires;
        return Client.of(rs.getString(first), rs.getString(first + 1), InApp.json(rendered), rs.getLong(first + 2),
                expiresAt);
    }

    static int priority(JsonNode content) {
        JsonNode p = content.path("display").path("priority");
        return p.isIntegralNumber() ? p.intValue() : DEFAULT_PRIORITY;
    }

    static boolean anonymous(JsonNode content) {
        return content.path("anonymous").asBoolean(false);
    }

    /** Shown once at most, whatever device: withdrawn from the person's other pages once one showed it. */
    static boolean onceOnly(JsonNode content) {
        JsonNode f = content.path("display").path("frequency");
        return f.isMissingNode() || f.isNull() || "once".equals(f.asText());
    }

    /**
     * When the message stops being eligible: the earlier of the delivery's own expiry (top-level expiresAfter) and
     * display.expiresAfter, both counted from the delivery's creation.
     */
    static Long expiresAt(JsonNode content, long createdAt, Long expiresAt) {
        JsonNode after = content.path("display").path("expiresAfter");
        if (!after.isTextual()) return expiresAt;
        try {
            long at = createdAt + Duration.parse(after.textValue()).toMillis();
            return expiresAt == null ? at : Math.min(at, expiresAt);
        } catch (DateTimeParseException | ArithmeticException e) {
            return expiresAt; // validated when the message was saved; an unreadable one adds nothing
        }
    }
}
