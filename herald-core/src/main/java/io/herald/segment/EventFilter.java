package io.herald.segment;

import java.util.List;

/**
 * Which events a behavioral condition looks at: a name, property filters, and the numeric property an aggregate
 * reads (null for counts). Two conditions with equal filters share one per-person tally.
 */
record EventFilter(String event, List<Condition.PropertyFilter> where, String property) {
    EventFilter {
        where = List.copyOf(where);
    }
}
