package io.herald.event;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One entry of a person's ordered log: who it concerns, when it happened, and what it says.
 *
 * @param position  where it stands in its partition of the log (assigned when appended; -1 before)
 * @param timestamp when it happened, epoch ms, corrected for client clock skew
 * @param receivedAt when Herald received it, epoch ms
 */
public record Event(String workspaceId, int partition, long position, String messageId, String userId,
                    String anonymousId, long timestamp, long receivedAt, ObjectNode context, Payload payload) {

    /** The event as the log stored it: in that partition, at that position. */
    public Event placed(int newPartition, long newPosition) {
        return new Event(workspaceId, newPartition, newPosition, messageId, userId, anonymousId, timestamp, receivedAt,
                context, payload);
    }

    /**
     * The ids that route the event to a partition, in order of preference: its userId, its anonymousId, an alias's
     * previous id (as either kind, for it could have been either), a device token. The log sends every event that
     * names any id of a person to the partition that person's ids already route to; a timer goes by its person.
     */
    public List<String> routingKeys() {
        if (payload instanceof Payload.TimerFired t) return List.of("p:" + t.personId());
        Set<String> keys = new LinkedHashSet<>(4);
        if (userId != null) keys.add(userKey(userId));
        if (anonymousId != null) keys.add(anonymousKey(anonymousId));
        switch (payload) {
            case Payload.Alias a -> {
                keys.add(userKey(a.previousId()));
                keys.add(anonymousKey(a.previousId()));
            }
            case Payload.DeviceRegistered d -> keys.add(deviceKey(d.token()));
            case Payload.DeviceRemoved d -> keys.add(deviceKey(d.token()));
            default -> { }
        }
        return List.copyOf(keys);
    }

    /** The routing key of a userId (also used to forget an erased person's routes). */
    public static String userKey(String userId) {
        return "u:" + userId;
    }

    /** The routing key of an anonymousId. */
    public static String anonymousKey(String anonymousId) {
        return "a:" + anonymousId;
    }

    /** The routing key of a device token. */
    public static String deviceKey(String token) {
        return "d:" + token;
    }
}
