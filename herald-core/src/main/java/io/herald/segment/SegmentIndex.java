package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A workspace's segments compiled for the person processor: which segments an event or an attribute can affect,
 * which tallies an event feeds, in which order segments that use other segments are evaluated. Immutable; a new
 * one replaces it when a segment is created, edited or deleted.
 */
final class SegmentIndex {
    static final SegmentIndex EMPTY = new SegmentIndex(0, List.of());

    /** One segment as the processor uses it; {@code order} is its place in the dependency order. */
    record Compiled(String id, String name, long generation, Condition condition, boolean timeDependent, int order) {
    }

    /**
     * A tally kept for every person, since which generation it is kept, and how far back its entries go; {@code slot}
     * numbers the index's tallies from 0.
     */
    record TallySpec(TallyKey key, String id, long since, long retention, List<Compiled> segments, int slot) {
    }

    final long generation;
    final List<Compiled> ordered;
    final Map<String, Compiled> byId = new HashMap<>();
    final Map<String, List<TallySpec>> talliesByEvent = new HashMap<>();
    final Map<TallyKey, TallySpec> tallies = new LinkedHashMap<>();
    final Map<String, TallySpec> talliesById = new HashMap<>();
    /**
     * Each behavioral part of the compiled conditions → its tally, by identity: the evaluator asks for a part's tally
     * once or twice per evaluation, and hashing the part's key (a record holding the whole filter) cost more than the
     * evaluation itself.
     */
    private final Map<Condition.Performed, TallySpec> byPerformed = new IdentityHashMap<>();
    final Map<String, List<Compiled>> byAttribute = new HashMap<>();
    final List<Compiled> byDevice = new ArrayList<>();
    final List<Compiled> bySubscription = new ArrayList<>();
    final List<Compiled> timeDependent = new ArrayList<>();
    final Map<String, List<Compiled>> dependents = new HashMap<>();

    /** A segment as stored: its parsed condition and generation. */
    record Definition(String id, String name, long generation, Condition condition) {
    }

    SegmentIndex(long generation, List<Definition> definitions) {
        this.generation = generation;
        List<Definition> sorted = Dependencies.order(definitions);
        List<Compiled> ordered = new ArrayList<>();
        for (Definition d : sorted) {
            Compiled c = new Compiled(d.id(), d.name(), d.generation(), d.condition(),
                    Evaluator.timeDependent(d.condition()), ordered.size());
            ordered.add(c);
            byId.put(c.id(), c);
        }
        this.ordered = List.copyOf(ordered);
        // Tallies: a key is kept since the generation at which its longest window was first asked for; a person of
        // an older generation has it computed from their history by the background computation.
        Map<TallyKey, long[]> spec = new LinkedHashMap<>(); // key -> {since, retention}
        Map<TallyKey, List<Compiled>> users = new HashMap<>();
        List<Compiled> byGeneration = new ArrayList<>(ordered);
        byGeneration.sort(Comparator.comparingLong(Compiled::generation));
        for (Compiled c : byGeneration) {
            for (Condition.Performed p : Conditions.performed(c.condition())) {
                TallyKey key = TallyKey.of(p);
                long retention = retention(p.window());
                long[] s = spec.get(key);
                if (s == null) spec.put(key, new long[] {c.generation(), retention});
                else if (retention > s[1]) {
                    s[0] = c.generation();
                    s[1] = retention;
                }
                List<Compiled> u = users.computeIfAbsent(key, k -> new ArrayList<>());
                if (!u.contains(c)) u.add(c);
            }
        }
        for (Map.Entry<TallyKey, long[]> e : spec.entrySet()) {
            TallySpec t = new TallySpec(e.getKey(), e.getKey().id(), e.getValue()[0], e.getValue()[1],
                    List.copyOf(users.get(e.getKey())), tallies.size());
            tallies.put(e.getKey(), t);
            talliesById.put(t.id(), t);
            talliesByEvent.computeIfAbsent(e.getKey().filter().event(), k -> new ArrayList<>()).add(t);
        }
        for (Compiled c : ordered) {
            for (Condition.Performed p : Conditions.performed(c.condition())) byPerformed.put(p, tallies.get(TallyKey.of(p)));
            for (String a : Conditions.attributes(c.condition())) {
                List<Compiled> l = byAttribute.computeIfAbsent(topLevel(a), k -> new ArrayList<>());
                if (!l.contains(c)) l.add(c);
            }
            if (Conditions.usesDevices(c.condition())) byDevice.add(c);
            if (Conditions.usesSubscriptions(c.condition())) bySubscription.add(c);
            if (c.timeDependent()) timeDependent.add(c);
            for (String ref : Conditions.segments(c.condition())) {
                dependents.computeIfAbsent(ref, k -> new ArrayList<>()).add(c);
            }
        }
    }

    /** The tally a behavioral part of a condition reads (found by its key when the part is not one of this index's). */
    TallySpec specOf(Condition.Performed p) {
        TallySpec s = byPerformed.get(p);
        return s != null ? s : tallies.get(TallyKey.of(p));
    }

    boolean isEmpty() {
        return ordered.isEmpty();
    }

    /** How far back a window can look: entries older than that are never read again. 0: no sliding window. */
    private static long retention(Condition.Window w) {
        return switch (w) {
            case Condition.Window.Within x -> x.duration().toMillis();
            case Condition.Window.BetweenAgo x -> x.from().toMillis();
            case Condition.Window.Ever x -> 0;
            case Condition.Window.Between x -> 0;
        };
    }

    /** The attribute a dot path starts from: a change to {@code company} can change {@code company.size}. */
    static String topLevel(String path) {
        int dot = path.indexOf('.');
        return dot < 0 ? path : path.substring(0, dot);
    }

    /** Segments that read a changed attribute; a path the index does not know changes nothing. */
    List<Compiled> readingAttribute(String name) {
        List<Compiled> l = byAttribute.get(name);
        if (l != null) return l;
        // a flat trait whose name has dots ("company.size") is read by conditions on that exact path
        return byAttribute.getOrDefault(topLevel(name), List.of());
    }

    static SegmentIndex parse(long generation, List<Stored> stored) {
        List<Definition> defs = new ArrayList<>();
        for (Stored s : stored) defs.add(new Definition(s.id(), s.name(), s.generation(),
                ConditionParser.parse(s.condition(), "condition")));
        return new SegmentIndex(generation, defs);
    }

    /** A segment row as the store holds it. */
    record Stored(String id, String name, long generation, JsonNode condition) {
    }
}
