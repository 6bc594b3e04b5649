package io.herald.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.error.ClientError;
import io.herald.event.Event;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches through {@link Ingest} into a real event log (SQLite): the per-call size limit inside a batch, the batch's
 * sentAt correcting every call's clock, the batch's context, and calls without a messageId.
 */
class IngestTest {
    private static final String RECEIVED_AT = "2026-11-22T10:00:00Z";

    @TempDir
    Path dir;

    private Pipeline pipeline() {
        return new Pipeline(Engine.SQLITE, dir, TestClock.at(RECEIVED_AT));
    }

    private static List<Event> stored(Pipeline p) {
        return p.log().read(0, -1, 1000);
    }

    /** A track call whose compact JSON is exactly {@code length} characters. */
    private static String callOfLength(int length, String messageId) {
        String empty = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\",\"messageId\":\"" + messageId
                + "\",\"properties\":{\"p\":\"\"}}";
        String call = empty.replace("\"p\":\"\"", "\"p\":\"" + "x".repeat(length - empty.length()) + "\"");
        assertThat(call).hasSize(length);
        return call;
    }

    private static String batch(List<String> calls) {
        return "{\"batch\":[" + String.join(",", calls) + "]}";
    }

    @Test
    void callOverTheLimitInsideABatchIsRefusedNamingItAndNothingIsStored() {
        try (Pipeline p = pipeline()) {
            String body = batch(List.of(callOfLength(200, "m0"), callOfLength(300, "m1"),
                    callOfLength(Limits.MAX_CALL_BYTES + 1, "m2"), callOfLength(200, "m3")));

            assertThatThrownBy(() -> p.send(CallKind.BATCH, body)).isInstanceOfSatisfying(ClientError.class, e -> {
                assertThat(e.status()).isEqualTo(413);
                assertThat(e.code()).isEqualTo("call_too_large");
                assertThat(e.field()).isEqualTo("batch[2]");
                assertThat(e.getMessage()).isEqualTo("batch[2]: a call must be at most 32768 bytes");
            });
            assertThat(stored(p)).isEmpty();
        }
    }

    @Test
    void batchOfCallsRightAtTheLimitIsStored() {
        try (Pipeline p = pipeline()) {
            List<String> calls = IntStream.range(0, 15).mapToObj(i -> callOfLength(Limits.MAX_CALL_BYTES, "m" + i)).toList();

            assertThat(p.send(CallKind.BATCH, batch(calls)).fresh()).isEqualTo(15);
            assertThat(stored(p)).hasSize(15);
        }
    }

    @Test
    void whitespaceAroundACallsFieldsDoesNotCountTowardsItsLimit() {
        // The limit is on the call's JSON, not on how the client laid it out.
        try (Pipeline p = pipeline()) {
            String call = callOfLength(Limits.MAX_CALL_BYTES, "m0").replace(",", ",\n      ").replace(":", ": ");

            assertThat(p.send(CallKind.BATCH, batch(List.of(call))).fresh()).isEqualTo(1);
        }
    }

    @Test
    void batchSentAtCorrectsTheClockOfEveryCallThatHasNoSentAtOfItsOwn() {
        String sentAt = "2026-11-22T11:00:05.250+01:00";
        List<String> timestamps = List.of("2026-11-22T10:00:00Z", "2026-11-22T09:59:59.999999Z",
                "2026-11-22T05:00:04.25-05:00", "2026-11-22t09:00:00z", "2026-11-22T10:00:01.5+00:00");
        String calls = timestamps.stream()
                .map(ts -> "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\",\"timestamp\":\"" + ts + "\"}")
                .collect(Collectors.joining(","));
        String ownSentAt = "{\"type\":\"page\",\"userId\":\"u1\",\"timestamp\":\"2026-11-22T10:00:00Z\","
                + "\"sentAt\":\"2026-11-22T10:00:10Z\"}";
        try (Pipeline p = pipeline()) {
            p.send(CallKind.BATCH, "{\"batch\":[" + calls + "," + ownSentAt + "],\"sentAt\":\"" + sentAt + "\"}");

            long received = Instant.parse(RECEIVED_AT).toEpochMilli();
            List<Long> expected = new ArrayList<>(timestamps.stream()
                    .map(ts -> received - (millis(sentAt) - millis(ts))).toList());
            expected.add(received - 10_000);
            assertThat(stored(p)).extracting(Event::timestamp).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void unreadableBatchSentAtIsRefusedByTheFirstCallThatNeedsIt() {
        try (Pipeline p = pipeline()) {
            String body = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\"},"
                    + "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\",\"timestamp\":\"2026-11-22T10:00:00Z\"}],"
                    + "\"sentAt\":\"soon\"}";

            assertThatThrownBy(() -> p.send(CallKind.BATCH, body)).isInstanceOfSatisfying(ClientError.class, e -> {
                assertThat(e.code()).isEqualTo("invalid_field");
                assertThat(e.field()).isEqualTo("batch[1].sentAt");
            });
            assertThat(stored(p)).isEmpty();
        }
    }

    @Test
    void batchContextLiesUnderEveryCallsOwnContextFieldByFieldWithoutLeakingBetweenCalls() {
        try (Pipeline p = pipeline()) {
            p.send(CallKind.BATCH, """
                    {"batch":[
                      {"type":"track","userId":"u1","event":"e","context":{"locale":"de-DE","page":{"path":"/a"}}},
                      {"type":"track","userId":"u1","event":"e"},
                      {"type":"track","userId":"u1","event":"e","context":{"ip":"203.0.113.9"}}],
                     "context":{"locale":"en-US","library":{"name":"analytics-java"}}}""");

            assertThat(stored(p)).extracting(e -> e.context().toString()).containsExactly(
                    "{\"locale\":\"de-DE\",\"library\":{\"name\":\"analytics-java\"},\"page\":{\"path\":\"/a\"}}",
                    "{\"locale\":\"en-US\",\"library\":{\"name\":\"analytics-java\"}}",
                    "{\"locale\":\"en-US\",\"library\":{\"name\":\"analytics-java\"},\"ip\":\"203.0.113.9\"}");
        }
    }

    @Test
    void callsWithoutAMessageIdAreEachStoredUnderAnIdOfTheirOwn() {
        try (Pipeline p = pipeline()) {
            String call = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"e\"}";

            assertThat(p.send(CallKind.BATCH, batch(List.of(call, call, call))).fresh()).isEqualTo(3);
            assertThat(p.send(CallKind.TRACK, call).fresh()).isEqualTo(1);
            assertThat(stored(p)).extracting(Event::messageId).doesNotHaveDuplicates().hasSize(4);
        }
    }

    private static long millis(String isoTimestamp) {
        return OffsetDateTime.parse(isoTimestamp).toInstant().toEpochMilli();
    }
}
