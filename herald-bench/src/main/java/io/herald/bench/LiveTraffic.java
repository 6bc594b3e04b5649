package io.herald.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Live traffic at a fixed rate, in process: the {@link Workload} mix in batches of {@code batch} calls handed to
 * {@link Ingest} as the tracking API would (no HTTP), open loop (each batch at its scheduled time on its own virtual
 * thread, whatever the previous ones are doing), until stopped.
 */
final class LiveTraffic implements AutoCloseable {
    private final Thread scheduler;
    private volatile boolean stopping;
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<String> firstFailure = new AtomicReference<>();

    LiveTraffic(Ingest ingest, String workspaceId, int eventsPerSecond, int batch, int people, String runId) {
        Workload workload = new Workload(people, runId + "-live", runId.hashCode());
        double intervalNanos = batch * 1e9 / eventsPerSecond;
        this.scheduler = Thread.ofPlatform().name("bench-live").daemon(true).start(() -> {
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                long start = System.nanoTime();
                for (long k = 0; !stopping; k++) {
                    long scheduled = start + (long) (k * intervalNanos);
                    byte[] body = workload.nextBatch(batch);
                    long wait;
                    while ((wait = scheduled - System.nanoTime()) > 0 && !stopping) LockSupport.parkNanos(wait);
                    senders.execute(() -> {
                        try {
                            JsonNode tree = EventCodec.mapper().readTree(body);
                            accepted.addAndGet(ingest.accept(workspaceId, CallKind.BATCH, tree, body.length).calls());
                        } catch (Exception | Error e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e.toString());
                        }
                    });
                }
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        scheduler.join(60_000);
    }
}
