package io.herald.bench;

import io.herald.campaign.CampaignStage;
import io.herald.campaign.Campaigns;
import io.herald.ingest.Ingest;
import io.herald.log.EventLog;
import io.herald.log.JdbcEventLog;
import io.herald.person.IdentityStage;
import io.herald.person.ProfileStage;
import io.herald.processor.BatchGuard;
import io.herald.processor.PersonProcessor;
import io.herald.processor.Stage;
import io.herald.segment.SegmentStage;
import io.herald.segment.Segments;
import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.time.Timers;
import io.herald.workspace.Workspaces;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Herald's engine wired as {@code io.herald.server.Herald} wires it (store, event log, the person processor with the
 * identity, profile, segment and campaign stages, the timer poller every 250 ms, the segment computations), minus
 * HTTP, plus two instruments: a last stage that sees every event's commit ({@link CampaignProbe}) and a wrapper
 * around the log the timer poller appends to (to time each firing). Keep the wiring in step with Herald's.
 */
final class CampaignPipeline implements AutoCloseable {
    /** Herald's own figures: the processor's batch size and the timer poller's interval. */
    static final int BATCH_SIZE = 1000;
    static final long TIMER_POLL_MILLIS = Timers.POLL_MILLIS; // as Herald wires it

    final Database db;
    final JdbcEventLog eventLog;
    final String workspaceId;
    final Segments segments;
    final Campaigns campaigns;
    final PersonProcessor processor;
    final Timers timers;
    final Ingest ingest;
    private boolean started;

    /**
     * @param timerLog       wraps the log the timer poller appends to (the identity for none)
     * @param boundedTimers  whether due timers wait while the log has a backlog, as in Herald (false: as before that
     *                       bound, to compare)
     */
    CampaignPipeline(DatabaseConfig config, int partitions, InstantSource clock, MeterRegistry meters, Stage probe,
                     UnaryOperator<EventLog> timerLog, boolean boundedTimers) {
        this.db = Database.open(config);
        try {
            this.workspaceId = new Workspaces(db, clock).bootstrap(null, null, null).orElseThrow().workspace().id();
            this.eventLog = JdbcEventLog.open(db, config, partitions, 8192);
            BatchGuard guard = new BatchGuard();
            this.segments = new Segments(db, eventLog, guard, clock);
            this.campaigns = new Campaigns(db, eventLog, guard, clock);
            SegmentStage segmentStage = new SegmentStage(segments, meters);
            this.processor = new PersonProcessor(db, eventLog, List.of(new IdentityStage(eventLog, guard),
                    new ProfileStage(), segmentStage, new CampaignStage(campaigns, segmentStage), probe), guard, clock,
                    meters, BATCH_SIZE);
            this.timers = boundedTimers ? new Timers(db, timerLog.apply(eventLog), clock, processor::lag)
                    : new Timers(db, timerLog.apply(eventLog), clock);
            this.ingest = new Ingest(eventLog, clock, meters);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Starts what Herald starts in the background: processors, the timer poller, segment computations. */
    void start() {
        start(false);
    }

    /** As {@link #start()}, with campaign launches (a broadcast's or a date trigger's scheduling) when asked. */
    void start(boolean launches) {
        processor.start();
        timers.start(TIMER_POLL_MILLIS);
        segments.computations().start();
        if (launches) campaigns.launches().start();
        started = true;
    }

    boolean started() {
        return started;
    }

    /** In Herald's order: timers first (they append to the log), then the log, the processors, the store. */
    @Override
    public void close() {
        timers.close();
        campaigns.launches().close();
        segments.close();
        eventLog.close();
        processor.close();
        eventLog.closeStore();
        db.close();
    }
}
