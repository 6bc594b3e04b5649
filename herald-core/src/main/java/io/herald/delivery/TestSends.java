package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.error.ClientError;
import io.herald.message.MessageParser;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.Set;

/**
 * {@code POST /messages/test-send {channel, message, userId}}: one delivery outside any campaign, dispatched now.
 * It passes the policy gate without the campaign policies (no frequency cap, no quiet hours) but not a person's
 * unsubscribe, unless the message is transactional.
 */
public final class TestSends {
    private static final Set<String> FIELDS = Set.of("channel", "message", "userId");

    private final Database db;
    private final Dispatcher dispatcher;
    private final InstantSource clock;

    public TestSends(Database db, Dispatcher dispatcher, InstantSource clock) {
        this.db = db;
        this.dispatcher = dispatcher;
        this.clock = clock;
    }

    /** Validates, creates the delivery, dispatches it and returns its state; 400 naming the field, 404 for the user. */
    public Dispatcher.Result send(String workspaceId, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the body must be a JSON object {channel, message, userId}", null);
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) throw ClientError.invalid(f, "unknown field " + f + "; expected channel, message and userId");
        }
        JsonNode channel = body.get("channel");
        if (channel == null || channel.isNull()) throw ClientError.missing("channel");
        if (!channel.isTextual() || !Channels.NAMES.contains(channel.textValue())) {
            throw ClientError.invalid("channel", "channel must be one of " + String.join(", ", Channels.NAMES));
        }
        JsonNode message = body.get("message");
        if (message == null || message.isNull()) throw ClientError.missing("message");
        if (!message.isObject()) throw ClientError.invalid("message", "message must be an object (the channel's message)");
        MessageParser.parse(channel.textValue(), message, "message"); // checked as a campaign's message is when saved
        JsonNode userId = body.get("userId");
        if (userId == null || userId.isNull()) throw ClientError.missing("userId");
        if (!userId.isTextual() || userId.textValue().isEmpty() || userId.textValue().length() > 200) {
            throw ClientError.invalid("userId", "userId must be a non-empty string of at most 200 characters");
        }

        String id = "dlv_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", ""); // as a campaign's deliveries
        String token = dispatcher.newToken();
        long now = clock.millis();
        ObjectNode context = EventCodec.mapper().createObjectNode();
        context.putObject("event");
        context.putObject("journey");
        context.putNull("campaign");
        context.putObject("policies").put("quietHours", false).put("frequencyCap", false).put("priority", 0);
        db.inTransaction(c -> {
            String personId = Sql.queryOne(c, "SELECT person_id FROM identities WHERE workspace_id = ? AND kind = 'user' "
                    + "AND value = ?", rs -> rs.getString(1), workspaceId, userId.textValue())
                    .orElseThrow(() -> ClientError.notFound("person " + userId.textValue()));
            // Leased to this call as it is written, so the background dispatcher leaves it to us.
            return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, run_id, step, "
                    + "channel, idempotency_key, status, reason, message, context, priority, created_at, updated_at, "
                    + "lease_owner, lease_until) VALUES (?, ?, ?, NULL, NULL, NULL, NULL, ?, ?, 'queued', NULL, ?, ?, 0, ?, ?, ?, ?)",
                    id, workspaceId, personId, channel.textValue(), "test:" + id, message.toString(), context.toString(),
                    now, now, token, dispatcher.leaseUntil(now));
        });
        dispatcher.process(token, java.util.List.of(id));
        return db.read(c -> Sql.queryOne(c, "SELECT status, reason, message, rendered FROM deliveries WHERE id = ?", rs -> {
            String rendered = rs.getString("rendered");
            return new Dispatcher.Result(id, rs.getString("status"), rs.getString("reason"),
                    Claimed.object(rendered != null ? rendered : rs.getString("message")));
        }, id).orElseThrow());
    }
}
