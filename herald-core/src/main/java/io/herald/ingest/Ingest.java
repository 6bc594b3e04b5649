package io.herald.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.Unavailable;
import io.herald.event.Event;
import io.herald.log.EventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The tracking API's service: validates a request's calls and appends them to the event log, returning only once
 * they are durable. A request is all-or-nothing: invalid input appends nothing.
 */
public final class Ingest {
    private static final long DURABLE_TIMEOUT_SECONDS = 30;

    private final EventLog log;
    private final InstantSource clock;
    private final Counter accepted;
    private final Counter duplicates;

    /** What happened to a request's calls. */
    public record Result(int calls, int fresh) {
        public int duplicates() {
            return calls - fresh;
        }
    }

    public Ingest(EventLog log, InstantSource clock, MeterRegistry meters) {
        this.log = log;
        this.clock = clock;
        this.accepted = Counter.builder("herald.ingest.events").tag("result", "accepted")
                .description("Events accepted into the event log").register(meters);
        this.duplicates = Counter.builder("herald.ingest.events").tag("result", "duplicate")
                .description("Events ignored because their messageId was seen before").register(meters);
    }

    /**
     * Validates and durably appends a request body.
     *
     * @param bodyBytes the body's size, for the per-call limit inside batches
     * @throws io.herald.error.ClientError when the body is invalid (nothing is appended)
     * @throws Unavailable when the log cannot take it now
     */
    public Result accept(String workspaceId, CallKind kind, JsonNode body, int bodyBytes) {
        List<Event> events = new SegmentCalls(workspaceId, clock.millis()).parse(kind, body, bodyBytes);
        return append(events);
    }

    /**
     * Validates a call as {@link #accept} would, appending nothing: what the simulator checks a timeline with before
     * running it.
     *
     * @throws io.herald.error.ClientError naming the field at fault
     */
    public static void check(CallKind kind, JsonNode body, int bodyBytes) {
        new SegmentCalls("check", 0).parse(kind, body, bodyBytes);
    }

    /** Appends already-built events (Herald's own, or tests'), waiting until they are durable. */
    public Result append(List<Event> events) {
        int fresh;
        try {
            fresh = log.append(events).get(DURABLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof Unavailable u) throw u;
            throw new Unavailable("the event log failed to store the events", 2, e.getCause());
        } catch (TimeoutException e) {
            throw new Unavailable("the event log did not confirm the events in time; retry", 5, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while storing the events", 1, e);
        }
        accepted.increment(fresh);
        duplicates.increment(events.size() - fresh);
        return new Result(events.size(), fresh);
    }
}
