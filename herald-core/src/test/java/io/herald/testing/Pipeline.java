package io.herald.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.log.JdbcEventLog;
import io.herald.person.IdentityStage;
import io.herald.person.People;
import io.herald.person.ProfileStage;
import io.herald.preference.Preferences;
import io.herald.preference.Topics;
import io.herald.processor.BatchGuard;
import io.herald.processor.PersonProcessor;
import io.herald.processor.Stage;
import io.herald.campaign.CampaignStage;
import io.herald.campaign.Campaigns;
import io.herald.segment.SegmentStage;
import io.herald.segment.Segments;
import io.herald.store.Engine;
import io.herald.time.Timers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine without HTTP, over a fresh store: ingest, the event log, the person processor (identity, profile,
 * segments and any extra stages a test adds), timers, and the people, segments, topics and preferences services. Processing runs when the test calls {@link #process()},
 * or on the processor's own threads once a test calls {@code processor().start()}.
 */
public final class Pipeline implements AutoCloseable {
    public static final String WORKSPACE = "ws_test";

    private final TestDatabase store;
    private final TestClock clock;
    private final JdbcEventLog log;
    private final Ingest ingest;
    private PersonProcessor processor;
    private final Timers timers;
    private final People people;
    private final BatchGuard guard = new BatchGuard();
    private final List<Stage> stages;
    private final Segments segments;
    private final Campaigns campaigns;
    private final Topics topics;
    private final Preferences preferences;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    public Pipeline(Engine engine, Path tempDir, TestClock clock, Stage... extraStages) {
        this(engine, tempDir, clock, 1, extraStages);
    }

    /** A pipeline whose log has {@code partitions} partitions (one processor thread each when started). */
    public Pipeline(Engine engine, Path tempDir, TestClock clock, int partitions, Stage... extraStages) {
        this.store = TestDatabase.open(engine, tempDir);
        this.clock = clock;
        this.log = JdbcEventLog.open(store.db(), store.config(), partitions, 1024);
        this.ingest = new Ingest(log, clock, new SimpleMeterRegistry());
        this.segments = new Segments(store.db(), log, guard, clock);
        this.campaigns = new Campaigns(store.db(), log, guard, clock);
        SegmentStage segmentStage = new SegmentStage(segments, meters);
        this.stages = new ArrayList<>(List.of(new IdentityStage(log, guard), new ProfileStage(), segmentStage,
                new CampaignStage(campaigns, segmentStage)));
        this.stages.addAll(List.of(extraStages));
        this.processor = newProcessor();
        this.timers = new Timers(store.db(), log, clock);
        this.people = new People(store.db(), log, guard, clock);
        this.topics = new Topics(store.db(), segments, clock);
        this.preferences = new Preferences(store.db(), ingest, clock);
    }

    private PersonProcessor newProcessor() {
        return new PersonProcessor(store.db(), log, stages, guard, clock, new SimpleMeterRegistry(), 100);
    }

    /** Sends one tracking call (JSON of the Segment spec) as the endpoint of its kind would. */
    public Ingest.Result send(CallKind kind, String json) {
        try {
            JsonNode body = EventCodec.mapper().readTree(json);
            return ingest.accept(WORKSPACE, kind, body, json.length());
        } catch (java.io.IOException e) {
            throw new AssertionError("test JSON is malformed: " + json, e);
        }
    }

    public int process() {
        return processor.drain();
    }

    /** Replaces the processor with a new one, as a restart would: it resumes from the stored position. */
    public void restartProcessor() {
        processor = newProcessor();
    }

    public TestDatabase store() {
        return store;
    }

    public TestClock clock() {
        return clock;
    }

    public JdbcEventLog log() {
        return log;
    }

    public Timers timers() {
        return timers;
    }

    public Campaigns campaigns() {
        return campaigns;
    }

    public Segments segments() {
        return segments;
    }

    /** The metrics of the stages (the processor's own go to a registry of their own). */
    public SimpleMeterRegistry meters() {
        return meters;
    }

    /**
     * Settles everything due by the clock's now: fires due timers, processes, runs segment computations and
     * campaign launches, until
     * nothing is left (a timer's processing may schedule another that is already due, e.g. a segment.entered).
     */
    public void settle() {
        for (int round = 0; round < 100; round++) {
            int work = processor.drain();
            segments.computations().runPending();
            campaigns.launches().runPending();
            work += timers.fireDue();
            work += processor.drain();
            if (work == 0) return;
        }
        throw new AssertionError("the pipeline did not settle in 100 rounds");
    }

    public Topics topics() {
        return topics;
    }

    /** A person's preferences; a change goes through the log like the admin API's, so {@link #settle()} applies it. */
    public Preferences preferences() {
        return preferences;
    }

    public People people() {
        return people;
    }

    public PersonProcessor processor() {
        return processor;
    }

    @Override
    public void close() {
        campaigns.launches().close();
        segments.close();
        log.close();
        processor.close(); // stops its threads, if a test started them
        log.closeStore();
        store.close();
    }
}
