package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds tallies from people's recorded event history: what a new or edited segment needs for people who existed
 * before it. Each event counts by its own timestamp, exactly as if it had been tallied when processed.
 *
 * <p>Two ways, same tallies: {@link #fill} reads the history of the given people (through the history's timeline
 * index, a random read per event); {@link #scan} reads a whole workspace's history in one pass in the order it lies
 * on disk, about ten times faster per event, and keeps the tallies in memory for {@link Scanned#fill}.
 */
final class History {
    private History() {
    }

    /**
     * Recomputes, for each given person, the tallies in {@code specs} that their state is too old for
     * ({@code since > generation}), from their history.
     */
    static void fill(Connection c, String workspaceId, List<PersonSegments> people, List<SegmentIndex.TallySpec> specs,
                     long now) throws SQLException {
        Map<String, PersonSegments> byId = new HashMap<>();
        // Only the tallies someone here lacks are read for: a new segment's events, not every segment's.
        List<SegmentIndex.TallySpec> needed = new ArrayList<>();
        for (SegmentIndex.TallySpec s : specs) {
            boolean lacking = false;
            for (PersonSegments ps : people) {
                if (s.since() > ps.generation) {
                    ps.tallies.remove(s.id());
                    byId.put(ps.personId, ps);
                    lacking = true;
                }
            }
            if (lacking) needed.add(s);
        }
        Query q = new Query(needed);
        if (byId.isEmpty() || q.byEvent.isEmpty()) return;
        for (List<String> chunk : Sql.chunks(new ArrayList<>(byId.keySet()))) {
            for (List<String> names : Sql.chunks(new ArrayList<>(q.byEvent.keySet()))) {
                String sql = q.select() + " AND person_id IN (" + Sql.placeholders(chunk.size()) + ") AND event IN ("
                        + Sql.placeholders(names.size()) + ")";
                try (PreparedStatement st = c.prepareStatement(sql)) {
                    int i = 1;
                    st.setString(i++, workspaceId);
                    for (String id : chunk) st.setString(i++, id);
                    for (String n : names) st.setString(i++, n);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            PersonSegments ps = byId.get(rs.getString(1));
                            add(ps.tallies, q.byEvent.get(rs.getString(2)), ps.generation, rs.getString(3), rs.getLong(4), now);
                        }
                    }
                }
            }
        }
    }

    /**
     * Tallies, in one pass over the workspace's history, the events of the {@code specs} someone of generation
     * {@code oldest} or newer lacks ({@code since > oldest}); null when more than {@code limit} events match (the
     * tallies would not fit in memory: {@link #fill} chunk by chunk instead).
     */
    static Scanned scan(Connection c, String workspaceId, Collection<SegmentIndex.TallySpec> specs, long oldest, long now,
                        long limit) throws SQLException {
        List<SegmentIndex.TallySpec> needed = new ArrayList<>();
        for (SegmentIndex.TallySpec s : specs) if (s.since() > oldest) needed.add(s);
        Query q = new Query(needed);
        Map<String, Map<String, Tally>> byPerson = new HashMap<>();
        if (q.byEvent.isEmpty()) return new Scanned(needed, byPerson);
        long matched = 0;
        for (List<String> names : Sql.chunks(new ArrayList<>(q.byEvent.keySet()))) {
            try (PreparedStatement st = c.prepareStatement(q.select() + " AND event IN (" + Sql.placeholders(names.size())
                    + ")")) {
                int i = 1;
                st.setString(i++, workspaceId);
                for (String n : names) st.setString(i++, n);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        if (++matched > limit) return null;
                        Map<String, Tally> tallies = byPerson.computeIfAbsent(rs.getString(1), k -> new HashMap<>(4));
                        add(tallies, q.byEvent.get(rs.getString(2)), oldest, rs.getString(3), rs.getLong(4), now);
                    }
                }
            }
        }
        return new Scanned(needed, byPerson);
    }

    /** The tallies of a {@link #scan}, handed to each person as their chunk is computed. */
    static final class Scanned {
        private final List<SegmentIndex.TallySpec> specs;
        private final Map<String, Map<String, Tally>> byPerson;

        private Scanned(List<SegmentIndex.TallySpec> specs, Map<String, Map<String, Tally>> byPerson) {
            this.specs = specs;
            this.byPerson = byPerson;
        }

        /**
         * As {@link History#fill}, from the scan: each person's tallies their state is too old for, as their history
         * stood when the scan read it (so only for people no batch has touched since). Each person's tallies are
         * given once.
         */
        void fill(List<PersonSegments> people) {
            for (PersonSegments ps : people) {
                Map<String, Tally> scanned = byPerson.remove(ps.personId);
                for (SegmentIndex.TallySpec s : specs) {
                    if (s.since() <= ps.generation) continue;
                    ps.tallies.remove(s.id());
                    Tally t = scanned == null ? null : scanned.get(s.id());
                    if (t != null) ps.tallies.put(s.id(), t);
                }
            }
        }
    }

    /** Adds one recorded event to the tallies of the specs (of its name) that a person of this generation lacks. */
    private static void add(Map<String, Tally> tallies, List<SegmentIndex.TallySpec> specs, long generation,
                            String properties, long ts, long now) {
        JsonNode props = null;
        for (SegmentIndex.TallySpec s : specs) {
            if (s.since() <= generation || !s.key().inRange(ts)) continue;
            EventFilter f = s.key().filter();
            if (props == null && (f.property() != null || !f.where().isEmpty())) {
                props = properties == null ? null : Json.parse(properties);
            }
            if (!Filters.matches(f, props, ts)) continue;
            double v = f.property() == null ? Double.NaN : Values.numeric(Values.at(props, f.property()));
            tallies.computeIfAbsent(s.id(), k -> new Tally()).add(ts, v, s.retention(), now);
        }
    }

    /** The history's track events of the specs' names; properties read (and parsed) only when a spec needs them. */
    private static final class Query {
        final Map<String, List<SegmentIndex.TallySpec>> byEvent = new LinkedHashMap<>();
        final boolean properties;

        Query(List<SegmentIndex.TallySpec> specs) {
            boolean p = false;
            for (SegmentIndex.TallySpec s : specs) {
                byEvent.computeIfAbsent(s.key().filter().event(), k -> new ArrayList<>()).add(s);
                p |= s.key().filter().property() != null || !s.key().filter().where().isEmpty();
            }
            this.properties = p;
        }

        String select() {
            return "SELECT person_id, event, " + (properties ? "properties" : "NULL") + ", ts FROM person_events "
                    + "WHERE workspace_id = ? AND type = 'track'";
        }
    }
}
