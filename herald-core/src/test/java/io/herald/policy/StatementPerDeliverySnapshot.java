package io.herald.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.preference.Preferences;
import io.herald.store.Statements;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The snapshot of {@link StatementPerDeliveryGate} (main at ab3c29e), the round's oracle in {@link GateRoundTest}.
 *
 * <p>Everything the gate reads about one person for one delivery, in one statement: per cap, the deliveries counted
 * in its window and the higher-priority ones waiting on channels it covers; the person's preferences and the
 * topic's default; the zone attribute and the device/context zone.
 *
 * <p>Why one statement: the gate runs for every delivery, and on SQLite each statement costs a prepare and a few
 * JNI round trips whatever it reads (a primary-key SELECT is most of the budget). Counting in SQL also returns one
 * row where the rows themselves would be dozens. The waiting counts are an upper bound (they do not look inside a
 * waiting delivery's context for its campaign's cap opt-out); the gate confirms the rare case where they would
 * outrank, see {@link Gate}.
 */
record StatementPerDeliverySnapshot(int[] sent, int[] waiting, JsonNode preferences, boolean topicExists, boolean topicDefault,
                String attributeZone, String profileZone) {
    /**
     * The channels {@code any} counts, as comparisons: SQLite evaluates an {@code IN} list that no index reads by
     * building a temporary table from it on every run of the statement, which cost more than the counting itself.
     */
    private static final String PERSON_CHANNELS = "(channel = 'in_app' OR channel = 'push' OR channel = 'email' "
            + "OR channel = 'sms' OR channel = 'whatsapp')";
    /** The statement for each shape (which caps, which person facts): built once, it is the same text every time. */
    private static final Map<String, String> SQL = new ConcurrentHashMap<>();
    /** Workspaces' cap lists make a handful of shapes; past this many, build the rest each time. */
    private static final int MAX_SHAPES = 1000;

    static StatementPerDeliverySnapshot read(Connection c, GateRequest r, List<Policies.FrequencyCap> caps, boolean subscription,
                         boolean zone) throws SQLException {
        boolean topic = subscription && r.topic() != null;
        StringBuilder key = new StringBuilder().append(subscription).append(zone).append(topic);
        for (Policies.FrequencyCap cap : caps) key.append('|').append(cap.channel());
        String sql = SQL.get(key.toString());
        if (sql == null) {
            sql = sql(caps, subscription, zone, topic);
            if (SQL.size() < MAX_SHAPES) SQL.put(key.toString(), sql);
        }
        PreparedStatement cached = Statements.cached(c, sql);
        PreparedStatement ps = cached != null ? cached : c.prepareStatement(sql);
        try {
            int i = 1;
            if (!caps.isEmpty()) {
                long oldest = r.now();
                for (Policies.FrequencyCap cap : caps) {
                    long from = r.now() - cap.per().toMillis();
                    ps.setLong(i++, from);
                    oldest = Math.min(oldest, from);
                }
                ps.setString(i++, r.personId());
                ps.setLong(i++, oldest);
                ps.setLong(i++, r.now());
                ps.setBoolean(i++, false);
                ps.setString(i++, r.personId());
                ps.setInt(i++, r.priority());
                ps.setString(i++, r.deliveryId() == null ? "" : r.deliveryId());
                ps.setBoolean(i++, false);
                ps.setLong(i++, r.now());
                ps.setLong(i++, r.now());
            }
            ps.setString(i++, r.personId());
            if (topic) {
                ps.setString(i++, r.workspaceId());
                ps.setString(i, r.topic());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next(); // FROM the one-row seed, persons joined LEFT: always exactly one row
                int n = caps.size();
                int[] sent = new int[n];
                int[] waiting = new int[n];
                int col = 1;
                if (n > 0) {
                    counts(rs.getString(col++), sent);
                    counts(rs.getString(col++), waiting);
                }
                String profileZone = rs.getString(col++);
                String attributes = rs.getString(col++);
                String prefs = rs.getString(col++);
                boolean topicExists = rs.getString(col++) != null;
                boolean topicDefault = topicExists && rs.getBoolean(col);
                return new StatementPerDeliverySnapshot(sent, waiting, prefs == null ? null : parse(prefs), topicExists, topicDefault,
                        attributes == null ? null : topLevelString(attributes, "timezone"), profileZone);
            }
        } finally {
            if (cached == null) ps.close();
        }
    }

    /**
     * The statement of one shape. Channels are inlined (they come from the validated set), times are bound. The
     * waiting counts repeat the partial index's predicate ({@code deliveries_waiting_person}, V10, V11) so SQLite
     * uses it.
     */
    private static String sql(List<Policies.FrequencyCap> caps, boolean subscription, boolean zone, boolean topic) {
        StringBuilder select = new StringBuilder("SELECT ");
        // All caps from one pass over the person's sends in the longest window, and all waiting counts from one pass
        // over their waiting deliveries: two index range reads whatever the number of caps, each on an index that
        // holds every column it tests (V11), so no delivery row is read. The counts come back as one text each
        // ("3,1,5") because a scalar subquery returns one value, and SQLite would build a temporary table for a
        // subquery in FROM.
        if (!caps.isEmpty()) {
            select.append("(SELECT ");
            for (int k = 0; k < caps.size(); k++) {
                if (k > 0) select.append(" || ',' || ");
                select.append("COUNT(CASE WHEN sent_at > ?").append(channelFilter(caps.get(k))).append(" THEN 1 END)");
            }
            select.append(" FROM deliveries WHERE person_id = ? AND sent_at > ? AND sent_at <= ? AND transactional = ?), ");
            select.append("(SELECT ");
            for (int k = 0; k < caps.size(); k++) {
                if (k > 0) select.append(" || ',' || ");
                select.append("COUNT(CASE WHEN ").append(channelFilter(caps.get(k)).substring(" AND ".length()))
                        .append(" THEN 1 END)");
            }
            select.append(" FROM deliveries WHERE person_id = ? AND status IN ('queued', 'deferred') AND priority > ? "
                    + "AND id <> ? AND transactional = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                    + "AND (expires_at IS NULL OR expires_at > ?)), ");
        }
        select.append("p.timezone, ").append(zone ? "p.attributes, " : "NULL, ")
                .append(subscription ? "pp.preferences, " : "NULL, ")
                .append(topic ? "t.topic_key, t.default_opt_in" : "NULL, NULL")
                .append(" FROM (SELECT 1 AS one) s LEFT JOIN persons p ON p.id = ?");
        if (subscription) select.append(" LEFT JOIN person_preferences pp ON pp.person_id = p.id");
        if (topic) select.append(" LEFT JOIN topics t ON t.workspace_id = ? AND t.topic_key = ?");
        return select.toString();
    }

    /** The counts {@link #sql} returns as text, "3,1,5", into {@code into} (one per cap, in order). */
    private static void counts(String text, int[] into) {
        int k = 0;
        int value = 0;
        for (int j = 0; j < text.length(); j++) {
            char ch = text.charAt(j);
            if (ch == ',') {
                into[k++] = value;
                value = 0;
            } else {
                value = value * 10 + (ch - '0');
            }
        }
        into[k] = value;
    }

    private static String channelFilter(Policies.FrequencyCap cap) {
        return cap.channel().equals("any") ? " AND " + PERSON_CHANNELS : " AND channel = '" + cap.channel() + "'";
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
            throw new SQLException("corrupt JSON in the store", e);
        }
    }

    /**
     * One top-level string field of a JSON object, read the plain way (the whole tree): the gate's streaming read
     * ({@code PersonDocuments.topLevelString}) is what this reference checks, so it does not share it.
     */
    private static String topLevelString(String json, String field) throws SQLException {
        JsonNode value = parse(json).get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
