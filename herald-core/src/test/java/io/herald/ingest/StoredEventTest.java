package io.herald.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The JSON events are stored as in the log. {@link EventCodec#encode} writes it by hand; it must stay the exact text
 * the mapper writes for the codec's stored record (rows already in logs were written that way), and read back equal.
 * (It lives here, beside ingest, because ingest is what hands events to the log.)
 */
class StoredEventTest {
    /** Awkward JSON of every kind: escapes, non-ASCII, nulls (a null trait removes an attribute), big numbers. */
    private static final String AWKWARD = """
            {"s":"é\\"\\\\\\u0001\\n\\t/😀日本\\u2028","i":-5,"l":12345678901234,"d":19.99,"e":1e6,"z":-0.0,"tiny":4.9e-324,
             "b":true,"f":false,"n":null,"a":[1,[],{},null,"x"],"o":{"k":"v","deep":{"deeper":[0.5]}},
             "big":123456789012345678901234567890,"":"empty key"}""";

    /** The codec's stored record, as the mapper wrote it before encode was written by hand. */
    private record Stored(String messageId, String userId, String anonymousId, long timestamp, long receivedAt,
                          ObjectNode context, Payload payload) {
    }

    private static String mapperForm(Event e) throws Exception {
        return EventCodec.mapper().writeValueAsString(new Stored(e.messageId(), e.userId(), e.anonymousId(),
                e.timestamp(), e.receivedAt(), e.context(), e.payload()));
    }

    private static void assertStoredAsTheMapperWritesIt(Event e) throws Exception {
        String json = EventCodec.encode(e);
        assertThat(json).isEqualTo(mapperForm(e));
        assertThat(EventCodec.decode(e.workspaceId(), e.partition(), e.position(), json)).isEqualTo(e);
    }

    @Test
    void everyKindOfPayloadWithEveryFieldSetIsStoredAsTheMapperWritesIt() throws Exception {
        for (Payload payload : everyPayload(true)) {
            assertStoredAsTheMapperWritesIt(new Event("ws", 0, 1, "m-1", "u1", "a1", -1_000, 1_764_000_000_123L,
                    awkward(), payload));
        }
    }

    @Test
    void absentFieldsAreLeftOutAsTheMapperLeavesThemOut() throws Exception {
        for (Payload payload : everyPayload(false)) {
            assertStoredAsTheMapperWritesIt(new Event("ws", 0, 1, null, null, null, 0, 0, null, payload));
        }
        assertStoredAsTheMapperWritesIt(new Event("ws", 0, 1, "m-1", null, "a1", 5, 6, null, null));
    }

    @Test
    void randomContextsPropertiesAndTraitsAreStoredAsTheMapperWritesThem() throws Exception {
        SplittableRandom random = new SplittableRandom(2026);
        for (int i = 0; i < 3_000; i++) {
            String text = RandomJson.text(random);
            Payload payload = switch (i % 3) {
                case 0 -> new Payload.Track(text, RandomJson.object(random));
                case 1 -> new Payload.Identify(RandomJson.object(random));
                default -> new Payload.Page(random.nextBoolean() ? null : text, RandomJson.object(random));
            };
            Event e = new Event("ws", 0, 1, RandomJson.text(random), text, null, random.nextLong(), random.nextLong(),
                    random.nextInt(5) == 0 ? null : RandomJson.object(random), payload);
            // Decoding may not give back equal numbers (a BigDecimal tree reads back as a double), so text only.
            assertThat(EventCodec.encode(e)).isEqualTo(mapperForm(e));
        }
    }

    @Test
    void ingestedCallsAreStoredAsTheMapperWritesThem() throws Exception {
        String body = """
                {"batch":[
                  {"type":"identify","userId":"u1","traits":%1$s,"context":{"traits":{"email":"u1@example.com"},"locale":"de-DE"}},
                  {"type":"track","anonymousId":"a1","event":"Order Completed","properties":%1$s,"timestamp":"2026-11-22T10:00:00.5Z"},
                  {"type":"page","userId":"u1","properties":{},"messageId":"m-3"},
                  {"type":"screen","userId":"u1","name":"Home"},
                  {"type":"group","userId":"u1","groupId":"acme","traits":{"seats":5}},
                  {"type":"alias","userId":"u1","previousId":"a1"}],
                 "context":{"library":{"name":"analytics.js","version":"5.2.0"},"ip":"203.0.113.9"},
                 "sentAt":"2026-11-22T10:00:01Z"}""".formatted(AWKWARD);
        JsonNode node = EventCodec.mapper().readTree(body);
        List<Event> events = new SegmentCalls("ws", 1_764_000_000_000L).parse(CallKind.BATCH, node,
                body.getBytes(StandardCharsets.UTF_8).length);
        assertThat(events).hasSize(6);
        for (Event e : events) assertStoredAsTheMapperWritesIt(e);
    }

    private static ObjectNode awkward() {
        try {
            return (ObjectNode) EventCodec.mapper().readTree(AWKWARD);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * One payload of every permitted kind, built from its record components: a field added to a payload, or a new
     * kind, is covered without touching this test.
     */
    private static List<Payload> everyPayload(boolean allSet) throws Exception {
        List<Payload> payloads = new ArrayList<>();
        for (Class<?> kind : Payload.class.getPermittedSubclasses()) {
            RecordComponent[] components = kind.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            Object[] values = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                Class<?> type = components[i].getType();
                types[i] = type;
                if (type == String.class) values[i] = allSet ? components[i].getName() + " \"é\" 😀" : null;
                else if (type == ObjectNode.class) values[i] = allSet ? awkward() : null;
                else if (type == boolean.class) values[i] = allSet;
                else if (type == long.class) values[i] = allSet ? Long.MIN_VALUE : 0L;
                else if (type == int.class) values[i] = allSet ? Integer.MIN_VALUE : 0;
                else throw new AssertionError("teach this test a value of " + type + " for " + kind.getSimpleName());
            }
            payloads.add((Payload) kind.getDeclaredConstructor(types).newInstance(values));
        }
        assertThat(payloads).hasSizeGreaterThanOrEqualTo(9);
        return payloads;
    }
}
