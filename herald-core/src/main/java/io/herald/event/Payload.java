package io.herald.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an event says, by kind. The Segment calls, device registration, preference changes made through the admin
 * API, and Herald's own events (timers firing).
 *
 * <p>Sealed so that every stage of the person processor handles every kind: adding one is a compile error until
 * each {@code switch} over it does.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Payload.Identify.class, name = "identify"),
        @JsonSubTypes.Type(value = Payload.Track.class, name = "track"),
        @JsonSubTypes.Type(value = Payload.Page.class, name = "page"),
        @JsonSubTypes.Type(value = Payload.Screen.class, name = "screen"),
        @JsonSubTypes.Type(value = Payload.Group.class, name = "group"),
        @JsonSubTypes.Type(value = Payload.Alias.class, name = "alias"),
        @JsonSubTypes.Type(value = Payload.DeviceRegistered.class, name = "device_registered"),
        @JsonSubTypes.Type(value = Payload.DeviceRemoved.class, name = "device_removed"),
        @JsonSubTypes.Type(value = Payload.TimerFired.class, name = "timer"),
        @JsonSubTypes.Type(value = Payload.PreferencesChanged.class, name = "preferences"),
})
public sealed interface Payload {

    /** The type name used in the API and the person's event history. */
    @JsonIgnore
    String typeName();

    /** Traits to merge into the person's attributes ({@code null} values remove an attribute). */
    record Identify(ObjectNode traits) implements Payload {
        public String typeName() {
            return "identify";
        }
    }

    record Track(String event, ObjectNode properties) implements Payload {
        public String typeName() {
            return "track";
        }
    }

    record Page(String name, ObjectNode properties) implements Payload {
        public String typeName() {
            return "page";
        }
    }

    record Screen(String name, ObjectNode properties) implements Payload {
        public String typeName() {
            return "screen";
        }
    }

    record Group(String groupId, ObjectNode traits) implements Payload {
        public String typeName() {
            return "group";
        }
    }

    /** Links {@code previousId} (an anonymous or older user id) to the event's userId. */
    record Alias(String previousId) implements Payload {
        public String typeName() {
            return "alias";
        }
    }

    record DeviceRegistered(String token, String platform, String provider, String appId, boolean pushEnabled)
            implements Payload {
        public String typeName() {
            return "device_registered";
        }
    }

    record DeviceRemoved(String token) implements Payload {
        public String typeName() {
            return "device_removed";
        }
    }

    /** A timer of the person's came due; {@code kind} says whose (segment window, journey delay, ...). */
    record TimerFired(String personId, String timerId, String kind, ObjectNode data) implements Payload {
        public String typeName() {
            return "timer";
        }
    }

    /**
     * The person's channel and topic choices, replacing the ones stored: {@code {"channels": {"push": false},
     * "topics": {"product_tips": {"email": true}}}}, already validated (io.herald.preference.Preferences). Sent
     * through the person's log, not written directly, so it is ordered with everything else they do.
     */
    record PreferencesChanged(ObjectNode preferences) implements Payload {
        public String typeName() {
            return "preferences";
        }
    }
}
