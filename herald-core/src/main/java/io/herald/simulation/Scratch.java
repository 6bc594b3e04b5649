package io.herald.simulation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.campaign.CampaignStage;
import io.herald.campaign.Campaigns;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.log.JdbcEventLog;
import io.herald.person.IdentityStage;
import io.herald.person.People;
import io.herald.person.ProfileStage;
import io.herald.preference.Topics;
import io.herald.processor.BatchGuard;
import io.herald.processor.PersonProcessor;
import io.herald.segment.SegmentStage;
import io.herald.segment.Segments;
import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.store.StoreException;
import io.herald.time.Timers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The real engine over a scratch store, on a virtual clock: a fresh SQLite database in a directory of its own (a
 * copy of the Flyway-migrated {@link Template}, opened like any store, deleted on close), the event log, the person processor with Herald's stages (identity,
 * profile, segments, campaigns), timers, and the services a simulation drives. Processing happens only when
 * {@link #settle} is called, on the caller's thread; time moves only when {@link #advanceTo} moves it, jumping
 * from one due timer to the next.
 *
 * <p>It is SQLite whatever store the server runs on: it is scratch space, private to one simulation.
 */
final class Scratch implements AutoCloseable {
    static final String WORKSPACE = "simulation";

    final VirtualClock clock;
    private final Path dir;
    final Database db;
    private final JdbcEventLog log;
    final Ingest ingest;
    final Segments segments;
    final Topics topics;
    final Campaigns campaigns;
    final People people;
    private final PersonProcessor processor;
    private final Timers timers;
    private final Deadline deadline;
    private int events;
    private int timersFired;
    /** When the next timer is due, as of the last {@link #settle()}. */
    private OptionalLong nextDue = OptionalLong.empty();
    /** Entries the campaign's rules refused, by person id (the processor runs on the simulator's thread). */
    private final Map<String, List<SimulationResult.Refusal>> refusals = new HashMap<>();

    private Scratch(Path dir, VirtualClock clock, Deadline deadline) {
        this.dir = dir;
        this.clock = clock;
        this.deadline = deadline;
        DatabaseConfig config = new DatabaseConfig(Engine.SQLITE, dir.resolve(Template.FILE), null, null, null, null, 4);
        this.db = Database.open(config);
        try {
            this.log = JdbcEventLog.open(db, config, 1, 1024);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        BatchGuard guard = new BatchGuard();
        this.ingest = new Ingest(log, clock, new SimpleMeterRegistry());
        this.segments = new Segments(db, log, guard, clock);
        this.topics = new Topics(db, segments, clock);
        this.campaigns = new Campaigns(db, log, guard, clock);
        SegmentStage segmentStage = new SegmentStage(segments, new SimpleMeterRegistry());
        this.processor = new PersonProcessor(db, log, List.of(new IdentityStage(log, guard, new SimulatedPersonIds()),
                new ProfileStage(), segmentStage, new CampaignStage(campaigns, segmentStage, this::refused)), guard, clock,
                new SimpleMeterRegistry(), 1000);
        this.timers = new Timers(db, log, clock);
        this.people = new People(db, log, guard, clock);
    }

    /**
     * Opens a scratch engine in a new directory under {@code tempRoot}, over a copy of the template's store, its
     * clock at {@code start}.
     */
    static Scratch open(Path tempRoot, Template template, long start, Deadline deadline) {
        Path dir;
        try {
            Files.createDirectories(tempRoot);
            dir = Files.createTempDirectory(tempRoot, "herald-simulation-");
        } catch (IOException e) {
            throw new StoreException("cannot create a scratch directory for the simulation under " + tempRoot, e);
        }
        try {
            template.copyInto(dir);
            return new Scratch(dir, new VirtualClock(start), deadline);
        } catch (RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    /** Appends a tracking call at the clock's now, as the tracking API would. */
    void send(CallKind kind, ObjectNode call) {
        ingest.accept(WORKSPACE, kind, call, call.toString().length());
        events++;
    }

    /** Appends calls at the clock's now in one go, as one {@code /v1/batch} request would: one commit of the log. */
    void sendBatch(List<ObjectNode> calls) {
        ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        body.putArray("batch").addAll(calls);
        ingest.accept(WORKSPACE, CallKind.BATCH, body, body.toString().length());
        events += calls.size();
    }

    /**
     * Does everything due by the clock's now: processes the log, runs segment computations, fires due timers and
     * processes what they bring, until no timer is due (processing at an instant may set one due at that instant,
     * as a segment entry's announcement is).
     */
    void settle() {
        processor.drain();
        while (true) {
            deadline.check();
            segments.computations().runPending();
            campaigns.launches().runPending();
            nextDue = timers.nextDue();
            if (nextDue.isEmpty() || nextDue.getAsLong() > clock.millis()) return;
            timersFired += timers.fireDue();
            processor.drain();
        }
    }

    /**
     * Moves the clock to {@code at}, stopping at each due timer on the way to fire it: time skips from timer to
     * timer, it never steps. Everything before now must be settled (so the next due timer is known).
     */
    void advanceTo(long at) {
        while (nextDue.isPresent() && nextDue.getAsLong() <= at) {
            clock.moveTo(nextDue.getAsLong());
            settle();
        }
        clock.moveTo(at);
    }

    private void refused(String campaignId, String personId, long at, String reason) {
        refusals.computeIfAbsent(personId, k -> new ArrayList<>()).add(new SimulationResult.Refusal(Instant.ofEpochMilli(at),
                reason));
    }

    List<SimulationResult.Refusal> refusalsOf(String personId) {
        return refusals.getOrDefault(personId, List.of());
    }

    int events() {
        return events;
    }

    int timersFired() {
        return timersFired;
    }

    @Override
    public void close() {
        try {
            segments.close();
            campaigns.launches().close();
            log.close();
            processor.close();
            log.closeStore();
            db.close();
        } finally {
            delete(dir);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the simulation's scratch directory " + dir, e);
        }
    }
}
