package io.herald.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;

/** Reading JSON this package itself stored: a failure is corrupt data, not a client mistake. */
final class Json {
    private Json() {
    }

    static JsonNode parse(String stored) {
        try {
            return EventCodec.mapper().readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt stored JSON in the segment tables", e);
        }
    }
}
