package io.herald.processor;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Keeps work that changes people outside the pipeline (erasure) from running while a batch is processed.
 *
 * <p>Why: a batch reads the people it concerns before its write transaction begins (see
 * {@link Stage#prefetch}); a person erased in between would be written back from what the batch read. Batches
 * share the guard with one another; exclusive work holds it alone, waiting for the batches in flight to finish.
 */
public final class BatchGuard {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<Runnable> afterExclusive = new CopyOnWriteArrayList<>();

    /**
     * Runs work with no batch in flight, and returns what it returns; then, still before any batch, tells those
     * that keep people in memory between batches to let go of them.
     */
    public <T> T exclusively(Supplier<T> work) {
        return holding(lock.writeLock(), () -> {
            try {
                return work.get();
            } finally {
                afterExclusive.forEach(Runnable::run);
            }
        });
    }

    /**
     * Runs work with no batch in flight that changes no person, identity or attribute (so what batches remember of
     * people stays true): a background computation of segment state, for instance.
     */
    public <T> T exclusivelyLeavingPeople(Supplier<T> work) {
        return holding(lock.writeLock(), work);
    }

    /** Registers what to run after each exclusive work (e.g. forgetting people kept in memory). */
    public void afterExclusive(Runnable action) {
        afterExclusive.add(action);
    }

    <T> T batch(Supplier<T> work) {
        return holding(lock.readLock(), work);
    }

    private static <T> T holding(Lock held, Supplier<T> work) {
        held.lock();
        try {
            return work.get();
        } finally {
            held.unlock();
        }
    }
}
