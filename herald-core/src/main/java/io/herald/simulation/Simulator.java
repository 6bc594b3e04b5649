package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.campaign.Campaigns;
import io.herald.campaign.Journey;
import io.herald.campaign.JourneyParser;
import io.herald.error.ClientError;
import io.herald.error.Unavailable;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.person.Person;
import io.herald.store.Sql;
import java.nio.file.Path;
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
import java.util.concurrent.Semaphore;

/**
 * Runs a {@link Simulation} through the real engine: a scratch store, a virtual clock, ingest, the event log, the
 * person processor with Herald's stages, and timers ({@link Scratch}). Nothing is re-implemented here; the
 * simulator only sets the scene and moves time.
 *
 * <p>How a run goes: the segments the campaign uses (and the segments those use) are copied in under their own
 * ids, with the topics their conditions name; the people are created as they are at the start (before the
 * campaign is live, so their starting state triggers nothing); the campaign is created under its own id and
 * activated. Then each timeline entry is fed in at its instant, and between entries the clock jumps from one due
 * timer to the next, so a 30-day journey takes as long as its few steps do, not 30 days of ticks. The run stops
 * at {@code until}: by default the last entry, plus the longest the journey can wait along any path, plus the
 * longest time window its conditions and segments read (a year more for a date trigger), at most
 * {@link Limits#maxSpan()} after the start.
 */
public final class Simulator implements AutoCloseable {
    /**
     * Bounds on one simulation: entries of the timeline, people, virtual span, wall time spent computing, and how
     * many simulations run at once (more are refused with 429 until one ends).
     */
    public record Limits(int maxEntries, int maxPeople, Duration maxSpan, Duration wallTime, int maxConcurrent) {
        public static final Limits DEFAULT = new Limits(10_000, 1_000, Duration.ofDays(400), Duration.ofSeconds(10), 2);

        public Limits {
            if (maxEntries < 1 || maxPeople < 1 || maxConcurrent < 1) {
                throw new IllegalArgumentException("simulation limits must be at least 1");
            }
        }

        public Limits withWallTime(Duration d) {
            return new Limits(maxEntries, maxPeople, maxSpan, d, maxConcurrent);
        }
    }

    /** Calls of one instant appended together, at most this many at a time. */
    private static final int BATCH = 1000;

    private final Limits limits;
    private final Path tempRoot;
    private final Semaphore running;
    private final Template template;

    /** @param tempRoot where each simulation's scratch directory is made (and deleted) */
    public Simulator(Limits limits, Path tempRoot) {
        this.limits = limits;
        this.tempRoot = tempRoot;
        this.running = new Semaphore(limits.maxConcurrent());
        this.template = new Template(tempRoot);
    }

    /** The default limits, scratch stores in the system's temporary directory. */
    public static Simulator standard() {
        return new Simulator(Limits.DEFAULT, Path.of(System.getProperty("java.io.tmpdir")));
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Runs the simulation and returns what happened to each person.
     *
     * @throws ClientError  when the campaign, a segment or an entry is invalid (the campaign's errors exactly as
     *                      {@link Campaigns#create} gives them), or the run takes longer than the wall-time limit
     * @throws Unavailable  when the most simulations allowed at once are already running
     */
    public SimulationResult run(Simulation sim) {
        if (!running.tryAcquire()) {
            throw new Unavailable("the simulator is at capacity: " + limits.maxConcurrent()
                    + " simulations are running; retry shortly", 2, null);
        }
        try {
            return runNow(sim);
        } finally {
            running.release();
        }
    }

    private SimulationResult runNow(Simulation sim) {
        long began = System.nanoTime();
        if (sim.campaign() == null || sim.campaign().isNull()) throw ClientError.missing("campaign");
        Journey journey;
        try {
            journey = JourneyParser.parse(sim.campaign());
        } catch (ClientError e) {
            throw sim.campaignField() == null ? e : e.under(sim.campaignField());
        }
        References refs = References.ofCampaign(sim.campaign(), sim.campaignField());
        List<Simulation.SegmentDefinition> segments = segmentsToCopy(sim, refs);
        List<String> warnings = new ArrayList<>();
        List<Simulation.TopicDefinition> topics = topicsToCopy(sim, refs, warnings);
        if (journey.trigger() instanceof Journey.Trigger.Broadcast) {
            warnings.add("broadcast triggers are not run by this build's engine yet: nobody enters a broadcast campaign");
        }
        for (Simulation.Entry e : sim.timeline()) {
            if (e.isTrigger() && !(journey.trigger() instanceof Journey.Trigger.Api)) {
                throw ClientError.invalid("timeline[" + e.index() + "].type", "a trigger entry needs a campaign triggered "
                        + "by the API ({\"trigger\": {\"api\": true}})");
            }
        }
        Instant until = sim.until() != null ? sim.until() : defaultUntil(sim, journey, refs);
        String campaignId = sim.campaignId() != null ? sim.campaignId() : Simulation.INLINE_CAMPAIGN_ID;

        Deadline deadline = new Deadline(limits.wallTime());
        try (Scratch s = Scratch.open(tempRoot, template, sim.start().toEpochMilli(), deadline)) {
            for (Simulation.TopicDefinition t : topics) s.topics.create(Scratch.WORKSPACE, t.body());
            for (Simulation.SegmentDefinition d : segments) {
                try {
                    s.segments.create(Scratch.WORKSPACE, d.id(), d.body());
                } catch (ClientError e) {
                    int i = indexOf(sim.segments(), d.id());
                    throw i < 0 ? e : e.under("segments[" + i + "]");
                }
            }
            s.settle(); // computes the new segments (over nobody yet)
            seed(s, sim.people());
            s.campaigns.create(Scratch.WORKSPACE, campaignId, sim.campaign());
            s.campaigns.activate(Scratch.WORKSPACE, campaignId);
            s.settle();
            List<Simulation.Entry> timeline = sim.timeline();
            for (int i = 0; i < timeline.size(); ) {
                Instant at = timeline.get(i).at();
                int end = i;
                while (end < timeline.size() && timeline.get(end).at().equals(at)) end++;
                s.advanceTo(at.toEpochMilli());
                feed(s, campaignId, timeline.subList(i, end));
                i = end;
            }
            s.advanceTo(until.toEpochMilli());
            failOnDeadLetters(s);
            List<SimulationResult.PersonResult> people = new ArrayList<>();
            for (String userId : userIds(sim)) people.add(person(s, userId));
            long wallMillis = (System.nanoTime() - began) / 1_000_000;
            return new SimulationResult(campaignId, journey.name(), sim.start(), until, people,
                    new SimulationResult.Stats(s.events(), s.timersFired(), wallMillis), warnings);
        }
    }

    /** People as they are at the start: their attributes, then their devices. */
    private static void seed(Scratch s, List<Simulation.PersonSeed> people) {
        List<com.fasterxml.jackson.databind.node.ObjectNode> identifies = new ArrayList<>();
        for (Simulation.PersonSeed p : people) {
            var identify = EventCodec.mapper().createObjectNode().put("type", "identify").put("userId", p.userId())
                    .put("timestamp", s.clock.instant().toString());
            identify.set("traits", p.attributes());
            identifies.add(identify);
        }
        for (int i = 0; i < identifies.size(); i += BATCH) {
            s.sendBatch(identifies.subList(i, Math.min(identifies.size(), i + BATCH)));
        }
        for (Simulation.PersonSeed p : people) for (var device : p.devices()) s.send(CallKind.DEVICE_REGISTER, device);
        s.settle();
    }

    /**
     * Feeds the entries of one instant, in order, and processes them. Tracking calls in a row go in as one batch
     * (one commit of the log, one pass of the processor); devices and API triggers go one by one.
     */
    private static void feed(Scratch s, String campaignId, List<Simulation.Entry> entries) {
        List<Simulation.Entry> batch = new ArrayList<>();
        for (Simulation.Entry e : entries) {
            if (e.kind() != null && e.kind() != CallKind.DEVICE_REGISTER) {
                batch.add(e);
                continue;
            }
            sendBatch(s, batch);
            try {
                if (e.isTrigger()) trigger(s, campaignId, e);
                else s.send(e.kind(), e.call());
            } catch (ClientError x) {
                throw x.under("timeline[" + e.index() + "]");
            }
        }
        sendBatch(s, batch);
        s.settle();
    }

    private static void sendBatch(Scratch s, List<Simulation.Entry> batch) {
        List<com.fasterxml.jackson.databind.node.ObjectNode> calls = new ArrayList<>();
        for (Simulation.Entry e : batch) calls.add(e.call().deepCopy().put("type", e.type()));
        for (int i = 0; i < calls.size(); i += BATCH) { // every call was checked as the tracking API checks it
            s.sendBatch(calls.subList(i, Math.min(calls.size(), i + BATCH)));
        }
        batch.clear();
    }

    private static void trigger(Scratch s, String campaignId, Simulation.Entry e) {
        // A trigger needs the person at the moment it is made: what their earlier entries created is processed.
        s.settle();
        if (s.people.byUserId(Scratch.WORKSPACE, e.userId()).isEmpty()) {
            throw ClientError.invalid("userId", "nobody is known as " + e.userId() + " by then: a trigger needs an "
                    + "earlier entry (or a person in people) of theirs");
        }
        s.campaigns.trigger(Scratch.WORKSPACE, campaignId, e.call());
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

    private Instant defaultUntil(Simulation sim, Journey journey, References refs) {
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

    private static void failOnDeadLetters(Scratch s) {
        List<String> errors = s.db.read(c -> Sql.query(c, "SELECT error FROM dead_letters ORDER BY id",
                rs -> rs.getString(1)));
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the engine failed on " + errors.size() + " event(s) of the simulation: "
                    + errors.get(0));
        }
    }

    private static List<String> userIds(Simulation sim) {
        Set<String> out = new LinkedHashSet<>();
        sim.people().forEach(p -> out.add(p.userId()));
        sim.timeline().stream().sorted(java.util.Comparator.comparingInt(Simulation.Entry::index))
                .forEach(e -> out.add(e.userId()));
        return List.copyOf(out);
    }

    private static SimulationResult.PersonResult person(Scratch s, String userId) {
        Optional<Person> found = s.people.byUserId(Scratch.WORKSPACE, userId);
        if (found.isEmpty()) {
            return new SimulationResult.PersonResult(userId, EventCodec.mapper().createObjectNode(), List.of(), List.of(),
                    List.of(), List.of());
        }
        Person p = found.get();
        List<SimulationResult.Membership> segments = s.segments.ofPerson(Scratch.WORKSPACE, p.id()).stream()
                .map(m -> new SimulationResult.Membership(m.id(), m.name(), Instant.ofEpochMilli(m.enteredAt()))).toList();
        List<SimulationResult.RunResult> runs = s.campaigns.runsOfPerson(Scratch.WORKSPACE, p.id()).stream()
                .map(Simulator::run).toList();
        List<SimulationResult.Delivery> deliveries = s.db.read(c -> Sql.query(c, "SELECT id, created_at, run_id, step, "
                + "channel, message FROM deliveries WHERE person_id = ? ORDER BY created_at, id", rs ->
                new SimulationResult.Delivery(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5), json(rs.getString(6))), p.id()));
        return new SimulationResult.PersonResult(userId, p.attributes(), segments, runs, s.refusalsOf(p.id()), deliveries);
    }

    private static SimulationResult.RunResult run(Campaigns.RunView r) {
        return new SimulationResult.RunResult(r.id(), r.version(), r.variant(), r.holdout(), r.status(), r.step(),
                Instant.ofEpochMilli(r.enteredAt()), instant(r.finishedAt()), r.exitReason(), instant(r.convertedAt()),
                r.path().stream().map(e -> new SimulationResult.PathStep(Instant.ofEpochMilli(e.at()), e.step(),
                        e.outcome(), e.detail())).toList());
    }

    private static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    private static JsonNode json(String stored) {
        try {
            return EventCodec.mapper().readTree(stored);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt delivery message in the scratch store", e);
        }
    }

    /** Deletes the template the scratch stores are copied from. */
    @Override
    public void close() {
        template.close();
    }

    private static int indexOf(List<Simulation.SegmentDefinition> given, String id) {
        for (int i = 0; i < given.size(); i++) if (given.get(i).id().equals(id)) return i;
        return -1;
    }
}
