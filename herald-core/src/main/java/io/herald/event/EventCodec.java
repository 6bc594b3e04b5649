package io.herald.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;

/** Writes events to the log's JSON form and reads them back. Workspace and position live in log columns. */
public final class EventCodec {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /**
     * A buffer per thread: a request's events are encoded one after the other on its thread, so one buffer serves
     * the whole batch instead of one (grown, then copied) per event.
     */
    private static final ThreadLocal<StringBuilder> BUFFER = ThreadLocal.withInitial(() -> new StringBuilder(1024));
    private static final int MAX_KEPT_BUFFER = 16 * 1024;

    private EventCodec() {
    }

    /** The stored part of an event, as {@link #decode} reads it and the mapper would write it. */
    private record Stored(String messageId, String userId, String anonymousId, long timestamp, long receivedAt,
                          ObjectNode context, Payload payload) {
    }

    /**
     * The event's stored JSON: exactly the text the mapper writes for {@link Stored} (fields in component order,
     * nulls left out, the payload's kind as {@code "type"}), written straight into a StringBuilder.
     *
     * <p>Why by hand: it runs for every appended event on the request thread, and the mapper took about a third more
     * CPU and twice the garbage for the same text (EventCodecBenchmark). Rows already in logs were written by the
     * mapper, so the text must not change:
     * StoredEventTest (io.herald.ingest) compares it with the mapper's for every payload kind with every field set
     * (a new payload field fails it, a new kind fails the switch below) and for random JSON trees.
     */
    public static String encode(Event e) {
        StringBuilder out = BUFFER.get();
        out.setLength(0);
        out.append('{');
        text(out, "messageId", e.messageId());
        text(out, "userId", e.userId());
        text(out, "anonymousId", e.anonymousId());
        name(out, "timestamp").append(e.timestamp());
        name(out, "receivedAt").append(e.receivedAt());
        tree(out, "context", e.context());
        if (e.payload() != null) payload(name(out, "payload"), e.payload());
        String json = out.append('}').toString();
        if (out.capacity() > MAX_KEPT_BUFFER) BUFFER.remove(); // keep no large buffer after a large event
        return json;
    }

    private static void payload(StringBuilder out, Payload payload) {
        out.append("{\"type\":\"").append(payload.typeName()).append('"');
        switch (payload) {
            case Payload.Identify p -> tree(out, "traits", p.traits());
            case Payload.Track p -> {
                text(out, "event", p.event());
                tree(out, "properties", p.properties());
            }
            case Payload.Page p -> {
                text(out, "name", p.name());
                tree(out, "properties", p.properties());
            }
            case Payload.Screen p -> {
                text(out, "name", p.name());
                tree(out, "properties", p.properties());
            }
            case Payload.Group p -> {
                text(out, "groupId", p.groupId());
                tree(out, "traits", p.traits());
            }
            case Payload.Alias p -> text(out, "previousId", p.previousId());
            case Payload.DeviceRegistered p -> {
                text(out, "token", p.token());
                text(out, "platform", p.platform());
                text(out, "provider", p.provider());
                text(out, "appId", p.appId());
                name(out, "pushEnabled").append(p.pushEnabled());
            }
            case Payload.DeviceRemoved p -> text(out, "token", p.token());
            case Payload.TimerFired p -> {
                text(out, "personId", p.personId());
                text(out, "timerId", p.timerId());
                text(out, "kind", p.kind());
                tree(out, "data", p.data());
            }
            case Payload.PreferencesChanged p -> tree(out, "preferences", p.preferences());
        }
        out.append('}');
    }

    /** A field's name (one of ours: nothing to escape), after a comma unless it is the object's first. */
    private static StringBuilder name(StringBuilder out, String name) {
        if (out.charAt(out.length() - 1) != '{') out.append(',');
        return out.append('"').append(name).append("\":");
    }

    /** A text field, left out when null as the mapper's NON_NULL does. */
    private static void text(StringBuilder out, String name, String value) {
        if (value != null) string(name(out, name), value);
    }

    private static void tree(StringBuilder out, String name, JsonNode value) {
        if (value != null) value(name(out, name), value);
    }

    /** A JSON tree as its own {@code serialize} writes it under the mapper's default features. */
    private static void value(StringBuilder out, JsonNode n) {
        if (n instanceof TextNode) {
            if (n.textValue() == null) out.append("null");
            else string(out, n.textValue());
        } else if (n instanceof ObjectNode object) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                if (!first) out.append(',');
                first = false;
                string(out, field.getKey());
                value(out.append(':'), field.getValue());
            }
            out.append('}');
        } else if (n instanceof ArrayNode array) {
            out.append('[');
            for (int i = 0; i < array.size(); i++) {
                if (i > 0) out.append(',');
                value(out, array.get(i));
            }
            out.append(']');
        } else if (n instanceof IntNode || n instanceof LongNode) {
            out.append(n.longValue());
        } else if (n instanceof DoubleNode && Double.isFinite(n.doubleValue())) {
            out.append(n.doubleValue()); // the same shortest form as Double.toString, which Jackson writes
        } else if (n instanceof BooleanNode) {
            out.append(n.booleanValue());
        } else if (n instanceof NullNode) {
            out.append("null");
        } else {
            // Rare: big numbers, NaN, binary and POJO nodes. The mapper writes them as it always did.
            try {
                out.append(JSON.writeValueAsString(n));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("an event must always serialise", ex);
            }
        }
    }

    /** A JSON string as Jackson escapes it: quote, backslash and control characters; nothing else. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        int from = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                out.append(s, from, i).append('\\');
                switch (c) {
                    case '"', '\\' -> out.append(c);
                    case '\b' -> out.append('b');
                    case '\t' -> out.append('t');
                    case '\n' -> out.append('n');
                    case '\f' -> out.append('f');
                    case '\r' -> out.append('r');
                    default -> out.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                }
                from = i + 1;
            }
        }
        out.append(s, from, s.length()).append('"');
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
