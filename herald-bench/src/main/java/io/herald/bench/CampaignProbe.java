package io.herald.bench;

import io.herald.event.Event;
import io.herald.event.Payload;
import io.herald.log.EventLog;
import io.herald.processor.Batch;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the campaign benchmarks observe, without touching the engine: the last stage of the pipeline notes each event
 * and, once its batch commits, when it was processed; a wrapper around the log the timer poller appends to notes
 * when each timer became durable in the log. Times are wall-clock epoch ms (the clock Herald runs on).
 *
 * <ul>
 *   <li>{@link #fired}: per timer of {@code kind}, at = due time, value = appended to the log − due;</li>
 *   <li>{@link #timersDone}: per timer of {@code kind}, at = due time, value = its batch committed − due;</li>
 *   <li>{@link #live}: per tracked call (track, identify, page…), at = received, value = committed − received.</li>
 * </ul>
 */
final class CampaignProbe implements Stage {
    private final java.time.InstantSource clock; // the clock Herald runs on, so latencies compare like with like
    private final String kind;
    final Samples fired = new Samples();
    final Samples timersDone = new Samples();
    final Samples live = new Samples();

    CampaignProbe(String kind, java.time.InstantSource clock) {
        this.clock = clock;
        this.kind = kind;
    }

    @Override
    public void handle(Batch batch, EventContext ctx) {
        Event e = ctx.event();
        Noted noted = batch.local(Noted.class, () -> new Noted(this));
        if (e.payload() instanceof Payload.TimerFired t) {
            if (kind.equals(t.kind())) noted.timers.add(e.timestamp());
        } else {
            noted.live.add(e.receivedAt());
        }
    }

    /** A batch's events, recorded when it commits (never for a batch that failed). */
    private static final class Noted implements Batch.Flushable {
        final CampaignProbe probe;
        final List<Long> timers = new ArrayList<>();
        final List<Long> live = new ArrayList<>();

        Noted(CampaignProbe probe) {
            this.probe = probe;
        }

        @Override
        public void flush() {
        }

        @Override
        public void committed() {
            long now = probe.clock.millis();
            for (long due : timers) probe.timersDone.add(due, now - due);
            for (long received : live) probe.live.add(received, now - received);
        }
    }

    /** Wraps the log the timer poller appends to: each timer of the kind is noted once its append is durable. */
    EventLog timing(EventLog log) {
        return new EventLog() {
            @Override
            public int partitions() {
                return log.partitions();
            }

            @Override
            public CompletableFuture<Integer> append(List<Event> events) {
                return log.append(events).whenComplete((n, failure) -> {
                    if (failure != null) return;
                    long now = clock.millis();
                    for (Event e : events) {
                        if (e.payload() instanceof Payload.TimerFired t && kind.equals(t.kind())) {
                            fired.add(e.timestamp(), now - e.timestamp());
                        }
                    }
                });
            }

            @Override
            public List<Event> read(int partition, long afterPosition, int max) {
                return log.read(partition, afterPosition, max);
            }

            @Override
            public long countAfter(int partition, long afterPosition) {
                return log.countAfter(partition, afterPosition);
            }

            @Override
            public long appendVersion() {
                return log.appendVersion();
            }

            @Override
            public void awaitAppend(long seenVersion, long timeoutMillis) throws InterruptedException {
                log.awaitAppend(seenVersion, timeoutMillis);
            }

            @Override
            public void forget(String workspaceId, Collection<String> messageIds) {
                log.forget(workspaceId, messageIds);
            }

            @Override
            public void forgetRoutes(String workspaceId, Collection<String> routingKeys) {
                log.forgetRoutes(workspaceId, routingKeys);
            }

            @Override
            public int partitionOfPerson(String workspaceId, List<String> routingKeys) {
                return log.partitionOfPerson(workspaceId, routingKeys);
            }

            @Override
            public void close() {
                // the pipeline closes the real log
            }
        };
    }

    /**
     * Pairs (at, value) in ms, appended from any thread; a few million at most (16 bytes each). Percentiles over the
     * pairs whose {@code at} lies in a range, so one run's phases read apart.
     */
    static final class Samples {
        private long[] at = new long[1 << 16];
        private long[] value = new long[1 << 16];
        private int size;

        synchronized void add(long when, long v) {
            if (size == at.length) {
                at = Arrays.copyOf(at, size * 2);
                value = Arrays.copyOf(value, size * 2);
            }
            at[size] = when;
            value[size++] = v;
        }

        synchronized int count() {
            return size;
        }

        /** The values of the pairs with {@code from ≤ at < to}, sorted. */
        synchronized long[] values(long from, long to) {
            long[] out = new long[size];
            int n = 0;
            for (int i = 0; i < size; i++) if (at[i] >= from && at[i] < to) out[n++] = value[i];
            out = Arrays.copyOf(out, n);
            Arrays.sort(out);
            return out;
        }

        synchronized long[] values() {
            return values(Long.MIN_VALUE, Long.MAX_VALUE);
        }

        /** at + value of the pairs with {@code from ≤ at} (e.g. the instant each timer was appended), sorted. */
        synchronized long[] instants(long from) {
            long[] out = new long[size];
            int n = 0;
            for (int i = 0; i < size; i++) if (at[i] >= from) out[n++] = at[i] + value[i];
            out = Arrays.copyOf(out, n);
            Arrays.sort(out);
            return out;
        }

        /** How many pairs have {@code from ≤ at}. */
        synchronized int count(long from) {
            int n = 0;
            for (int i = 0; i < size; i++) if (at[i] >= from) n++;
            return n;
        }
    }

    /** The value {@code p} of the sorted values do not exceed; -1 when there are none. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) return -1;
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.clamp(index, 0, sorted.length - 1)];
    }

    /** "p50 / p99 / max ms" of sorted values. */
    static String summary(long[] sorted) {
        if (sorted.length == 0) return "n/a";
        return String.format("%,d / %,d / %,d ms", percentile(sorted, 0.5), percentile(sorted, 0.99),
                sorted[sorted.length - 1]);
    }
}
