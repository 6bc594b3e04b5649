package io.herald.processor;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One transaction's worth of events being processed: the connection every stage writes through, and per-batch
 * state stages keep (caches, pending writes) that is flushed before the transaction commits.
 */
public final class Batch {
    private Connection connection;
    private final long now;
    private final Map<Class<?>, Object> locals = new IdentityHashMap<>();
    private final List<Flushable> flushables = new ArrayList<>();
    private final List<Stage> stages;

    /** Per-batch state that holds writes back until the end of the batch. */
    public interface Flushable {
        void flush() throws SQLException;

        /** The batch's transaction committed (not called when it failed). */
        default void committed() {
        }
    }

    private final int partition;

    Batch(Connection connection, long now, List<Stage> stages, int partition) {
        this.connection = connection;
        this.now = now;
        this.stages = stages;
        this.partition = partition;
    }

    /** The log partition whose events this batch processes. */
    public int partition() {
        return partition;
    }

    /** Tells every stage that one person was merged into another, so each moves the state it keeps. */
    public void announceMerge(String fromPersonId, String intoPersonId) throws SQLException {
        for (Stage s : stages) s.onMerge(this, fromPersonId, intoPersonId);
    }

    /**
     * The connection to use now: while stages prefetch, a reading one outside the write transaction (so on SQLite
     * the prefetch of one partition's batch runs while another partition's batch writes); then the transaction's.
     */
    public Connection connection() {
        return connection;
    }

    void use(Connection c) {
        this.connection = c;
    }

    /** The processing time of this batch (epoch ms), from the injected clock. */
    public long now() {
        return now;
    }

    /** The batch's single instance of a per-batch helper, created on first use. */
    public <T> T local(Class<T> type, Supplier<T> factory) {
        Object existing = locals.get(type);
        if (existing != null) return type.cast(existing);
        T created = factory.get();
        locals.put(type, created);
        if (created instanceof Flushable f) flushables.add(f);
        return created;
    }

    /** Writes every helper's pending changes, in the order the helpers were first used. */
    public void flush() throws SQLException {
        for (Flushable f : flushables) f.flush();
    }

    void committed() {
        for (Flushable f : flushables) f.committed();
    }
}
