package io.herald.log;

import io.herald.event.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The newest events of each partition, kept in memory as the log writer committed them, so a processor that keeps
 * up with the log takes its events from here instead of reading and decoding rows it was just handed.
 *
 * <p>Design: for each partition the tail holds every committed event with a position above {@code completeAfter}
 * (the writer is the only appender, and it adds a commit's events here in position order before it announces
 * them). A read that starts at or past {@code completeAfter} is answered from memory; an earlier one (a processor
 * catching up after a restart or a burst) returns null and the caller reads the table. The tail is bounded: when it
 * is full the oldest event goes and {@code completeAfter} moves up to it. Events are immutable values, so handing
 * the same objects to the processor is safe.
 */
final class RecentEvents {
    private final ArrayDeque<Event>[] tails;
    private final long[] completeAfter;
    private final int capacityPerPartition;

    @SuppressWarnings("unchecked")
    RecentEvents(int partitions, int capacity, long lastPosition) {
        if (capacity < partitions) throw new IllegalArgumentException("capacity must be at least the partition count");
        this.tails = new ArrayDeque[partitions];
        this.completeAfter = new long[partitions];
        this.capacityPerPartition = capacity / partitions;
        for (int p = 0; p < partitions; p++) {
            tails[p] = new ArrayDeque<>();
            completeAfter[p] = lastPosition;
        }
    }

    /** Adds a commit's new events, each with its position, in position order. */
    synchronized void add(List<Event> committed) {
        for (Event e : committed) {
            ArrayDeque<Event> tail = tails[e.partition()];
            if (tail.size() == capacityPerPartition) completeAfter[e.partition()] = tail.removeFirst().position();
            tail.addLast(e);
        }
    }

    /** Up to {@code max} events of a partition after a position, or null when memory no longer holds them all. */
    synchronized List<Event> after(int partition, long position, int max) {
        if (position < completeAfter[partition]) return null;
        List<Event> out = new ArrayList<>(Math.min(max, tails[partition].size()));
        // Drop what the processor is done with: it never reads behind its position again.
        ArrayDeque<Event> tail = tails[partition];
        while (!tail.isEmpty() && tail.peekFirst().position() <= position) {
            completeAfter[partition] = tail.removeFirst().position();
        }
        for (Event e : tail) {
            if (out.size() == max) break;
            out.add(e);
        }
        return out;
    }

    /** How many events of a partition stand after a position, or -1 when memory no longer holds them all. */
    synchronized long countAfter(int partition, long position) {
        if (position < completeAfter[partition]) return -1;
        long n = 0;
        for (var it = tails[partition].descendingIterator(); it.hasNext() && it.next().position() > position; ) n++;
        return n;
    }

    /** Removes erased events, so memory never hands out what the table no longer holds. */
    synchronized void forget(String workspaceId, Collection<String> messageIds) {
        Set<String> ids = new HashSet<>(messageIds);
        for (ArrayDeque<Event> tail : tails) {
            tail.removeIf(e -> e.workspaceId().equals(workspaceId) && ids.contains(e.messageId()));
        }
    }
}
