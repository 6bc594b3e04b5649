package io.herald.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.error.ClientError;
import io.herald.event.Event;
import io.herald.event.Payload;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns Segment-spec request bodies into events, validating every field first.
 *
 * <p>Everything is checked before anything is returned, so a request is all-or-nothing: one bad call in a batch
 * rejects the batch, naming the call and the field ({@code batch[3].event}).
 */
final class SegmentCalls {
    private static final Set<String> CALL_TYPES = Set.of("identify", "track", "page", "screen", "group", "alias");
    private static final Set<String> PLATFORMS = Set.of("ios", "android", "web");
    private static final Set<String> PROVIDERS = Set.of("apns", "fcm", "webpush");
    private static final Map<String, String> DEFAULT_PROVIDER = Map.of("ios", "apns", "android", "fcm", "web", "webpush");

    private final String workspaceId;
    private final long receivedAt;
    private String lastSentAtText;
    private long lastSentAtMillis;

    SegmentCalls(String workspaceId, long receivedAt) {
        this.workspaceId = workspaceId;
        this.receivedAt = receivedAt;
    }

    List<Event> parse(CallKind kind, JsonNode body, int bodyBytes) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the request body must be a JSON object", null);
        }
        return switch (kind) {
            case BATCH -> parseBatch((ObjectNode) body, bodyBytes);
            case DEVICE_REGISTER -> List.of(deviceRegistered((ObjectNode) body));
            case DEVICE_REMOVE -> List.of(deviceRemoved((ObjectNode) body));
            default -> List.of(call((ObjectNode) body, kind.name().toLowerCase(), null, null));
        };
    }

    private List<Event> parseBatch(ObjectNode body, int bodyBytes) {
        JsonNode batch = body.get("batch");
        if (batch == null || batch.isNull()) throw ClientError.missing("batch");
        if (!batch.isArray()) throw ClientError.invalid("batch", "batch must be an array of calls");
        ObjectNode sharedContext = optionalObject(body, "context");
        String sharedSentAt = optionalText(body, "sentAt", 64);
        List<Event> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            JsonNode node = batch.get(i);
            try {
                if (!node.isObject()) throw new ClientError(400, "invalid_field", "a call must be a JSON object", null);
                // Only a body past the per-call limit can hold a call past it; skip measuring small ones.
                if (bodyBytes > Limits.MAX_CALL_BYTES && CallSize.longerThan(node, Limits.MAX_CALL_BYTES)) {
                    throw new ClientError(413, "call_too_large",
                            "a call must be at most " + Limits.MAX_CALL_BYTES + " bytes", null);
                }
                String type = optionalText((ObjectNode) node, "type", 32);
                if (type == null) throw ClientError.missing("type");
                if (!CALL_TYPES.contains(type)) {
                    throw ClientError.invalid("type", "type must be one of " + String.join(", ", CALL_TYPES.stream().sorted().toList()));
                }
                events.add(call((ObjectNode) node, type, sharedContext, sharedSentAt));
            } catch (ClientError e) {
                throw e.under("batch[" + i + "]");
            }
        }
        return events;
    }

    private Event call(ObjectNode node, String type, ObjectNode sharedContext, String sharedSentAt) {
        String userId = id(node, "userId");
        String anonymousId = id(node, "anonymousId");
        ObjectNode context = mergedContext(optionalObject(node, "context"), sharedContext);
        Payload payload = switch (type) {
            case "identify" -> new Payload.Identify(traits(node, context));
            case "track" -> new Payload.Track(requiredName(node, "event"), properties(node));
            case "page" -> new Payload.Page(optionalText(node, "name", Limits.MAX_EVENT_NAME), properties(node));
            case "screen" -> new Payload.Screen(optionalText(node, "name", Limits.MAX_EVENT_NAME), properties(node));
            case "group" -> new Payload.Group(requiredId(node, "groupId"), optionalTraits(node));
            case "alias" -> new Payload.Alias(requiredId(node, "previousId"));
            default -> throw new IllegalStateException("unhandled call type " + type);
        };
        if (type.equals("alias") && userId == null) throw ClientError.missing("userId");
        if (userId == null && anonymousId == null) {
            throw new ClientError(400, "missing_field", "userId or anonymousId is required", "userId");
        }
        String sentAtText = node.hasNonNull("sentAt") ? optionalText(node, "sentAt", 64) : sharedSentAt;
        long timestamp = correctedTimestamp(node, sentAtText);
        return new Event(workspaceId, -1, -1, messageId(node), userId, anonymousId, timestamp, receivedAt, context,
                payload);
    }

    /**
     * Segment's clock-skew correction: the device's clock may be off, but the gap between when the event happened
     * and when the device sent it is right, so {@code timestamp = receivedAt - (sentAt - timestamp)}.
     */
    private long correctedTimestamp(ObjectNode node, String sentAtText) {
        String tsField = node.hasNonNull("timestamp") ? "timestamp" : "originalTimestamp";
        String tsText = optionalText(node, tsField, 64);
        if (tsText == null) return receivedAt;
        long ts = instant(tsText, tsField);
        if (sentAtText == null) return ts;
        return receivedAt - (sentAt(sentAtText) - ts);
    }

    /**
     * A batch's calls share its sentAt: read it once. Only a sentAt that was read is remembered, so a bad one is
     * still refused by the first call that needs it, naming that call, as before.
     */
    private long sentAt(String text) {
        if (!text.equals(lastSentAtText)) {
            lastSentAtMillis = instant(text, "sentAt");
            lastSentAtText = text;
        }
        return lastSentAtMillis;
    }

    private static long instant(String text, String field) {
        try {
            return IsoInstants.toEpochMilli(text);
        } catch (DateTimeParseException | ArithmeticException e) { // the latter: a valid instant beyond epoch millis
            throw ClientError.invalid(field, field + " must be an ISO-8601 instant such as 2026-11-22T10:15:00Z");
        }
    }

    private Event deviceRegistered(ObjectNode node) {
        String userId = id(node, "userId");
        String anonymousId = id(node, "anonymousId");
        if (userId == null && anonymousId == null) {
            throw new ClientError(400, "missing_field", "userId or anonymousId is required", "userId");
        }
        JsonNode tokenNode = node.get("token");
        String token;
        if (tokenNode != null && tokenNode.isObject()) token = tokenNode.toString(); // a web PushSubscription
        else token = optionalText(node, "token", Limits.MAX_TOKEN_LENGTH);
        if (token == null || token.isBlank()) throw ClientError.missing("token");
        if (token.length() > Limits.MAX_TOKEN_LENGTH) {
            throw ClientError.invalid("token", "token must be at most " + Limits.MAX_TOKEN_LENGTH + " characters");
        }
        String platform = optionalText(node, "platform", 16);
        if (platform == null) throw ClientError.missing("platform");
        if (!PLATFORMS.contains(platform)) throw ClientError.invalid("platform", "platform must be ios, android or web");
        String provider = optionalText(node, "provider", 16);
        if (provider == null) provider = DEFAULT_PROVIDER.get(platform);
        if (!PROVIDERS.contains(provider)) throw ClientError.invalid("provider", "provider must be apns, fcm or webpush");
        // A web push token is a PushSubscription Herald must be able to encrypt for: refuse a broken one now, with
        // the field named, rather than fail every delivery to it later.
        if (provider.equals("webpush")) io.herald.push.WebPushSubscription.parse(token, "token");
        String appId = optionalText(node, "appId", Limits.MAX_ID_LENGTH);
        JsonNode enabled = node.get("pushEnabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw ClientError.invalid("pushEnabled", "pushEnabled must be true or false");
        }
        boolean pushEnabled = enabled == null || enabled.isNull() || enabled.booleanValue();
        return new Event(workspaceId, -1, -1, newMessageId(), userId, anonymousId, receivedAt,
                receivedAt, null, new Payload.DeviceRegistered(token, platform, provider, appId, pushEnabled));
    }

    private Event deviceRemoved(ObjectNode node) {
        JsonNode tokenNode = node.get("token");
        String token = tokenNode != null && tokenNode.isObject() ? tokenNode.toString()
                : optionalText(node, "token", Limits.MAX_TOKEN_LENGTH);
        if (token == null || token.isBlank()) throw ClientError.missing("token");
        return new Event(workspaceId, -1, -1, newMessageId(), null, null, receivedAt, receivedAt, null,
                new Payload.DeviceRemoved(token));
    }

    private static String messageId(ObjectNode node) {
        String id = id(node, "messageId");
        return id != null ? id : newMessageId();
    }

    /**
     * A messageId for a call that brought none. Time-ordered and counted up within a millisecond, it is unique
     * without drawing from SecureRandom for every call as {@code UUID.randomUUID()} does.
     */
    private static String newMessageId() {
        return UuidCreator.getTimeOrderedEpochPlus1().toString();
    }

    /** An identifier: a string, or a number as Segment clients sometimes send; blank counts as absent. */
    private static String id(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() && !v.isIntegralNumber()) throw ClientError.invalid(field, field + " must be a string");
        String s = v.asText();
        if (s.isBlank()) return null;
        rejectNul(field, s);
        if (s.length() > Limits.MAX_ID_LENGTH) {
            throw ClientError.invalid(field, field + " must be at most " + Limits.MAX_ID_LENGTH + " characters");
        }
        return s;
    }

    /**
     * Text that becomes a column value must not hold U+0000: PostgreSQL cannot store it in TEXT. (Inside
     * properties and traits it is harmless: they are stored as JSON, where it is escaped.)
     */
    private static void rejectNul(String field, String s) {
        if (s.indexOf('\u0000') >= 0) throw ClientError.invalid(field, field + " must not contain the NUL character");
    }

    private static String requiredId(ObjectNode node, String field) {
        String s = id(node, field);
        if (s == null) throw ClientError.missing(field);
        return s;
    }

    private static String requiredName(ObjectNode node, String field) {
        String s = optionalText(node, field, Limits.MAX_EVENT_NAME);
        if (s == null || s.isBlank()) throw ClientError.missing(field);
        return s;
    }

    private static String optionalText(ObjectNode node, String field, int maxLength) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ClientError.invalid(field, field + " must be a string");
        String s = v.textValue();
        rejectNul(field, s);
        if (s.length() > maxLength) {
            throw ClientError.invalid(field, field + " must be at most " + maxLength + " characters");
        }
        return s;
    }

    private static ObjectNode optionalObject(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isObject()) throw ClientError.invalid(field, field + " must be a JSON object");
        return (ObjectNode) v;
    }

    private static ObjectNode properties(ObjectNode node) {
        ObjectNode p = optionalObject(node, "properties");
        return p != null ? p : JsonNodeFactory.instance.objectNode();
    }

    private static ObjectNode optionalTraits(ObjectNode node) {
        ObjectNode t = optionalObject(node, "traits");
        return t != null ? t : JsonNodeFactory.instance.objectNode();
    }

    /** Identify traits: the call's, over any in {@code context.traits}. */
    private static ObjectNode traits(ObjectNode node, ObjectNode context) {
        ObjectNode traits = JsonNodeFactory.instance.objectNode();
        if (context != null && context.get("traits") instanceof ObjectNode ct) traits.setAll(ct);
        ObjectNode own = optionalObject(node, "traits");
        if (own != null) traits.setAll(own);
        if (traits.size() > Limits.MAX_ATTRIBUTES) {
            throw new ClientError(400, "too_many_attributes",
                    "traits may hold at most " + Limits.MAX_ATTRIBUTES + " attributes", "traits");
        }
        return traits;
    }

    /**
     * The batch's context under the call's own, field by field. Nodes are shared, not copied: nothing changes an
     * event's context once it is built (the log stores its JSON), so every call of a batch may hold the batch's.
     */
    private static ObjectNode mergedContext(ObjectNode own, ObjectNode shared) {
        if (shared == null) return own;
        if (own == null) return shared;
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        merged.setAll(shared);
        merged.setAll(own);
        return merged;
    }
}
