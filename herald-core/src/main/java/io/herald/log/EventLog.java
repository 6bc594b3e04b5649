package io.herald.log;

import io.herald.event.Event;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The durable, ordered log every event passes through: partitioned by person, read by the person processors.
 *
 * <p>Embedded and PostgreSQL modes keep it in a table ({@link JdbcEventLog}); scale-out mode in a Kafka topic.
 */
public interface EventLog extends AutoCloseable {

    /** How many partitions the log has; a person's events always land in the same one. */
    int partitions();

    /**
     * Appends events in order, assigning each its partition: the one where the ids it names already route, so that
     * all of a person's events land in one partition (an event that names a partition, a timer of a person, keeps
     * it). The future completes once every event is durable; an event whose (workspace, messageId) was appended
     * before is skipped. It completes exceptionally with {@link io.herald.error.Unavailable} when the log cannot take
     * them now.
     *
     * @return a future of how many events were new
     */
    CompletableFuture<Integer> append(List<Event> events);

    /** Up to {@code max} events of a partition after a position, in order. */
    List<Event> read(int partition, long afterPosition, int max);

    /** How many events of a partition stand after a position (the processing lag), counting at most a million. */
    long countAfter(int partition, long afterPosition);

    /**
     * As {@link #countAfter(int, long)}, counting at most {@code atMost}: for a caller that only needs to know whether
     * the lag reached a bound, which a store counts in proportion to the bound, not to the lag.
     */
    default long countAfter(int partition, long afterPosition, long atMost) {
        return Math.min(atMost, countAfter(partition, afterPosition));
    }

    /** A counter that moves whenever this process appends; read it before {@link #read} to wait without a gap. */
    long appendVersion();

    /** Waits until the append version moves past {@code seenVersion}, or the timeout passes. */
    void awaitAppend(long seenVersion, long timeoutMillis) throws InterruptedException;

    /**
     * Removes events from the log, processed or not: erasure, and events of an erased person that arrive later.
     * Idempotent; ids not in the log are ignored.
     */
    void forget(String workspaceId, Collection<String> messageIds);

    /**
     * Forgets where ids route (erasure): {@code routingKeys} as {@link Event#userKey}, {@link Event#anonymousKey} and
     * {@link Event#deviceKey} make them. Idempotent; a later event naming one of them is routed as a newcomer's.
     */
    void forgetRoutes(String workspaceId, Collection<String> routingKeys);

    /**
     * The partition a person's events go to now, given the routing keys of their ids ({@link Event#userKey},
     * {@link Event#anonymousKey}); what work done outside the processor (a background computation scheduling a
     * timer) needs to reach the person in order.
     */
    int partitionOfPerson(String workspaceId, List<String> routingKeys);

    /** Stops taking appends after completing those already accepted. */
    @Override
    void close();

    /** Where a routing key hashes: the partition of an event none of whose ids has a route yet. */
    static int partitionOf(String workspaceId, String routingKey, int partitions) {
        if (partitions == 1) return 0;
        int h = 31 * workspaceId.hashCode() + routingKey.hashCode();
        return Math.floorMod(h ^ (h >>> 16), partitions);
    }
}
