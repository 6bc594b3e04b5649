package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One person's segment state during a batch: the generation it is computed for, the tallies, the memberships,
 * and what changed (written when the batch flushes).
 */
final class PersonSegments {
    final String personId;
    final String workspaceId;
    /** Segments and tallies of a newer generation are not computed for this person yet. */
    long generation;
    final Map<String, Tally> tallies;
    /** Segment id → when the person entered it. */
    final Map<String, Long> members;
    Long nextCheckAt;
    String timerId;

    boolean stateDirty;
    /**
     * Memberships to write at the flush. New maps after each flush rather than cleared ones: a cleared map keeps its
     * grown table, cold in the cache by the person's next event, and putting into it cost more than the evaluation.
     */
    Map<String, Long> entered = new LinkedHashMap<>();
    Set<String> exited = new HashSet<>();
    /** The log position of the event being processed: history rows of changes sort right after it. */
    long seq;
    /** New: no segment has been evaluated for the person yet, so all of them are, once. */
    boolean unevaluated;
    /** When Herald received the event being processed (epoch ms); -1 when the change has no one event behind it. */
    long receivedAt = -1;
    /** Merged into another person: the rows go at the flush. */
    boolean deleted;

    PersonSegments(String personId, String workspaceId, long generation, Map<String, Tally> tallies,
                   Map<String, Long> members, Long nextCheckAt, String timerId) {
        this.personId = personId;
        this.workspaceId = workspaceId;
        this.generation = generation;
        this.tallies = tallies;
        this.members = members;
        this.nextCheckAt = nextCheckAt;
        this.timerId = timerId;
    }

    static PersonSegments fresh(String personId, String workspaceId, long generation) {
        PersonSegments p = new PersonSegments(personId, workspaceId, generation, new HashMap<>(), new HashMap<>(),
                null, null);
        p.stateDirty = true;
        p.unevaluated = true;
        return p;
    }

    /**
     * A membership change for the person's history and the campaign stage; {@code receivedAt} is when the event that
     * caused it was received (-1: unknown, as for a merge).
     */
    record Change(String segmentId, String segmentName, boolean entered, long at, long seq, long receivedAt) {
    }

    final java.util.List<Change> changes = new java.util.ArrayList<>();
    /**
     * The changes not yet handed to the campaign stage: the processor's stage hands them out right after the event
     * that caused them (see {@link SegmentStage#announcements}), the history rows of {@link #changes} wait for the
     * flush.
     */
    final java.util.List<Change> unannounced = new java.util.ArrayList<>();
    /** The earliest instant a timer should wake the person for time windows; NEVER when none is needed. */
    long wakeAt = Evaluator.NEVER;

    void enter(String segmentId, String name, long at) {
        enterQuietly(segmentId, at);
        Change ch = new Change(segmentId, name, true, at, seq, receivedAt);
        changes.add(ch);
        unannounced.add(ch);
    }

    void exit(String segmentId, String name, long at) {
        exitQuietly(segmentId);
        Change ch = new Change(segmentId, name, false, at, seq, receivedAt);
        changes.add(ch);
        unannounced.add(ch);
    }

    /**
     * The memberships again, as bits by segment order in {@link #bitsOf}'s index (null: not built yet): whether the
     * person is in a segment is asked for every segment evaluated, and a look-up in the map (cold in the cache,
     * one node per membership) cost more than evaluating most conditions.
     */
    private SegmentIndex bitsOf;
    private java.util.BitSet memberBits;

    /** Whether the person is in {@code c}, one of {@code idx}'s segments. */
    boolean isMember(SegmentIndex idx, SegmentIndex.Compiled c) {
        if (bitsOf != idx) {
            java.util.BitSet bits = new java.util.BitSet(idx.ordered.size());
            for (String id : members.keySet()) {
                SegmentIndex.Compiled m = idx.byId.get(id);
                if (m != null) bits.set(m.order());
            }
            memberBits = bits;
            bitsOf = idx;
        }
        return memberBits.get(c.order());
    }

    void enterQuietly(String segmentId, long at) {
        members.put(segmentId, at);
        if (bitsOf != null) {
            SegmentIndex.Compiled c = bitsOf.byId.get(segmentId);
            if (c != null) memberBits.set(c.order());
        }
        entered.put(segmentId, at);
    }

    void exitQuietly(String segmentId) {
        members.remove(segmentId);
        if (bitsOf != null) {
            SegmentIndex.Compiled c = bitsOf.byId.get(segmentId);
            if (c != null) memberBits.clear(c.order());
        }
        entered.remove(segmentId);
        exited.add(segmentId); // deleted before any insert at the flush: an exit and a re-entry both land
    }

    /** The memberships to write were written (or handed out). */
    void written() {
        if (!entered.isEmpty()) entered = new LinkedHashMap<>();
        if (!exited.isEmpty()) exited = new HashSet<>();
    }

    /** Asks to be woken by {@code at} at the latest (an earlier wake-up is harmless: it re-evaluates). */
    void wakeBy(long at) {
        wakeAt = Math.min(wakeAt, at);
    }

    /** Keeps only the tallies the index still has, each pruned to its window, as stored JSON. */
    String stateJson(SegmentIndex idx, long now) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode t = o.putObject("t");
        for (Iterator<Map.Entry<String, Tally>> it = tallies.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Tally> e = it.next();
            SegmentIndex.TallySpec spec = idx.talliesById.get(e.getKey());
            if (spec == null) {
                it.remove();
                continue;
            }
            e.getValue().prune(spec.retention(), now);
            t.set(e.getKey(), e.getValue().toJson());
        }
        return o.toString();
    }

    static Map<String, Tally> talliesFromJson(String json) {
        Map<String, Tally> out = new HashMap<>();
        JsonNode t = Json.parse(json).path("t");
        for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), Tally.fromJson(e.getValue()));
        }
        return out;
    }
}
