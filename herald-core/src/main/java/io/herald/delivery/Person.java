package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The profile a message is rendered for: attributes and ids as Liquid's {@code person}, locale and timezone. */
record Person(String id, String userId, Map<String, Object> attributes, String timezone, String locale) {

    /** {@code person} in a template: the attributes, with userId, timezone and locale beside them. */
    Map<String, Object> view() {
        Map<String, Object> out = new HashMap<>(attributes);
        out.put("userId", userId);
        out.put("timezone", timezone);
        out.put("locale", locale);
        return out;
    }

    /** The people of these deliveries, by person id (absent: erased). */
    @SuppressWarnings("unchecked")
    static Map<String, Person> load(Connection c, List<Claimed> deliveries) throws SQLException {
        Map<String, Person> out = new HashMap<>();
        List<String> ids = deliveries.stream().map(Claimed::personId).distinct().toList();
        for (List<String> chunk : Sql.chunks(ids)) {
            for (Person p : Sql.query(c, "SELECT id, user_id, attributes, timezone, locale FROM persons WHERE id IN ("
                    + Sql.placeholders(chunk.size()) + ")", rs -> {
                Map<String, Object> attributes;
                try {
                    JsonNode a = EventCodec.mapper().readTree(rs.getString("attributes"));
                    attributes = a.isObject() ? EventCodec.mapper().convertValue(a, Map.class) : Map.of();
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new SQLException("corrupt attributes of person " + rs.getString("id"), e);
                }
                return new Person(rs.getString("id"), rs.getString("user_id"), attributes, rs.getString("timezone"),
                        rs.getString("locale"));
            }, chunk.toArray())) {
                out.put(p.id(), p);
            }
        }
        return out;
    }
}
