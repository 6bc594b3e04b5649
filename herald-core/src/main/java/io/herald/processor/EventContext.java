package io.herald.processor;

import io.herald.event.Event;

/** One event moving through the pipeline, and what earlier stages decided about it. */
public final class EventContext {
    private final Event event;
    private String personId;
    private String dropReason;

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

    public boolean dropped() {
        return dropReason != null;
    }

    public String dropReason() {
        return dropReason;
    }
}
