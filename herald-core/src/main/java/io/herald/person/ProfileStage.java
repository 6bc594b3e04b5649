package io.herald.person;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.event.Event;
import io.herald.event.Payload;
import io.herald.ingest.Limits;
import io.herald.processor.Batch;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import io.herald.store.Sql;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies an event to the person's profile: traits into attributes, timezone and locale from the context, last
 * seen, devices, channel and topic preferences; and records it in the person's event history.
 */
public final class ProfileStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(ProfileStage.class);
    private static final Pattern LOCALE = Pattern.compile("[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,4}");

    @Override
    public void handle(Batch batch, EventContext ctx) throws SQLException {
        Event e = ctx.event();
        if (e.payload() instanceof Payload.DeviceRemoved d) {
            Sql.update(batch.connection(), "DELETE FROM devices WHERE workspace_id = ? AND token = ?",
                    e.workspaceId(), d.token());
            return;
        }
        PersonCache cache = PersonCache.of(batch);
        PersonState p = cache.get(ctx.personId());
        switch (e.payload()) {
            case Payload.Identify id -> mergeTraits(p, id.traits(), ctx);
            case Payload.Group g -> setAttribute(p, "groupId", g.groupId(), ctx);
            case Payload.DeviceRegistered d -> registerDevice(batch, p, d);
            case Payload.Track t -> { }
            case Payload.Page pg -> { }
            case Payload.Screen s -> { }
            case Payload.Alias a -> { }
            case Payload.DeviceRemoved d -> { }
            case Payload.TimerFired t -> {
                return; // a timer is Herald's own bookkeeping, not something the person did
            }
            case Payload.PreferencesChanged pc -> {
                storePreferences(batch, p, pc.preferences());
                // Recorded (erasure finds the raw log row through the history), but set through the admin API: the
                // person was not seen, and the event has no context of theirs.
                cache.recordEvent(p.id, e);
                return;
            }
        }
        applyContext(p, e.context());
        p.seenAt(e.timestamp());
        // Device registrations are recorded too: erasure finds every raw log row of a person through this history.
        cache.recordEvent(p.id, e);
    }

    private static void mergeTraits(PersonState p, ObjectNode traits, EventContext ctx) {
        if (traits.isEmpty()) return;
        ObjectNode attributes = p.attributes();
        for (Iterator<Map.Entry<String, JsonNode>> it = traits.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            if (t.getValue().isNull()) {
                if (attributes.remove(t.getKey()) != null) {
                    p.attributesChanged();
                    ctx.attributeChanged(t.getKey(), null);
                }
            } else if (!attributes.has(t.getKey()) && attributes.size() >= Limits.MAX_ATTRIBUTES) {
                // The limit is checked per call at ingest; a person can still reach it over many calls. Keep the
                // profile bounded and say so rather than fail the whole event.
                log.atWarn().addKeyValue("person", p.id).addKeyValue("attribute", t.getKey())
                        .log("attribute dropped: the person already has the maximum of 500 attributes");
            } else if (!t.getValue().equals(attributes.get(t.getKey()))) {
                attributes.set(t.getKey(), t.getValue());
                p.attributesChanged();
                ctx.attributeChanged(t.getKey(), t.getValue());
            }
        }
    }

    private static void setAttribute(PersonState p, String name, String value, EventContext ctx) {
        JsonNode current = p.attributes().get(name);
        if (current == null || !current.asText().equals(value)) {
            p.attributes().put(name, value);
            p.attributesChanged();
            ctx.attributeChanged(name, p.attributes().get(name));
        }
    }

    private static void applyContext(PersonState p, ObjectNode context) {
        if (context == null) return;
        String tz = context.path("timezone").asText(null);
        if (tz != null && !tz.isBlank() && tz.length() <= 64 && !tz.equals(p.timezone) && isZone(tz)) {
            p.timezone = tz;
            p.dirty = true;
        }
        String locale = context.path("locale").asText(null);
        if (locale != null && !locale.equals(p.locale) && LOCALE.matcher(locale).matches()) {
            p.locale = locale;
            p.dirty = true;
        }
    }

    private static boolean isZone(String tz) {
        try {
            java.time.ZoneId.of(tz);
            return true;
        } catch (java.time.DateTimeException e) {
            return false;
        }
    }

    /** The stored choices are replaced as a whole: the event carries the complete document (a PUT). */
    private static void storePreferences(Batch batch, PersonState p, ObjectNode preferences) throws SQLException {
        Sql.update(batch.connection(), "INSERT INTO person_preferences (person_id, workspace_id, preferences, updated_at) "
                        + "VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET preferences = excluded.preferences, "
                        + "updated_at = excluded.updated_at",
                p.id, p.workspaceId, preferences.toString(), batch.now());
    }

    private static void registerDevice(Batch batch, PersonState p, Payload.DeviceRegistered d) throws SQLException {
        long now = batch.now();
        Sql.update(batch.connection(), "INSERT INTO devices (id, workspace_id, person_id, token, platform, provider, "
                        + "app_id, push_enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (workspace_id, token) DO UPDATE SET person_id = excluded.person_id, "
                        + "platform = excluded.platform, provider = excluded.provider, app_id = excluded.app_id, "
                        + "push_enabled = excluded.push_enabled, updated_at = excluded.updated_at",
                UuidCreator.getTimeOrderedEpoch().toString(), p.workspaceId, p.id, d.token(), d.platform(),
                d.provider(), d.appId(), d.pushEnabled(), now, now);
    }
}
