package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.store.Sql;
import io.herald.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link Facts} over a person's {@link PersonSegments} and the store: attributes, devices and preferences are
 * read only when a condition asks for them, at most once per evaluation.
 */
final class PersonFacts implements Facts {
    private final PersonSegments ps;
    private final SegmentIndex idx;
    private final Supplier<Connection> connection;
    private final Supplier<JsonNode> attributeSource;
    private JsonNode attributes;
    private List<DeviceFact> devices;
    private JsonNode preferences;
    private boolean preferencesRead;
    private Map<String, Boolean> topicDefaults;
    /**
     * The tallies this evaluation already looked up, by slot ({@link #ABSENT}: the person has none). Segments share
     * tallies and a time-dependent one reads each twice (answer, next change); the person's map is cold in the cache.
     */
    private Tally[] seen;
    private static final Tally ABSENT = new Tally();

    PersonFacts(PersonSegments ps, SegmentIndex idx, Supplier<Connection> connection, Supplier<JsonNode> attributes) {
        this.ps = ps;
        this.idx = idx;
        this.connection = connection;
        this.attributeSource = attributes;
    }

    /** Something changed the person since the last read (an event was applied): read afresh next time. */
    void forget() {
        attributes = null;
        devices = null;
        seen = null;
        preferencesRead = false;
    }

    @Override
    public JsonNode attributes() {
        if (attributes == null) attributes = attributeSource.get();
        return attributes;
    }

    @Override
    public Tally tally(Condition.Performed p) {
        SegmentIndex.TallySpec spec = idx.specOf(p);
        if (spec == null) return null;
        if (seen == null) seen = new Tally[idx.tallies.size()];
        Tally t = seen[spec.slot()];
        if (t == null) {
            t = ps.tallies.get(spec.id());
            seen[spec.slot()] = t == null ? ABSENT : t;
            return t;
        }
        return t == ABSENT ? null : t;
    }

    @Override
    public boolean inSegment(String segmentId) {
        SegmentIndex.Compiled c = idx.byId.get(segmentId);
        return c != null ? ps.isMember(idx, c) : ps.members.containsKey(segmentId);
    }

    @Override
    public List<DeviceFact> devices() {
        if (devices == null) {
            devices = read(c -> Sql.query(c, "SELECT platform, provider, app_id, push_enabled FROM devices "
                            + "WHERE workspace_id = ? AND person_id = ?",
                    rs -> new DeviceFact(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)),
                    ps.workspaceId, ps.personId));
        }
        return devices;
    }

    /**
     * Subscribed unless the person opted out of the channel; for a topic, their choice for it on that channel,
     * else the topic's default. A topic the workspace does not have is nobody's subscription.
     */
    @Override
    public boolean subscribed(String channel, String topic) {
        if (!preferencesRead) {
            preferences = read(c -> Sql.queryOne(c, "SELECT preferences FROM person_preferences WHERE person_id = ? "
                    + "AND workspace_id = ?", rs -> Json.parse(rs.getString(1)), ps.personId, ps.workspaceId)
                    .orElse(null));
            preferencesRead = true;
        }
        if (preferences != null && preferences.path("channels").path(channel).isBoolean()
                && !preferences.path("channels").path(channel).booleanValue()) return false;
        if (topic == null) return true;
        // Asked first: a choice stored for a topic since deleted must not keep the person subscribed to it.
        Boolean defaultOptIn = topicDefaults().get(topic);
        if (defaultOptIn == null) return false;
        JsonNode choice = preferences == null ? null : preferences.path("topics").path(topic).get(channel);
        if (choice != null && choice.isBoolean()) return choice.booleanValue();
        return defaultOptIn;
    }

    /** The workspace's topics and their defaults, read once per evaluation. */
    private Map<String, Boolean> topicDefaults() {
        if (topicDefaults == null) {
            topicDefaults = read(c -> {
                Map<String, Boolean> m = new java.util.HashMap<>();
                for (Object[] r : Sql.query(c, "SELECT topic_key, default_opt_in FROM topics WHERE workspace_id = ?",
                        rs -> new Object[] {rs.getString(1), rs.getBoolean(2)}, ps.workspaceId)) {
                    m.put((String) r[0], (Boolean) r[1]);
                }
                return m;
            });
        }
        return topicDefaults;
    }

    private interface Read<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T read(Read<T> r) {
        try {
            return r.apply(connection.get());
        } catch (SQLException e) {
            throw new StoreException("reading a person's facts for segments failed: " + e.getMessage(), e);
        }
    }
}
