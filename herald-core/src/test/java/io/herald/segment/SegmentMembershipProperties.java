package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.ingest.CallKind;
import io.herald.segment.BruteForceMembership.SentEvent;
import io.herald.segment.MembershipScenarios.Scenario;
import io.herald.segment.MembershipScenarios.Step;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.RequiresPostgresql;
import io.herald.testing.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Segment membership kept incrementally by the person processor (live, and from history by the background
 * computation of segments created later) equals a brute-force evaluation over the raw events, at every checkpoint.
 *
 * <p>Each try runs random people's track and identify calls (backfilled, current and slightly future timestamps)
 * through the real pipeline on a test clock, creates random segments before and in the middle of the stream (and
 * edits some), moves the clock to random instants (some to the millisecond around an instant where the oracle says
 * someone's answer flips), settles (processing, computations, due timers), and checks every person against
 * {@link BruteForceMembership} over the events sent so far and their attributes, at the clock's now.
 *
 * <p>To replay a failure, jqwik reruns the failing sample first by default; for a given seed add
 * {@code seed = "..."} to {@code @Property} (never committed: each run should explore new cases).
 */
class SegmentMembershipProperties {
    private static final String WS = Pipeline.WORKSPACE;
    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    @Property(tries = 40)
    void incrementalMembershipEqualsBruteForceOnSqlite(@ForAll("scenarios") Scenario scenario) {
        run(Engine.SQLITE, scenario);
    }

    /** Fewer tries: the same engine code, but the store's SQL differs and a fresh schema costs more. */
    @Property(tries = 10)
    @AddLifecycleHook(RequiresPostgresql.class)
    void incrementalMembershipEqualsBruteForceOnPostgresql(@ForAll("scenarios") Scenario scenario) {
        run(Engine.POSTGRESQL, scenario);
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return MembershipScenarios.scenarios();
    }

    private static void run(Engine engine, Scenario scenario) {
        Path dir;
        try {
            dir = Files.createTempDirectory("herald-membership");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Pipeline p = new Pipeline(engine, dir, new TestClock(MembershipScenarios.START))) {
            World w = new World(p);
            for (ObjectNode c : scenario.initialSegments()) w.create(c);
            w.checkpoint(0);
            for (Step step : scenario.steps()) w.apply(step);
            w.checkpoint(0);
        } finally {
            delete(dir);
        }
    }

    /** The pipeline and what the test has told it, which the oracle reads. */
    private static final class World {
        final Pipeline p;
        final Map<String, ObjectNode> segments = new LinkedHashMap<>(); // id -> condition
        final Map<String, String> names = new LinkedHashMap<>();
        final Map<String, List<SentEvent>> events = new LinkedHashMap<>();
        final Map<String, ObjectNode> attributes = new LinkedHashMap<>();

        World(Pipeline p) {
            this.p = p;
        }

        void apply(Step step) {
            switch (step) {
                case Step.CreateSegment c -> create(c.condition());
                case Step.EditSegment e -> edit(e);
                case Step.Track t -> track(t);
                case Step.Identify i -> identify(i);
                case Step.Checkpoint c -> checkpoint(c.advanceMillis());
                case Step.EdgeCheckpoint c -> {
                    List<Long> edges = flips(this);
                    long target = edges.isEmpty() ? 0 : edges.get(c.pick() % edges.size()) + c.deltaMillis();
                    checkpoint(Math.max(0, target - p.clock().millis()));
                }
            }
        }

        void create(ObjectNode condition) {
            String name = "s" + (segments.size() + 1);
            ObjectNode body = J.objectNode().put("name", name);
            body.set("condition", condition);
            String id = p.segments().create(WS, body).id();
            segments.put(id, condition);
            names.put(id, name);
        }

        /** A new condition: the segment is computed afresh over everyone, then kept live. */
        void edit(Step.EditSegment e) {
            if (segments.isEmpty()) return;
            String id = new ArrayList<>(segments.keySet()).get(e.which() % segments.size());
            ObjectNode body = J.objectNode();
            body.set("condition", e.condition());
            p.segments().update(WS, id, body);
            segments.put(id, e.condition());
        }

        void track(Step.Track t) {
            long ts = p.clock().millis() + t.offsetMillis();
            ObjectNode call = J.objectNode().put("userId", t.userId()).put("event", t.event())
                    .put("timestamp", Instant.ofEpochMilli(ts).toString());
            call.set("properties", t.properties());
            p.send(CallKind.TRACK, call.toString());
            events.computeIfAbsent(t.userId(), k -> new ArrayList<>()).add(new SentEvent(t.event(), t.properties(), ts));
            attributes.computeIfAbsent(t.userId(), k -> J.objectNode());
        }

        void identify(Step.Identify i) {
            ObjectNode call = J.objectNode().put("userId", i.userId())
                    .put("timestamp", p.clock().instant().toString());
            call.set("traits", i.traits());
            p.send(CallKind.IDENTIFY, call.toString());
            // traits merge into the attributes in arrival order; a null removes one
            ObjectNode a = attributes.computeIfAbsent(i.userId(), k -> J.objectNode());
            i.traits().properties().forEach(e -> {
                if (e.getValue().isNull()) a.remove(e.getKey());
                else a.set(e.getKey(), e.getValue());
            });
            events.computeIfAbsent(i.userId(), k -> new ArrayList<>());
        }

        void checkpoint(long advanceMillis) {
            p.clock().advance(Duration.ofMillis(advanceMillis));
            p.settle();
            long now = p.clock().millis();
            for (String id : segments.keySet()) {
                String status = p.segments().get(WS, id).status();
                if (!status.equals("ready")) throw new AssertionError(names.get(id) + " is still " + status + " after settling");
            }
            List<String> wrong = new ArrayList<>();
            for (String user : attributes.keySet()) {
                String personId = p.people().byUserId(WS, user).orElseThrow().id();
                Set<String> actual = new TreeSet<>();
                p.segments().ofPerson(WS, personId).forEach(m -> actual.add(m.id()));
                for (Map.Entry<String, ObjectNode> s : segments.entrySet()) {
                    boolean expected = BruteForceMembership.holds(s.getValue(), attributes.get(user), events.get(user), now);
                    Statistics.label("membership").collect(expected ? "in" : "out");
                    if (expected != actual.contains(s.getKey())) {
                        wrong.add(user + " should be " + (expected ? "in " : "out of ") + names.get(s.getKey()) + " "
                                + s.getValue() + "\n    attributes " + attributes.get(user) + "\n    events "
                                + describe(events.get(user)));
                    }
                }
            }
            if (!wrong.isEmpty()) {
                throw new AssertionError("at " + Instant.ofEpochMilli(now) + ":\n  " + String.join("\n  ", wrong));
            }
        }
    }

    /**
     * The next instants (at most 100 looked at) where the oracle's answer flips for someone with no new call: the
     * edges worth checking to the millisecond. Where none is found, the candidate edges themselves.
     */
    private static List<Long> flips(World w) {
        List<Long> candidates = edges(w);
        if (candidates.size() > 100) candidates = candidates.subList(0, 100);
        List<Long> flips = new ArrayList<>();
        for (long t : candidates) {
            search:
            for (String user : w.attributes.keySet()) {
                for (ObjectNode c : w.segments.values()) {
                    JsonNode a = w.attributes.get(user);
                    List<SentEvent> e = w.events.get(user);
                    if (BruteForceMembership.holds(c, a, e, t) != BruteForceMembership.holds(c, a, e, t - 1)) {
                        flips.add(t);
                        break search;
                    }
                }
            }
        }
        return flips.isEmpty() ? candidates : flips;
    }

    /**
     * Instants after now where an answer may flip: an event's or a date attribute's time plus a duration some
     * condition uses (and a millisecond later, for the strict comparisons of before/after).
     */
    private static List<Long> edges(World w) {
        Set<Long> durations = new TreeSet<>(List.of(0L));
        w.segments.values().forEach(c -> durations(c, durations));
        Set<Long> times = new TreeSet<>();
        w.events.values().forEach(l -> l.forEach(e -> times.add(e.timestamp())));
        w.attributes.values().forEach(a -> a.forEach(v -> {
            Long d = BruteForceMembership.date(v);
            if (d != null) times.add(d);
        }));
        Set<Long> edges = new TreeSet<>();
        for (long t : times) {
            for (long d : durations) {
                edges.add(t + d);
                edges.add(t + d + 1);
            }
        }
        long now = w.p.clock().millis();
        return edges.stream().filter(t -> t > now).toList();
    }

    private static void durations(JsonNode n, Set<Long> out) {
        if (n.isTextual() && (n.textValue().startsWith("P") || n.textValue().startsWith("-P"))) {
            out.add(BruteForceMembership.duration(n.textValue()));
        }
        n.forEach(x -> durations(x, out));
    }

    private static String describe(List<SentEvent> events) {
        List<String> out = new ArrayList<>();
        for (SentEvent e : events) out.add(e.event() + e.properties() + "@" + Instant.ofEpochMilli(e.timestamp()));
        return out.toString();
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
