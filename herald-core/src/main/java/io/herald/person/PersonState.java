package io.herald.person;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A person's profile as the processor holds it during a batch; written back once at the batch's end. */
final class PersonState {
    final String id;
    final String workspaceId;
    String userId;
    ObjectNode attributes;
    String timezone;
    String locale;
    long createdAt;
    long lastSeenAt;
    boolean isNew;
    boolean dirty;

    PersonState(String id, String workspaceId, String userId, ObjectNode attributes, String timezone, String locale,
                long createdAt, long lastSeenAt) {
        this.id = id;
        this.workspaceId = workspaceId;
        this.userId = userId;
        this.attributes = attributes;
        this.timezone = timezone;
        this.locale = locale;
        this.createdAt = createdAt;
        this.lastSeenAt = lastSeenAt;
    }
}
