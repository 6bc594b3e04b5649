package io.herald.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Told about deliveries a dispatcher round recorded {@code sent}: in-app messages use it to reach the person's open
 * pages. {@link #recording} runs inside the transaction that records the round, before its statuses are written (the
 * deliveries are still {@code sending}), so what it writes commits with them; {@link #recorded} runs once that
 * transaction committed.
 */
public interface SentHook {
    SentHook NONE = new SentHook() {
        @Override
        public void recording(Connection c, List<Sent> sent) {
        }

        @Override
        public void recorded(List<Sent> sent) {
        }
    };

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

    void recording(Connection c, List<Sent> sent) throws SQLException;

    void recorded(List<Sent> sent);
}
