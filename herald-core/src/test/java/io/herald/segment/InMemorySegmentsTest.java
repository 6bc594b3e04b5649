package io.herald.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store-free entry point benchmarks use runs the processor's own per-event logic. */
class InMemorySegmentsTest {
    private static final long T0 = Instant.parse("2026-11-01T10:00:00Z").toEpochMilli();
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final String S0 = InMemorySegments.id(0);
    private static final String S1 = InMemorySegments.id(1);

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    static ObjectNode object(String s) {
        return (ObjectNode) json(s);
    }

    @Test
    void personEntersOnTheThirdCsvExportWithinSevenDaysAndTheChangeIsReturned() {
        InMemorySegments segments = InMemorySegments.compile(List.of(json("""
                {"event":"export","count":{"op":"gte","value":3},"within":"P7D",
                 "where":[{"property":"format","op":"eq","value":"csv"}]}""")));
        InMemorySegments.Person p = segments.person(object("{}"), T0);
        assertThat(segments.track(p, "export", object("{\"format\":\"csv\"}"), T0, T0)).isEmpty();
        assertThat(segments.track(p, "export", object("{\"format\":\"pdf\"}"), T0 + DAY, T0 + DAY)).isEmpty();
        assertThat(segments.track(p, "export", object("{\"format\":\"csv\"}"), T0 + DAY, T0 + DAY)).isEmpty();
        assertThat(segments.track(p, "export", object("{\"format\":\"csv\"}"), T0 + 2 * DAY, T0 + 2 * DAY))
                .containsExactly(new InMemorySegments.Change(S0, true, T0 + 2 * DAY));
        assertThat(p.segments()).containsExactly(S0);
    }

    @Test
    void identifyMergesTraitsAndReEvaluatesSegmentsThatReadThemAndThoseUsingThem() {
        InMemorySegments segments = InMemorySegments.compile(List.of(
                json("{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}"),
                json("{\"and\":[{\"segment\":\"" + S0 + "\"},{\"event\":\"login\"}]}")));
        InMemorySegments.Person p = segments.person(object("{\"plan\":\"trial\"}"), T0);
        assertThat(p.segments()).as("initial membership").containsExactly(S0);
        assertThat(segments.track(p, "login", object("{}"), T0, T0))
                .containsExactly(new InMemorySegments.Change(S1, true, T0));
        assertThat(segments.identify(p, object("{\"plan\":\"pro\"}"), T0 + 1, T0 + 1)).containsExactly(
                new InMemorySegments.Change(S0, false, T0 + 1), new InMemorySegments.Change(S1, false, T0 + 1));
        assertThat(segments.identify(p, object("{\"plan\":null}"), T0 + 2, T0 + 2)).isEmpty();
        assertThat(p.segments()).isEmpty();
    }

    @Test
    void conditionsThatReadTheStoreAreRefused() {
        assertThatThrownBy(() -> InMemorySegments.compile(List.of(json("{\"device\":{\"platform\":\"ios\"}}"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("conditions[0]");
    }
}
