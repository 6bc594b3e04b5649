package io.herald.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Writes events to the log's JSON form and reads them back. Workspace and position live in log columns. */
public final class EventCodec {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private EventCodec() {
    }

    /** The stored part of an event. */
    private record Stored(String messageId, String userId, String anonymousId, long timestamp, long receivedAt,
                          ObjectNode context, Payload payload) {
    }

    public static String encode(Event e) {
        try {
            return JSON.writeValueAsString(new Stored(e.messageId(), e.userId(), e.anonymousId(), e.timestamp(),
                    e.receivedAt(), e.context(), e.payload()));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("an event must always serialise", ex);
        }
    }

    public static Event decode(String workspaceId, int partition, long position, String json) {
        try {
            Stored s = JSON.readValue(json, Stored.class);
            return new Event(workspaceId, partition, position, s.messageId(), s.userId(), s.anonymousId(),
                    s.timestamp(), s.receivedAt(), s.context(), s.payload());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("corrupt event in the log at " + partition + "/" + position, ex);
        }
    }

    public static ObjectMapper mapper() {
        return JSON;
    }
}
