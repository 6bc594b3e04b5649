package io.herald.segment;

import java.util.BitSet;
import java.util.Collection;
import java.util.Map;

/**
 * Re-evaluates a person's segments and records what changed. Segments are visited in dependency order, so a
 * change to one that others use re-evaluates those too, in the same pass.
 */
final class Membership {
    /** How a change is recorded. */
    enum Mode {
        /** A change while the segment is live: {@code segment.entered}/{@code exited} events are emitted. */
        LIVE,
        /** The first computation of a segment for this person: membership recorded, nothing emitted. */
        SILENT
    }

    private Membership() {
    }

    /**
     * @param carried memberships a merged-away person had (segment id → entered at): entering one of those is not
     *                news, the person was already in it; may be empty
     */
    static void evaluate(SegmentIndex idx, PersonSegments ps, Facts facts, Collection<SegmentIndex.Compiled> affected,
                         long now, Mode mode, Map<String, Long> carried) {
        BitSet todo = new BitSet(idx.ordered.size());
        for (SegmentIndex.Compiled c : affected) {
            if (c.generation() <= ps.generation) todo.set(c.order());
        }
        evaluate(idx, ps, facts, todo, now, mode, carried);
    }

    static void evaluate(SegmentIndex idx, PersonSegments ps, Facts facts, BitSet todo, long now, Mode mode,
                         Map<String, Long> carried) {
        long next = Evaluator.NEVER;
        for (int i = todo.nextSetBit(0); i >= 0; i = todo.nextSetBit(i + 1)) {
            SegmentIndex.Compiled c = idx.ordered.get(i);
            boolean is = Evaluator.matches(c.condition(), facts, now);
            boolean was = ps.isMember(idx, c);
            if (is != was) {
                if (is) {
                    Long before = carried.get(c.id());
                    if (before != null) ps.enterQuietly(c.id(), before);
                    else if (mode == Mode.SILENT) ps.enterQuietly(c.id(), now);
                    else ps.enter(c.id(), c.name(), now);
                } else if (mode == Mode.SILENT) {
                    ps.exitQuietly(c.id());
                } else {
                    ps.exit(c.id(), c.name(), now);
                }
                for (SegmentIndex.Compiled d : idx.dependents.getOrDefault(c.id(), java.util.List.of())) {
                    if (d.generation() <= ps.generation) todo.set(d.order());
                }
            }
            if (c.timeDependent()) next = Math.min(next, Evaluator.nextChange(c.condition(), facts, now));
        }
        ps.wakeBy(next);
    }
}
