package io.herald.message;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a message's Liquid sees: {@code person} (attributes and ids), {@code event} (the trigger event),
 * {@code journey} (data set during the run), {@code campaign}, {@code delivery} (id, unsubscribe and preference
 * URLs). {@code locale} picks a translation, {@code timezone} is the person's (date filters), {@code bucketKey}
 * picks a variant deterministically (the same person gets the same variant every time).
 */
public record RenderContext(Map<String, Object> person, Map<String, Object> event, Map<String, Object> journey,
                            Map<String, Object> campaign, Map<String, Object> delivery, String locale,
                            String timezone, String bucketKey) {

    /**
     * The {@code event} templates see: the trigger event's properties at the top ({@code event.plan}), and also
     * {@code event.event} (its name), {@code event.properties} and {@code event.timestamp} — the shape journeys keep
     * ({@code {event, properties, timestamp}}), so either way of writing works. A property named like one of those
     * three is reached through {@code event.properties}.
     *
     * @param trigger a journey's {@code event} object {@code {event?, properties?, timestamp?}}, or null
     */
    public static Map<String, Object> eventView(JsonNode trigger) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (trigger == null || !trigger.isObject()) return out;
        JsonNode props = trigger.get("properties");
        if (props != null && props.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), e.getValue());
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = trigger.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
