package io.herald.person;

import com.fasterxml.jackson.databind.JsonNode;

/** An entry of a person's event history. {@code id} is the event's messageId. */
public record PersonEvent(String id, String type, String event, String name, JsonNode properties, JsonNode context,
                          long timestamp, long receivedAt) {
}
