package io.herald.message;

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
}
