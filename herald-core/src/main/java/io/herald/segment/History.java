package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds tallies from people's recorded event history: what a new or edited segment needs for people who existed
 * before it. Each event counts by its own timestamp, exactly as if it had been tallied when processed.
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
        Map<String, List<SegmentIndex.TallySpec>> byEvent = new HashMap<>();
        Set<String> events = new LinkedHashSet<>();
        for (PersonSegments ps : people) {
            boolean needs = false;
            for (SegmentIndex.TallySpec s : specs) {
                if (s.since() > ps.generation) {
                    ps.tallies.remove(s.id());
                    needs = true;
                }
            }
            if (needs) byId.put(ps.personId, ps);
        }
        for (SegmentIndex.TallySpec s : specs) {
            byEvent.computeIfAbsent(s.key().filter().event(), k -> new ArrayList<>()).add(s);
            events.add(s.key().filter().event());
        }
        if (byId.isEmpty() || events.isEmpty()) return;
        List<String> eventNames = new ArrayList<>(events);
        for (List<String> chunk : Sql.chunks(new ArrayList<>(byId.keySet()))) {
            for (List<String> names : Sql.chunks(eventNames)) {
                String sql = "SELECT person_id, event, properties, ts FROM person_events WHERE workspace_id = ? "
                        + "AND type = 'track' AND person_id IN (" + Sql.placeholders(chunk.size()) + ") AND event IN ("
                        + Sql.placeholders(names.size()) + ")";
                try (PreparedStatement st = c.prepareStatement(sql)) {
                    int i = 1;
                    st.setString(i++, workspaceId);
                    for (String id : chunk) st.setString(i++, id);
                    for (String n : names) st.setString(i++, n);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            PersonSegments ps = byId.get(rs.getString(1));
                            String properties = rs.getString(3);
                            long ts = rs.getLong(4);
                            JsonNode props = null;
                            for (SegmentIndex.TallySpec s : byEvent.get(rs.getString(2))) {
                                if (s.since() <= ps.generation || !s.key().inRange(ts)) continue;
                                EventFilter f = s.key().filter();
                                if (props == null && (f.property() != null || !f.where().isEmpty())) {
                                    props = properties == null ? null : Json.parse(properties);
                                }
                                if (!Filters.matches(f, props, ts)) continue;
                                double v = f.property() == null ? Double.NaN : Values.numeric(Values.at(props, f.property()));
                                ps.tallies.computeIfAbsent(s.id(), k -> new Tally()).add(ts, v, s.retention(), now);
                            }
                        }
                    }
                }
            }
        }
    }
}
