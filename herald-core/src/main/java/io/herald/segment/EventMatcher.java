package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import java.util.List;
import java.util.Set;

/**
 * "This event, with these properties": what campaign triggers, waits, exit rules and goals listen for. The
 * {@code where} filters are the segment conditions' property filters, with the same ops and meaning.
 */
public final class EventMatcher {
    private final EventFilter filter;

    private EventMatcher(EventFilter filter) {
        this.filter = filter;
    }

    /** Parses {@code {"event": name, "where"?: [...]}} (other fields of the object are the caller's to check). */
    public static EventMatcher parse(JsonNode n, String field) {
        if (n == null || !n.isObject() || !n.has("event")) throw ClientError.missing(field + ".event");
        Condition c = ConditionParser.parse(project(n), field);
        if (!(c instanceof Condition.Performed p)) throw new IllegalStateException("an event condition parses as Performed");
        return new EventMatcher(p.filter());
    }

    private static JsonNode project(JsonNode n) {
        var o = io.herald.event.EventCodec.mapper().createObjectNode();
        o.set("event", n.get("event"));
        if (n.has("where")) o.set("where", n.get("where"));
        return o;
    }

    public String event() {
        return filter.event();
    }

    public boolean matches(String event, JsonNode properties, long eventTimestamp) {
        return filter.event().equals(event) && Filters.matches(filter, properties, eventTimestamp);
    }

    /** The fields an event matcher object may have. */
    public static final Set<String> FIELDS = Set.of("event", "where");

    @Override
    public String toString() {
        return "EventMatcher[" + filter.event() + ", where=" + filter.where().size() + "]";
    }

    List<Condition.PropertyFilter> where() {
        return filter.where();
    }
}
