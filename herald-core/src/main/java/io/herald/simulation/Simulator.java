package io.herald.simulation;

import io.herald.campaign.Campaigns;
import io.herald.campaign.Journey;
import io.herald.campaign.JourneyParser;
import io.herald.error.ClientError;
import io.herald.error.Unavailable;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    /** A permit per simulation running (package-private: a test holds one to stand for a simulation in progress). */
    final Semaphore running;
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
        Scene scene = Scene.of(sim, journey, limits);
        List<String> warnings = new ArrayList<>(scene.warnings());
        if (journey.trigger() instanceof Journey.Trigger.Broadcast) {
            warnings.add("broadcast triggers are not run by this build's engine yet: nobody enters a broadcast campaign");
        }
        for (Simulation.Entry e : sim.timeline()) {
            if (e.isTrigger() && !(journey.trigger() instanceof Journey.Trigger.Api)) {
                throw ClientError.invalid("timeline[" + e.index() + "].type", "a trigger entry needs a campaign triggered "
                        + "by the API ({\"trigger\": {\"api\": true}})");
            }
        }
        Instant until = scene.until();
        String campaignId = sim.campaignId() != null ? sim.campaignId() : Simulation.INLINE_CAMPAIGN_ID;

        Deadline deadline = new Deadline(limits.wallTime());
        try (Scratch s = Scratch.open(tempRoot, template, sim.start().toEpochMilli(), deadline)) {
            for (Simulation.TopicDefinition t : scene.topics()) s.topics.create(Scratch.WORKSPACE, t.body());
            for (Simulation.SegmentDefinition d : scene.segments()) {
                try {
                    s.segments.create(Scratch.WORKSPACE, d.id(), d.body());
                } catch (ClientError e) {
                    int i = Scene.indexOf(sim.segments(), d.id());
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
            Results.failOnDeadLetters(s);
            List<SimulationResult.PersonResult> people = new ArrayList<>();
            for (String userId : Results.userIds(sim)) people.add(Results.person(s, userId));
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

    /** Deletes the template the scratch stores are copied from. */
    @Override
    public void close() {
        template.close();
    }
}
