package io.herald.bench.jmh;

import io.herald.event.Event;
import io.herald.log.EventLog;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * An event log that stores nothing and confirms every append at once, so a benchmark through
 * {@link io.herald.ingest.Ingest} measures parsing and validation alone. It can hand the appended events to a sink
 * (the raw-insert baseline uses that to get Herald's own stored form of realistic events).
 */
public final class NoopEventLog implements EventLog {
    private final Consumer<List<Event>> sink;
    private static final CompletableFuture<Integer> NONE = CompletableFuture.completedFuture(0);

    public NoopEventLog() {
        this(events -> { });
    }

    public NoopEventLog(Consumer<List<Event>> sink) {
        this.sink = sink;
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public CompletableFuture<Integer> append(List<Event> events) {
        sink.accept(events);
        return events.isEmpty() ? NONE : CompletableFuture.completedFuture(events.size());
    }

    @Override
    public List<Event> read(int partition, long afterPosition, int max) {
        return List.of();
    }

    @Override
    public void forget(String workspaceId, Collection<String> messageIds) {
    }

    @Override
    public int partitionOfPerson(String workspaceId, List<String> routingKeys) {
        return 0;
    }

    @Override
    public void forgetRoutes(String workspaceId, Collection<String> routingKeys) {
    }

    @Override
    public long countAfter(int partition, long afterPosition) {
        return 0;
    }

    @Override
    public long appendVersion() {
        return 0;
    }

    @Override
    public void awaitAppend(long seenVersion, long timeoutMillis) {
    }

    @Override
    public void close() {
    }
}
