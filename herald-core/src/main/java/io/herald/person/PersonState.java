package io.herald.person;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;

/** A person's profile as the processor holds it during a batch; written back once at the batch's end. */
final class PersonState {
    /**
     * How far {@link #lastSeenAt} may run ahead of the stored value before the row is written for it alone. Most
     * events change nothing about a person but the time they were last seen; rewriting the row (a random page of
     * the table) for every one of them was the largest write cost of processing. Any other change writes the exact
     * value at once.
     */
    static final long LAST_SEEN_GRANULARITY_MS = 60_000;

    final String id;
    final String workspaceId;
    String userId;
    /** The stored JSON of the attributes, parsed only when a stage reads or changes them. */
    private String attributesJson;
    private ObjectNode attributes;
    String timezone;
    String locale;
    long createdAt;
    long lastSeenAt;
    private long storedLastSeenAt;
    boolean isNew;
    /** Something but the attributes changed: the row needs writing. */
    boolean dirty;
    private boolean attributesChanged;
    private boolean userIdChanged;

    PersonState(String id, String workspaceId, String userId, String attributesJson, String timezone, String locale,
                long createdAt, long lastSeenAt) {
        this.id = id;
        this.workspaceId = workspaceId;
        this.userId = userId;
        this.attributesJson = attributesJson;
        this.timezone = timezone;
        this.locale = locale;
        this.createdAt = createdAt;
        this.lastSeenAt = lastSeenAt;
        this.storedLastSeenAt = lastSeenAt;
    }

    /**
     * An independent copy, as stored plus what is pending (a last-seen not yet written). The attributes travel as
     * their JSON text, so copying a person whose attributes nobody read costs no parsing.
     */
    PersonState copy() {
        PersonState c = new PersonState(id, workspaceId, userId, attributesJson(), timezone, locale, createdAt,
                lastSeenAt);
        c.storedLastSeenAt = storedLastSeenAt;
        c.isNew = isNew;
        c.dirty = dirty;
        c.attributesChanged = attributesChanged;
        c.userIdChanged = userIdChanged;
        return c;
    }

    /** The attributes, to read or change; a change must be followed by {@link #attributesChanged()}. */
    ObjectNode attributes() {
        if (attributes == null) {
            try {
                attributes = (ObjectNode) EventCodec.mapper().readTree(attributesJson);
            } catch (JsonProcessingException | ClassCastException e) {
                throw new IllegalStateException("corrupt attributes of person " + id, e);
            }
            attributesJson = null;
        }
        return attributes;
    }

    void attributesChanged() {
        attributesChanged = true;
        dirty = true;
    }

    boolean attributesDirty() {
        return attributesChanged;
    }

    /** The attributes as stored JSON. */
    String attributesJson() {
        return attributes != null ? attributes.toString() : attributesJson;
    }

    /** The person is known by {@code userId} from now on. */
    void knownAs(String userId) {
        this.userId = userId;
        userIdChanged = true;
        dirty = true;
    }

    /**
     * Whether the user id changed since the row was written: only then is it written, because an UPDATE that names
     * the column rewrites its index entry even with the value unchanged (a random page of the index per row).
     */
    boolean userIdDirty() {
        return userIdChanged;
    }

    /** Moves last-seen forward; the row is written for it only once it is a granule ahead of the stored value. */
    void seenAt(long timestamp) {
        if (timestamp <= lastSeenAt) return;
        lastSeenAt = timestamp;
        if (timestamp - storedLastSeenAt >= LAST_SEEN_GRANULARITY_MS) dirty = true;
    }

    /** Called once the row is written. */
    void written() {
        isNew = false;
        dirty = false;
        attributesChanged = false;
        userIdChanged = false;
        storedLastSeenAt = lastSeenAt;
    }
}
