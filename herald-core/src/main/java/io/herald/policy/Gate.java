package io.herald.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.preference.Preferences;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy gate at send time: whether one delivery goes now, later, or never, and why.
 *
 * <p>The checks run in this order and the first that stops the delivery gives the reason:
 * <ol>
 *   <li><b>subscription</b>: the person opted out of the channel, or of the message's topic on that channel (a
 *       topic they never chose for is at its {@code defaultOptIn}; a topic the workspace does not have is nobody's
 *       subscription, as for segments) → {@code Suppress("unsubscribed")}. Transactional messages skip this.</li>
 *   <li><b>frequency caps</b>: a workspace cap on the delivery's channel or on {@code any} already holds {@code max}
 *       of the person's deliveries whose {@code sent_at} is in {@code (now - per, now]} → {@code
 *       Suppress("frequency_capped")}. Every channel counts, in-app included; transactional deliveries neither
 *       count nor are held; a campaign with {@code frequencyCap: false} is not held (its sends still count).</li>
 *   <li><b>quiet hours</b> in the person's zone (their {@code timezone} attribute, else the latest timezone a
 *       device or context reported, else the workspace's {@code defaultTimezone}) → {@code Defer(end,
 *       "quiet_hours")} or {@code Suppress("quiet_hours")} by the campaign's action, else the workspace's. A deferral
 *       that would outlive the delivery's expiry is a suppression.</li>
 *   <li><b>expiry</b>: {@code expiresAt <= now} → {@code Suppress("expired")}.</li>
 *   <li><b>priority</b>: see {@link #outranked}.</li>
 * </ol>
 * Webhook deliveries are calls to a system, not messages to a person: only expiry applies to them.
 *
 * <p>Caps count the person's deliveries whose {@code sent_at} falls in the window: the dispatcher sets {@code
 * sent_at} in the same transaction in which the gate says {@link Decision.Send}, on the connection given here.
 */
public final class Gate {
    /** How long an outranked delivery waits before it asks again (the higher one normally goes within a second). */
    static final long OUTRANKED_RETRY_MS = 60_000;
    private static final JsonFactory JSON = EventCodec.mapper().getFactory();

    private final Settings settings;

    /** A gate that reads the workspace's policies on every check (nothing cached). */
    public Gate() {
        this(null);
    }

    /** A gate reading policies through {@code settings}' cache, which a PUT of the policies refreshes at once. */
    public Gate(Settings settings) {
        this.settings = settings;
    }

    public Decision check(Connection c, GateRequest r) throws SQLException {
        Policies policies = settings != null ? settings.policiesFor(c, r.workspaceId()) : Settings.load(c, r.workspaceId());
        boolean toPerson = Policies.CAP_CHANNELS.contains(r.channel()) && !"any".equals(r.channel());
        boolean checkSubscription = toPerson && !r.transactional();
        boolean checkQuiet = toPerson && r.quietHours() && policies.quietHours() != null;
        List<Policies.FrequencyCap> caps = new ArrayList<>(2);
        if (toPerson && !r.transactional() && r.frequencyCap()) {
            for (Policies.FrequencyCap cap : policies.frequencyCaps()) if (cap.covers(r.channel())) caps.add(cap);
        }

        PersonFacts person = checkSubscription || checkQuiet
                ? PersonFacts.read(c, r, checkSubscription, checkQuiet) : null;
        if (checkSubscription && !person.subscribed(r.channel(), r.topic())) return new Decision.Suppress("unsubscribed");

        int[] sent = caps.isEmpty() ? null : sentInWindows(c, r, caps);
        for (int i = 0; i < caps.size(); i++) {
            if (sent[i] >= caps.get(i).max()) return new Decision.Suppress("frequency_capped");
        }

        if (checkQuiet) {
            Policies.QuietHours q = policies.quietHours();
            Long end = QuietTime.endIfQuiet(q.start(), q.end(), person.zone(policies.defaultTimezone()), r.now());
            if (end != null) {
                QuietHoursAction action = r.quietHoursAction() != null ? r.quietHoursAction() : q.action();
                if (action == QuietHoursAction.SKIP) return new Decision.Suppress("quiet_hours");
                if (r.expiresAt() != null && r.expiresAt() <= end) return new Decision.Suppress("quiet_hours");
                return new Decision.Defer(end, "quiet_hours");
            }
        }

        if (r.expiresAt() != null && r.expiresAt() <= r.now()) return new Decision.Suppress("expired");

        if (!caps.isEmpty() && outranked(c, r, caps, sent)) {
            long retry = r.now() + OUTRANKED_RETRY_MS;
            if (r.expiresAt() != null && r.expiresAt() <= retry) return new Decision.Suppress("outranked");
            return new Decision.Defer(retry, "outranked");
        }
        return new Decision.Send();
    }

    /** Per cap, the person's deliveries counted against it in its window {@code (now - per, now]}. */
    private static int[] sentInWindows(Connection c, GateRequest r, List<Policies.FrequencyCap> caps) throws SQLException {
        long longest = 0;
        for (Policies.FrequencyCap cap : caps) longest = Math.max(longest, cap.per().toMillis());
        int[] counts = new int[caps.size()];
        try (PreparedStatement ps = c.prepareStatement("SELECT channel, sent_at FROM deliveries WHERE person_id = ? "
                + "AND sent_at > ? AND sent_at <= ? AND transactional = ?")) {
            ps.setString(1, r.personId());
            ps.setLong(2, r.now() - longest);
            ps.setLong(3, r.now());
            ps.setBoolean(4, false);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String channel = rs.getString(1);
                    long sentAt = rs.getLong(2);
                    for (int i = 0; i < caps.size(); i++) {
                        Policies.FrequencyCap cap = caps.get(i);
                        if (sentAt > r.now() - cap.per().toMillis() && cap.covers(channel)) counts[i]++;
                    }
                }
            }
        }
        return counts;
    }

    /**
     * Priority: when deliveries of one person compete for the last room under a cap, the higher priority wins.
     *
     * <p>A delivery that a cap still has room for is outranked when, for some cap it is held to, the person's
     * deliveries that are waiting right now with a strictly higher priority and that the same cap would hold and
     * count (status queued or deferred, due, not expired, not transactional, their campaign not opted out of caps,
     * on a channel the cap covers) are at least as many as the room left. Sending it would take room one of them
     * needs, so it waits {@link #OUTRANKED_RETRY_MS} and asks again: by then the higher ones have normally gone and
     * the cap turns it away ({@code frequency_capped}), or they were stopped by their own checks and it goes. It is
     * suppressed as {@code outranked} when it would expire before asking again. Equal priorities never outrank each
     * other (first come, first served), so two deliveries cannot keep deferring each other.
     */
    private static boolean outranked(Connection c, GateRequest r, List<Policies.FrequencyCap> caps, int[] sent)
            throws SQLException {
        int[] waiting = new int[caps.size()];
        boolean any = false;
        // Matches the partial index deliveries_waiting_person (V10), which holds only waiting deliveries.
        try (PreparedStatement ps = c.prepareStatement("SELECT channel, context FROM deliveries WHERE person_id = ? "
                + "AND status IN ('queued', 'deferred') AND priority > ? AND id <> ? AND transactional = ? "
                + "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (expires_at IS NULL OR expires_at > ?)")) {
            ps.setString(1, r.personId());
            ps.setInt(2, r.priority());
            ps.setString(3, r.deliveryId() == null ? "" : r.deliveryId());
            ps.setBoolean(4, false);
            ps.setLong(5, r.now());
            ps.setLong(6, r.now());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String channel = rs.getString(1);
                    if (!heldToCaps(rs.getString(2))) continue;
                    for (int i = 0; i < caps.size(); i++) {
                        if (caps.get(i).covers(channel)) {
                            waiting[i]++;
                            any = true;
                        }
                    }
                }
            }
        }
        if (!any) return false;
        for (int i = 0; i < caps.size(); i++) {
            if (waiting[i] > 0 && waiting[i] >= caps.get(i).max() - sent[i]) return true;
        }
        return false;
    }

    /** Whether a waiting delivery's campaign holds it to caps ({@code context.policies.frequencyCap}, default true). */
    private static boolean heldToCaps(String context) {
        if (context == null) return true;
        try {
            JsonNode policies = EventCodec.mapper().readTree(context).path("policies");
            return !(policies.path("frequencyCap").isBoolean() && !policies.path("frequencyCap").booleanValue());
        } catch (IOException e) {
            return true; // unreadable context: assume the usual (held), the cautious answer for the lower delivery
        }
    }

    /** What the gate reads of the person: preferences, the topic's default, and their zone. */
    private record PersonFacts(JsonNode preferences, boolean topicExists, boolean topicDefault, String attributeZone,
                               String profileZone) {
        static PersonFacts read(Connection c, GateRequest r, boolean subscription, boolean zone) throws SQLException {
            boolean topic = subscription && r.topic() != null;
            StringBuilder sql = new StringBuilder("SELECT p.timezone, ")
                    .append(zone ? "p.attributes, " : "NULL, ")
                    .append(subscription ? "pp.preferences, " : "NULL, ")
                    .append(topic ? "t.topic_key, t.default_opt_in " : "NULL, NULL ")
                    .append("FROM persons p ");
            if (subscription) sql.append("LEFT JOIN person_preferences pp ON pp.person_id = p.id ");
            if (topic) sql.append("LEFT JOIN topics t ON t.workspace_id = ? AND t.topic_key = ? ");
            sql.append("WHERE p.id = ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                if (topic) {
                    ps.setString(i++, r.workspaceId());
                    ps.setString(i++, r.topic());
                }
                ps.setString(i, r.personId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        // No profile (erased meanwhile): no choices, and for a topic, a fresh read of its default.
                        return new PersonFacts(null, topic && topicDefault(c, r) != null,
                                topic && Boolean.TRUE.equals(topicDefault(c, r)), null, null);
                    }
                    String profileZone = rs.getString(1);
                    String attributes = rs.getString(2);
                    String prefs = rs.getString(3);
                    boolean topicExists = rs.getString(4) != null;
                    boolean topicDefault = topicExists && rs.getBoolean(5);
                    return new PersonFacts(prefs == null ? null : parse(prefs), topicExists, topicDefault,
                            attributes == null ? null : topLevelString(attributes, "timezone"), profileZone);
                }
            }
        }

        private static Boolean topicDefault(Connection c, GateRequest r) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT default_opt_in FROM topics WHERE workspace_id = ? "
                    + "AND topic_key = ?")) {
                ps.setString(1, r.workspaceId());
                ps.setString(2, r.topic());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBoolean(1) : null;
                }
            }
        }

        /** As a segment's {@code subscribed} condition answers it (see the segment package's PersonFacts). */
        boolean subscribed(String channel, String topic) {
            if (!Preferences.CHANNELS.contains(channel)) return true;
            JsonNode choice = preferences == null ? null : preferences.path("channels").get(channel);
            if (choice != null && choice.isBoolean() && !choice.booleanValue()) return false;
            if (topic == null) return true;
            if (!topicExists) return false;
            JsonNode topicChoice = preferences == null ? null : preferences.path("topics").path(topic).get(channel);
            if (topicChoice != null && topicChoice.isBoolean()) return topicChoice.booleanValue();
            return topicDefault;
        }

        /** The person's zone: timezone attribute, else the profile's (latest device/context), else the workspace's. */
        ZoneId zone(ZoneId workspaceDefault) {
            ZoneId z = zoneOrNull(attributeZone);
            if (z == null) z = zoneOrNull(profileZone);
            return z != null ? z : workspaceDefault;
        }

        private static ZoneId zoneOrNull(String id) {
            if (id == null || id.isBlank()) return null;
            try {
                return ZoneId.of(id);
            } catch (DateTimeException e) {
                return null;
            }
        }

        private static JsonNode parse(String json) throws SQLException {
            try {
                return EventCodec.mapper().readTree(json);
            } catch (IOException e) {
                throw new SQLException("corrupt preferences in the store", e);
            }
        }

        /**
         * One top-level string field of a JSON object, read without building the tree: a profile's attributes can
         * be large, and the gate wants one field of them on every delivery.
         */
        private static String topLevelString(String json, String field) throws SQLException {
            try (JsonParser p = JSON.createParser(json)) {
                if (p.nextToken() != JsonToken.START_OBJECT) return null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if (name.equals(field)) return t == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                }
                return null;
            } catch (IOException e) {
                throw new SQLException("corrupt attributes in the store", e);
            }
        }
    }
}
