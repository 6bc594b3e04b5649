package io.herald.processor;

import io.herald.event.Event;

/** One event moving through the pipeline, and what earlier stages decided about it. */
public final class EventContext {
    private final Event event;
    private String personId;
    private String dropReason;
    private java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> changedAttributes = java.util.Map.of();

    public EventContext(Event event) {
        this.event = event;
    }

    public Event event() {
        return event;
    }

    /** The person the event belongs to, once the identity stage resolved it; null before or when dropped. */
    public String personId() {
        return personId;
    }

    public void resolvedTo(String id) {
        this.personId = id;
    }

    /** Stops the event here: later stages do not see it. The reason is logged and counted. */
    public void drop(String reason) {
        this.dropReason = reason;
    }

    /** Records that the event changed an attribute (to {@code value}; null when removed), for later stages. */
    public void attributeChanged(String name, com.fasterxml.jackson.databind.JsonNode value) {
        if (changedAttributes.isEmpty()) changedAttributes = new java.util.LinkedHashMap<>();
        changedAttributes.put(name, value);
    }

    /** The attributes this event changed, with their new values (null: removed). */
    public java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> changedAttributes() {
        return changedAttributes;
    }

    public boolean dropped() {
        return dropReason != null;
    }

    public String dropReason() {
        return dropReason;
    }
}
