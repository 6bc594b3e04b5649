package io.herald.segment;

import io.herald.error.ClientError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Segments that use other segments: evaluation order (used before user) and the refusal of cycles. */
final class Dependencies {
    private Dependencies() {
    }

    /** The definitions, each after every segment it uses (references to unknown segments are ignored). */
    static List<SegmentIndex.Definition> order(List<SegmentIndex.Definition> defs) {
        Map<String, SegmentIndex.Definition> byId = new HashMap<>();
        for (SegmentIndex.Definition d : defs) byId.put(d.id(), d);
        List<SegmentIndex.Definition> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> visiting = new HashSet<>();
        for (SegmentIndex.Definition d : defs) visit(d, byId, done, visiting, out);
        return out;
    }

    private static void visit(SegmentIndex.Definition d, Map<String, SegmentIndex.Definition> byId, Set<String> done,
                              Set<String> visiting, List<SegmentIndex.Definition> out) {
        if (done.contains(d.id())) return;
        if (!visiting.add(d.id())) return; // a cycle: refused on save, so only reachable from corrupt data
        for (String ref : Conditions.segments(d.condition())) {
            SegmentIndex.Definition r = byId.get(ref);
            if (r != null) visit(r, byId, done, visiting, out);
        }
        visiting.remove(d.id());
        done.add(d.id());
        out.add(d);
    }

    /**
     * Refuses a condition for segment {@code id} that references an unknown segment, itself, or a segment that
     * (through others) references it.
     */
    static void check(String id, Condition condition, Map<String, Condition> others) {
        for (String ref : Conditions.segments(condition)) {
            if (ref.equals(id)) throw ClientError.invalid("condition", "a segment cannot use itself (segment " + ref + ")");
            if (!others.containsKey(ref)) throw ClientError.invalid("condition", "condition uses unknown segment " + ref);
        }
        // DFS from each reference; reaching id again is a cycle.
        List<String> stack = new ArrayList<>(Conditions.segments(condition));
        Set<String> seen = new HashSet<>();
        while (!stack.isEmpty()) {
            String s = stack.remove(stack.size() - 1);
            if (!seen.add(s)) continue;
            Condition c = others.get(s);
            if (c == null) continue;
            for (String ref : Conditions.segments(c)) {
                if (ref.equals(id)) {
                    throw ClientError.invalid("condition", "condition would make a cycle: segment " + s
                            + " already uses this segment");
                }
                stack.add(ref);
            }
        }
    }
}
