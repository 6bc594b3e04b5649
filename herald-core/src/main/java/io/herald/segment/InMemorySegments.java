package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.Payload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Segments evaluated in memory, with no store: conditions compiled into the index the person processor uses, and
 * events applied to one person's state by the processor's own code ({@link SegmentStage#apply}), so that the engine's
 * per-event cost can be measured (herald-bench's {@code SegmentEvaluationBenchmark}) and tested on its own.
 *
 * <p>The {@code i}-th condition is segment {@link #id(int) id(i)}, an id shaped like the ones the API gives out (a
 * condition may use another segment as {@code {"segment": id(3)}}). Conditions on devices and subscriptions read the store, so they are refused here.
 * Not thread-safe; a {@link Person} belongs to the instance that made it.
 */
public final class InMemorySegments {
    private static final long GENERATION = 1;

    private final SegmentIndex idx;

    private InMemorySegments(SegmentIndex idx) {
        this.idx = idx;
    }

    /**
     * Compiles segment conditions (API.md "Segment condition").
     *
     * @throws io.herald.error.ClientError a condition is invalid, uses an unknown segment, or makes a cycle
     * @throws IllegalArgumentException    a condition reads devices or subscriptions
     */
    public static InMemorySegments compile(List<JsonNode> conditions) {
        Map<String, Condition> parsed = new HashMap<>();
        Map<String, List<ConditionParser.Reference>> references = new HashMap<>();
        List<SegmentIndex.Definition> defs = new ArrayList<>();
        for (int i = 0; i < conditions.size(); i++) {
            String field = "conditions[" + i + "]";
            ConditionParser.Parsed read = ConditionParser.read(conditions.get(i), field);
            Condition c = read.condition();
            references.put(id(i), read.references());
            if (Conditions.usesDevices(c) || Conditions.usesSubscriptions(c)) {
                throw new IllegalArgumentException(field + " reads devices or subscriptions, which live in the store");
            }
            parsed.put(id(i), c);
            defs.add(new SegmentIndex.Definition(id(i), id(i), GENERATION, c));
        }
        for (SegmentIndex.Definition d : defs) {
            Map<String, Condition> others = new HashMap<>(parsed);
            others.remove(d.id());
            Dependencies.check(d.id(), references.get(d.id()), others);
        }
        return new InMemorySegments(new SegmentIndex(GENERATION, defs));
    }

    /**
     * The id of the {@code i}-th condition's segment: {@code seg_} and 32 hex digits, as the API's. (Ids that differ in
     * a digit or two, like {@code seg_1} and {@code seg_2}, crowd into a few buckets of the hash maps that hold
     * memberships, which would make this slower than the real thing.)
     */
    public static String id(int i) {
        return "seg_" + UUID.nameUUIDFromBytes(("segment " + i).getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
    }

    public int size() {
        return idx.ordered.size();
    }

    /** A membership change an event caused: what {@code segment.entered}/{@code segment.exited} announce. */
    public record Change(String segmentId, boolean entered, long at) {
    }

    /** One person's segment state: attributes, tallies, memberships. */
    public static final class Person {
        final PersonSegments state;
        final ObjectNode attributes;

        private Person(PersonSegments state, ObjectNode attributes) {
            this.state = state;
            this.attributes = attributes;
        }

        /** The segments the person is in now. */
        public Set<String> segments() {
            return Set.copyOf(state.members.keySet());
        }
    }

    /**
     * A person with these attributes (copied) and no events yet, evaluated for every segment as the background
     * computation would (their initial memberships are not changes).
     */
    public Person person(ObjectNode attributes, long now) {
        PersonSegments ps = PersonSegments.fresh("person", "workspace", GENERATION);
        Person p = new Person(ps, attributes.deepCopy());
        BitSet all = new BitSet(idx.ordered.size());
        all.set(0, idx.ordered.size());
        Membership.evaluate(idx, ps, facts(p), all, now, Membership.Mode.SILENT, Map.of());
        settle(ps);
        return p;
    }

    /** A {@code track} event with these properties, stamped {@code timestamp}, processed at {@code now}. */
    public List<Change> track(Person p, String event, ObjectNode properties, long timestamp, long now) {
        SegmentStage.apply(idx, p.state, new Payload.Track(event, properties), List.of(), timestamp, now, false,
                () -> facts(p));
        return settle(p.state);
    }

    /** A {@code page} view: no condition reads page views, so only the stage's own fixed cost. */
    public List<Change> page(Person p, String name, ObjectNode properties, long timestamp, long now) {
        SegmentStage.apply(idx, p.state, new Payload.Page(name, properties), List.of(), timestamp, now, false,
                () -> facts(p));
        return settle(p.state);
    }

    /**
     * An {@code identify} with these traits: merged into the attributes as the profile step merges them (a null
     * removes one), then the segments reading the ones that changed are re-evaluated.
     */
    public List<Change> identify(Person p, ObjectNode traits, long timestamp, long now) {
        List<String> changed = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = traits.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> t = it.next();
            if (t.getValue().isNull()) {
                if (p.attributes.remove(t.getKey()) != null) changed.add(t.getKey());
            } else if (!t.getValue().equals(p.attributes.get(t.getKey()))) {
                p.attributes.set(t.getKey(), t.getValue());
                changed.add(t.getKey());
            }
        }
        SegmentStage.apply(idx, p.state, new Payload.Identify(traits), changed, timestamp, now, false, () -> facts(p));
        return settle(p.state);
    }

    private PersonFacts facts(Person p) {
        return new PersonFacts(p.state, idx, () -> {
            throw new IllegalStateException("in-memory segments read no store");
        }, () -> p.attributes);
    }

    /** What the batch's flush does for the person in memory: hands out the changes and forgets them. */
    private static List<Change> settle(PersonSegments ps) {
        ps.written();
        ps.wakeAt = Evaluator.NEVER;
        if (ps.changes.isEmpty()) return List.of();
        List<Change> out = new ArrayList<>(ps.changes.size());
        for (PersonSegments.Change c : ps.changes) out.add(new Change(c.segmentId(), c.entered(), c.at()));
        ps.changes.clear();
        ps.unannounced.clear();
        return out;
    }
}
