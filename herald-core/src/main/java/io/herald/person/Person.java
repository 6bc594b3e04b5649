package io.herald.person;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** One human as the admin API shows them: ids, attributes, devices. */
public record Person(String id, String userId, List<String> userIds, List<String> anonymousIds, ObjectNode attributes,
                     long createdAt, long lastSeenAt, String timezone, String locale, List<Device> devices) {
}
