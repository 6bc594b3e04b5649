package io.herald.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.Unavailable;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.log.EventLog;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery outcomes as the person's own events: a track event {@code message.<status>} with properties
 * {@code {campaignId, deliveryId, channel, step, variant, reason?}}, appended to the person's log like anything they
 * do, so segments ({@code {"message": campaignId, "status": "sent"}}) and journeys react to it in order.
 *
 * <p>The messageId is {@code delivery:<id>:<status>} (or a finer key where one delivery may have several events of
 * a status, e.g. an in-app message's clicks on different buttons): appending again after a crash (or from two dispatchers) adds
 * nothing, since the log ignores a repeated messageId.
 */
final class OutcomeEvents {
    private static final Logger log = LoggerFactory.getLogger(OutcomeEvents.class);
    /** How long an append may keep retrying a full log before the outcome is recorded without its event. */
    private static final long APPEND_PATIENCE_MILLIS = 30_000;

    /** Who an event is from: the ids the log routes it by. */
    record Sender(String userId, String anonymousId) {
    }

    /** One outcome to tell a person about. */
    record Told(Claimed d, String status, Integer variant, String reason, ObjectNode extra, String key) {
        Told(Claimed d, String status, Integer variant, String reason) {
            this(d, status, variant, reason, null, status);
        }
    }

    private final EventLog eventLog;

    OutcomeEvents(EventLog eventLog) {
        this.eventLog = eventLog;
    }

    /** The ids of these people to send their events under: their userId, else one of their anonymousIds. */
    static Map<String, Sender> senders(Connection c, Collection<String> personIds) throws SQLException {
        Map<String, Sender> out = new HashMap<>();
        List<String> ids = List.copyOf(personIds);
        for (List<String> chunk : Sql.chunks(ids)) {
            for (Object[] r : Sql.query(c, "SELECT id, user_id FROM persons WHERE id IN (" + Sql.placeholders(chunk.size())
                    + ")", rs -> new Object[] {rs.getString(1), rs.getString(2)}, chunk.toArray())) {
                if (r[1] != null) out.put((String) r[0], new Sender((String) r[1], null));
            }
            List<String> anonymous = chunk.stream().filter(id -> !out.containsKey(id)).toList();
            if (anonymous.isEmpty()) continue;
            for (Object[] r : Sql.query(c, "SELECT person_id, value FROM identities WHERE kind = 'anon' AND person_id IN ("
                    + Sql.placeholders(anonymous.size()) + ") ORDER BY value", rs -> new Object[] {rs.getString(1),
                    rs.getString(2)}, anonymous.toArray())) {
                out.putIfAbsent((String) r[0], new Sender(null, (String) r[1]));
            }
        }
        return out;
    }

    /** Appends the events and waits until they are durable (retrying while the log is full). */
    void append(List<Told> outcomes, Map<String, Sender> senders, long now) {
        List<Event> events = new ArrayList<>(outcomes.size());
        for (Told t : outcomes) {
            Sender s = senders.get(t.d().personId());
            if (s == null) continue; // the person is gone (erased or merged away): no one to tell
            ObjectNode props = EventCodec.mapper().createObjectNode();
            props.put("campaignId", t.d().campaignId());
            props.put("deliveryId", t.d().id());
            props.put("channel", t.d().channel());
            props.put("step", t.d().step());
            if (t.variant() == null) props.putNull("variant");
            else props.put("variant", t.variant());
            if (t.reason() != null) props.put("reason", t.reason());
            if (t.extra() != null) t.extra().properties().forEach(e -> props.set(e.getKey(), e.getValue()));
            events.add(new Event(t.d().workspaceId(), -1, -1, "delivery:" + t.d().id() + ":" + t.key(), s.userId(),
                    s.anonymousId(), now, now, null, new Payload.Track("message." + t.status(), props)));
        }
        if (events.isEmpty()) return;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(APPEND_PATIENCE_MILLIS);
        while (true) {
            try {
                eventLog.append(events).get(APPEND_PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof Unavailable) || System.nanoTime() > deadline) {
                    // The outcomes are recorded on the deliveries all the same: what was sent must not be re-sent.
                    log.atError().setCause(e.getCause()).addKeyValue("events", events.size())
                            .log("delivery outcome events could not be appended to the log; the deliveries keep them");
                    return;
                }
                sleep(50);
            } catch (TimeoutException e) {
                log.atError().addKeyValue("events", events.size())
                        .log("the log did not confirm delivery outcome events in time; the deliveries keep them");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis); // backing off from a full log, not waiting for time-based behavior
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
