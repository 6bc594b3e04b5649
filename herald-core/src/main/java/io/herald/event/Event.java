package io.herald.event;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One entry of a person's ordered log: who it concerns, when it happened, and what it says.
 *
 * @param position  where it stands in its partition of the log (assigned when appended; -1 before)
 * @param timestamp when it happened, epoch ms, corrected for client clock skew
 * @param receivedAt when Herald received it, epoch ms
 */
public record Event(String workspaceId, int partition, long position, String messageId, String userId,
                    String anonymousId, long timestamp, long receivedAt, ObjectNode context, Payload payload) {

    public Event withPosition(long newPosition) {
        return new Event(workspaceId, partition, newPosition, messageId, userId, anonymousId, timestamp, receivedAt,
                context, payload);
    }

    /**
     * The identity that routes the event to a partition. Device calls route by token so that a register and a
     * later removal of the same token stay in order.
     */
    public String routingKey() {
        return switch (payload) {
            case Payload.DeviceRegistered d -> "d:" + d.token();
            case Payload.DeviceRemoved d -> "d:" + d.token();
            case Payload.TimerFired t -> "p:" + t.personId();
            default -> userId != null ? "u:" + userId : "a:" + anonymousId;
        };
    }
}
