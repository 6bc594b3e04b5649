package io.herald.processor;

import io.herald.event.Event;
import java.sql.SQLException;
import java.util.List;

/**
 * One step of the person processor's pipeline (identity, profile, then segments, campaigns, deliveries).
 * Stages run in order for each event, inside the batch's transaction.
 */
public interface Stage {

    void handle(Batch batch, EventContext event) throws SQLException;

    /**
     * Called once per batch before its first event, with all of them: a stage may load what the batch will need
     * in a few queries instead of one per event. It runs before the batch's write transaction begins, on a
     * connection for reading: it must not write. What it reads cannot change before the transaction, for a
     * person's events are processed by one partition and {@link BatchGuard} holds off the rest.
     */
    default void prefetch(Batch batch, List<Event> events) throws SQLException {
    }

    /**
     * A person was merged into another (an anonymous visitor identified themselves). Stages that keep state per
     * person move it here, so nothing is orphaned.
     */
    default void onMerge(Batch batch, String fromPersonId, String intoPersonId) throws SQLException {
    }
}
