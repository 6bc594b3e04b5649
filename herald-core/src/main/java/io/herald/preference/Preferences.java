package io.herald.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.error.ClientError;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.ingest.Ingest;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A person's channel and topic preferences through the admin API: {@code {"channels": {"push": false}, "topics":
 * {"product_tips": {"email": true}}}}. Only choices are stored; a channel or topic absent from the document is at
 * its default (channels: subscribed; topics: the topic's {@code defaultOptIn}).
 *
 * <p>A change is not written here: it is appended to the person's event log ({@link Payload.PreferencesChanged})
 * and applied by the person processor in order with everything else the person does, so segments, journeys and
 * a merge see it at its place in their history.
 */
public final class Preferences {
    /** The channels a person can opt out of. */
    public static final List<String> CHANNELS = List.of("push", "in_app", "email", "sms", "whatsapp");
    private static final Set<String> FIELDS = Set.of("channels", "topics");

    private final Database db;
    private final Ingest ingest;
    private final InstantSource clock;

    public Preferences(Database db, Ingest ingest, InstantSource clock) {
        this.db = db;
        this.ingest = ingest;
        this.clock = clock;
    }

    /**
     * The person's stored choices. Choices for topics the workspace no longer has are left out, so what is read
     * can be sent back unchanged.
     */
    public ObjectNode get(String workspaceId, String userId) {
        return db.read(c -> {
            String personId = personOf(c, workspaceId, userId);
            Optional<String> stored = Sql.queryOne(c, "SELECT preferences FROM person_preferences WHERE person_id = ? "
                    + "AND workspace_id = ?", rs -> rs.getString(1), personId, workspaceId);
            ObjectNode doc = empty();
            if (stored.isEmpty()) return doc;
            JsonNode s = parse(stored.get());
            if (s.get("channels") instanceof ObjectNode channels) doc.set("channels", channels);
            if (s.get("topics") instanceof ObjectNode topics) {
                Set<String> existing = Topics.keys(c, workspaceId);
                ObjectNode shown = doc.putObject("topics");
                for (Map.Entry<String, JsonNode> t : topics.properties()) {
                    if (existing.contains(t.getKey())) shown.set(t.getKey(), t.getValue());
                }
            }
            return doc;
        });
    }

    /**
     * Replaces the person's choices with {@code body}: validated, then appended to their event log. Returns once
     * the change is durable there (not yet applied: the processor applies it, normally within milliseconds).
     *
     * @return the document as it will be stored
     */
    public ObjectNode put(String workspaceId, String userId, JsonNode body) {
        ObjectNode doc = validate(body);
        db.read(c -> {
            personOf(c, workspaceId, userId);
            Set<String> existing = Topics.keys(c, workspaceId);
            for (Iterator<String> it = doc.path("topics").fieldNames(); it.hasNext(); ) {
                String topic = it.next();
                if (!existing.contains(topic)) {
                    throw ClientError.invalid("topics." + topic, "the workspace has no topic " + topic
                            + " (create it with POST /api/v1/topics)");
                }
            }
            return null;
        });
        long now = clock.millis();
        Event e = new Event(workspaceId, -1, -1, UuidCreator.getTimeOrderedEpochPlus1().toString(), userId, null, now,
                now, null, new Payload.PreferencesChanged(doc));
        ingest.append(List.of(e));
        return doc;
    }

    /** The document in its stored form, or a 400 naming the first field at fault. */
    private static ObjectNode validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the body must be a JSON object {channels, topics}", null);
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String n = it.next();
            if (!FIELDS.contains(n)) throw ClientError.invalid(n, "unknown field " + n + "; expected channels and topics");
        }
        ObjectNode doc = empty();
        choices(body.get("channels"), "channels", (ObjectNode) doc.get("channels"));
        JsonNode topics = body.get("topics");
        if (topics != null && !topics.isNull()) {
            if (!topics.isObject()) throw ClientError.invalid("topics", "topics must be an object {topic: {channel: true|false}}");
            for (Map.Entry<String, JsonNode> t : topics.properties()) {
                String field = "topics." + t.getKey();
                if (t.getValue() == null || !t.getValue().isObject()) {
                    throw ClientError.invalid(field, field + " must be an object {channel: true|false}");
                }
                choices(t.getValue(), field, ((ObjectNode) doc.get("topics")).putObject(t.getKey()));
            }
        }
        return doc;
    }

    /** Copies {@code {channel: boolean}} into {@code out}, refusing unknown channels and other values. */
    private static void choices(JsonNode in, String field, ObjectNode out) {
        if (in == null || in.isNull()) return;
        if (!in.isObject()) throw ClientError.invalid(field, field + " must be an object {channel: true|false}");
        for (Map.Entry<String, JsonNode> ch : in.properties()) {
            String f = field + "." + ch.getKey();
            if (!CHANNELS.contains(ch.getKey())) {
                throw ClientError.invalid(f, "unknown channel " + ch.getKey() + "; channels are " + String.join(", ", CHANNELS));
            }
            if (!ch.getValue().isBoolean()) throw ClientError.invalid(f, f + " must be true or false");
            out.put(ch.getKey(), ch.getValue().booleanValue());
        }
    }

    private static String personOf(Connection c, String workspaceId, String userId) throws SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE workspace_id = ? AND kind = 'user' AND value = ?",
                rs -> rs.getString(1), workspaceId, userId).orElseThrow(() -> ClientError.notFound("person " + userId));
    }

    private static ObjectNode empty() {
        ObjectNode doc = EventCodec.mapper().createObjectNode();
        doc.putObject("channels");
        doc.putObject("topics");
        return doc;
    }

    private static JsonNode parse(String json) throws SQLException {
        try {
            return EventCodec.mapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("corrupt preferences in the store", e);
        }
    }
}
