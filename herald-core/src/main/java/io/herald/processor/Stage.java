package io.herald.processor;

import java.sql.SQLException;

/**
 * One step of the person processor's pipeline (identity, profile, then segments, campaigns, deliveries).
 * Stages run in order for each event, inside the batch's transaction.
 */
public interface Stage {

    void handle(Batch batch, EventContext event) throws SQLException;

    /**
     * A person was merged into another (an anonymous visitor identified themselves). Stages that keep state per
     * person move it here, so nothing is orphaned.
     */
    default void onMerge(Batch batch, String fromPersonId, String intoPersonId) throws SQLException {
    }
}
