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
     * Refuses a condition for segment {@code id} (null for an unsaved preview) that references an unknown segment,
     * itself, or a segment that (through others) references it. The error names the offending reference's field,
     * e.g. {@code condition.or[2].segment}.
     */
    static void check(String id, List<ConditionParser.Reference> references, Map<String, Condition> others) {
        for (ConditionParser.Reference r : references) {
            if (r.segmentId().equals(id)) {
                throw ClientError.invalid(r.field(), r.field() + ": a segment cannot use itself (segment " + id + ")");
            }
            if (!others.containsKey(r.segmentId())) {
                throw ClientError.invalid(r.field(), r.field() + ": no segment " + r.segmentId() + " in this workspace");
            }
        }
        if (id == null) return;
        for (ConditionParser.Reference r : references) {
            List<String> chain = pathTo(id, r.segmentId(), others);
            if (chain != null) {
                throw ClientError.invalid(r.field(), r.field() + ": segment " + r.segmentId()
                        + " already uses this segment (" + String.join(" -> ", chain) + "), so this would make a cycle");
            }
        }
    }

    /** The chain of segments from {@code from} to {@code target} through references, or null when none leads there. */
    private static List<String> pathTo(String target, String from, Map<String, Condition> others) {
        // Depth-first with the path kept: the chain in the error tells the user which reference to change.
        Map<String, String> cameFrom = new HashMap<>();
        List<String> stack = new ArrayList<>(List.of(from));
        Set<String> seen = new HashSet<>(List.of(from));
        while (!stack.isEmpty()) {
            String s = stack.remove(stack.size() - 1);
            Condition c = others.get(s);
            if (c == null) continue;
            for (String ref : Conditions.segments(c)) {
                if (ref.equals(target)) {
                    List<String> chain = new ArrayList<>(List.of(target));
                    for (String at = s; at != null; at = cameFrom.get(at)) chain.addFirst(at);
                    return chain;
                }
                if (seen.add(ref)) {
                    cameFrom.put(ref, s);
                    stack.add(ref);
                }
            }
        }
        return null;
    }
}
