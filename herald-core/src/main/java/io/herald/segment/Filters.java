package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;

/** Whether an event's properties pass a filter's {@code where} list. */
final class Filters {
    private Filters() {
    }

    /**
     * Relative dates in a property filter ({@code within P7D}) are measured from the event's own timestamp, so
     * whether an event matches never changes after it happened.
     */
    static boolean matches(EventFilter filter, JsonNode properties, long eventTs) {
        for (Condition.PropertyFilter f : filter.where()) {
            if (!Values.test(Values.at(properties, f.path()), f.op(), f.operand(), eventTs)) return false;
        }
        return true;
    }
}
