package io.herald.delivery;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One rendered delivery handed to a channel: whom it is for, the key a provider can deduplicate it by (the same for
 * every attempt), its content with every template filled in, and which attempt this is (1 for the first).
 */
public record Outbound(String workspaceId, String deliveryId, String personId, String channel,
                       String idempotencyKey, ObjectNode content, int attempt) {
}
