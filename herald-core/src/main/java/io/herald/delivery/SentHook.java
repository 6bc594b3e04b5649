package io.herald.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Told about deliveries a dispatcher round recorded {@code sent}: in-app messages use it to reach the person's open
 * pages. {@link #prepare} runs before the transaction that records the round, and the {@link Recording} it returns
 * writes inside it, before the round's statuses are written (the deliveries are still {@code sending}), so what it
 * writes commits with them; {@link #recorded} runs once that transaction committed.
 *
 * <p>Why two steps: on SQLite the rounds take turns at the store's one writer, so whatever a hook can compute
 * without the store (building documents, say) is done before the transaction, not while holding it.
 */
public interface SentHook {
    SentHook NONE = new SentHook() {
        @Override
        public Recording prepare(List<Sent> sent) {
            return c -> { };
        }

        @Override
        public void recorded(List<Sent> sent) {
        }
    };

    /** What a hook writes in the transaction that records the round; may run again if that transaction is retried. */
    @FunctionalInterface
    interface Recording {
        void write(Connection c) throws SQLException;
    }

    /**
     * One delivery recorded sent.
     *
     * @param campaignId the campaign it belongs to, or null (a test send)
     * @param expiresAt epoch ms the message said it expires at (top-level expiresAfter), else null
     * @param content   the rendered message as sent
     */
    record Sent(String id, String workspaceId, String personId, String campaignId, String channel, long createdAt,
                Long expiresAt, ObjectNode content) {
    }

    /** Prepares, outside any transaction, what the hook writes for {@code sent} in the round's record transaction. */
    Recording prepare(List<Sent> sent);

    void recorded(List<Sent> sent);
}
