package io.herald.message;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A message of one channel as saved (API.md "Message (by channel)"), after {@link MessageParser} validated it.
 * Text fields stay Liquid sources; {@link Renderer} fills them in per person. {@link #source()} is the JSON as
 * written, which is what campaigns store and deliveries carry.
 */
public sealed interface Message {
    /** The JSON as written (validated), including translations and variants. */
    ObjectNode source();

    /** Herald's additions shared by every channel. */
    Options options();

    /**
     * @param topic         the topic key the message belongs to (subscriptions), or null
     * @param transactional bypasses subscriptions and caps (receipts, password resets)
     * @param strict        an undefined variable fails the delivery instead of rendering empty
     * @param expiresAfter  from the delivery's creation; null = never
     * @param locales       the translations' locales, as written
     * @param variantWeights the variants' weights in order (sum 100), empty when the message has none
     */
    record Options(String topic, boolean transactional, boolean strict, Duration expiresAfter, Set<String> locales,
                   List<Integer> variantWeights) {
    }

    record Push(ObjectNode source, Options options, String title, String body, List<Button> buttons)
            implements Message {
        public record Button(String id, String label, String deepLink) {
        }
    }

    record InApp(ObjectNode source, Options options, String format, String position, String anchor,
                 String placement, int steps, Frequency frequency, int priority, boolean anonymous)
            implements Message {
        /** How often one person may see the message: {@code once}, {@code once_per_session}, {@code always}, or {@code max} per window. */
        public record Frequency(String kind, Integer max, Duration per) {
        }
    }

    record Email(ObjectNode source, Options options, String subject, String html, String text, String from,
                 String replyTo) implements Message {
    }

    record Sms(ObjectNode source, Options options, String body) implements Message {
    }

    record WhatsApp(ObjectNode source, Options options, String body, String templateName, String mediaUrl)
            implements Message {
    }

    record Webhook(ObjectNode source, Options options, String method, String url) implements Message {
    }
}
