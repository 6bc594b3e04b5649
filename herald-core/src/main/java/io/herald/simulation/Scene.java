package io.herald.simulation;

import io.herald.campaign.Journey;
import io.herald.error.ClientError;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a simulation sets up before it runs: the segments to copy into the scratch store (those the campaign names
 * and those they use, in the order they can be created), the topics conditions name, and when it stops.
 */
record Scene(List<Simulation.SegmentDefinition> segments, List<Simulation.TopicDefinition> topics, Instant until,
             List<String> warnings) {

    static Scene of(Simulation sim, Journey journey, Simulator.Limits limits) {
        References refs = References.ofCampaign(sim.campaign(), sim.campaignField());
        List<String> warnings = new ArrayList<>();
        List<Simulation.SegmentDefinition> segments = segmentsToCopy(sim, refs);
        List<Simulation.TopicDefinition> topics = topicsToCopy(sim, refs, warnings);
        Instant until = sim.until() != null ? sim.until() : defaultUntil(sim, journey, refs, limits);
        return new Scene(segments, topics, until, warnings);
    }

    /** Where a segment the request gave stood in it ({@code segments[2]}), for errors; -1 for the workspace's. */
    static int indexOf(List<Simulation.SegmentDefinition> given, String id) {
        for (int i = 0; i < given.size(); i++) if (given.get(i).id().equals(id)) return i;
        return -1;
    }

    /**
     * The segments to copy: those the campaign names, and those they use, each after the ones it uses. A segment
     * the request gives wins over the workspace's of the same id.
     */
    private static List<Simulation.SegmentDefinition> segmentsToCopy(Simulation sim, References campaignRefs) {
        Map<String, Simulation.SegmentDefinition> given = new LinkedHashMap<>();
        for (Simulation.SegmentDefinition d : sim.segments()) given.put(d.id(), d);
        Map<String, Simulation.SegmentDefinition> found = new HashMap<>();
        List<Simulation.SegmentDefinition> ordered = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (References.SegmentRef ref : campaignRefs.segments) {
            visit(ref, given, found, sim.lookup(), done, new HashSet<>(), ordered);
        }
        // Segments given but not named by the campaign still run: their entries and exits show in the result.
        for (References.SegmentRef ref : given.keySet().stream().map(id -> new References.SegmentRef(id, "segments")).toList()) {
            visit(ref, given, found, sim.lookup(), done, new HashSet<>(), ordered);
        }
        return ordered;
    }

    private static void visit(References.SegmentRef ref, Map<String, Simulation.SegmentDefinition> given,
                              Map<String, Simulation.SegmentDefinition> found, Simulation.Lookup lookup, Set<String> done,
                              Set<String> visiting, List<Simulation.SegmentDefinition> ordered) {
        String id = ref.segmentId();
        if (done.contains(id) || !visiting.add(id)) return; // a cycle is refused when the segment is created
        Simulation.SegmentDefinition d = given.get(id);
        if (d == null) d = found.computeIfAbsent(id, k -> lookup.segment(k).orElse(null));
        if (d == null) {
            throw ClientError.invalid(ref.field(), ref.field() + " names segment " + id + ", which is neither in the "
                    + "request's segments nor in the workspace");
        }
        References uses = new References();
        uses.condition(d.body().get("condition"), "segment " + id + ": condition");
        for (References.SegmentRef inner : uses.segments) visit(inner, given, found, lookup, done, visiting, ordered);
        done.add(id);
        ordered.add(d);
    }

    /** The topics conditions name, from the workspace; one it does not have subscribes nobody, as live. */
    private static List<Simulation.TopicDefinition> topicsToCopy(Simulation sim, References campaignRefs,
                                                                  List<String> warnings) {
        Set<String> keys = new LinkedHashSet<>(campaignRefs.topics);
        for (Simulation.SegmentDefinition d : sim.segments()) {
            References r = new References();
            r.condition(d.body().get("condition"), "condition");
            keys.addAll(r.topics);
        }
        List<Simulation.TopicDefinition> out = new ArrayList<>();
        for (String key : keys) {
            Optional<Simulation.TopicDefinition> t = sim.lookup().topic(key);
            if (t.isPresent()) out.add(t.get());
            else warnings.add("topic " + key + " is not in the workspace: a subscribed condition naming it selects nobody");
        }
        return out;
    }

    private static Instant defaultUntil(Simulation sim, Journey journey, References refs, Simulator.Limits limits) {
        Instant last = sim.start();
        for (Simulation.Entry e : sim.timeline()) if (e.at().isAfter(last)) last = e.at();
        Duration window = refs.longestWindow;
        for (Simulation.SegmentDefinition d : sim.segments()) {
            References r = new References();
            r.condition(d.body().get("condition"), "condition");
            if (r.longestWindow.compareTo(window) > 0) window = r.longestWindow;
        }
        for (References.SegmentRef ref : refs.segments) {
            Optional<Simulation.SegmentDefinition> d = sim.lookup().segment(ref.segmentId());
            if (d.isEmpty()) continue;
            References r = new References();
            r.condition(d.get().body().get("condition"), "condition");
            if (r.longestWindow.compareTo(window) > 0) window = r.longestWindow;
        }
        Duration span = Waits.longestPath(journey).plus(window);
        if (journey.trigger() instanceof Journey.Trigger.DateAttribute) span = span.plus(Duration.ofDays(366));
        Instant cap = sim.start().plus(limits.maxSpan());
        Instant until = last.plus(span);
        return until.isAfter(cap) ? cap : until;
    }
}
