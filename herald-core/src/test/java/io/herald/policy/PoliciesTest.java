package io.herald.policy;

import static io.herald.policy.GateFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.error.ClientError;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a policies document may say, its defaults, and the field each refusal names. */
class PoliciesTest {
    @Test
    void emptyDocumentIsTheDefaults() {
        Policies p = Policies.parse(json("{}"));
        assertThat(p).isEqualTo(Policies.DEFAULT);
        assertThat(p.toJson()).isEqualTo(json("{\"frequencyCaps\":[],\"quietHours\":null,\"defaultTimezone\":\"UTC\"}"));
    }

    @Test
    void fullDocumentRoundTrips() {
        String doc = "{\"frequencyCaps\":[{\"channel\":\"in_app\",\"max\":3,\"per\":\"PT1H\"},"
                + "{\"channel\":\"any\",\"max\":5,\"per\":\"P1D\"},{\"channel\":\"push\",\"max\":10,\"per\":\"P2W\"}],"
                + "\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":\"skip\"},\"defaultTimezone\":\"Europe/Lisbon\"}";
        Policies p = Policies.parse(json(doc));
        assertThat(p.frequencyCaps()).containsExactly(new Policies.FrequencyCap("in_app", 3, Duration.ofHours(1)),
                new Policies.FrequencyCap("any", 5, Duration.ofDays(1)), new Policies.FrequencyCap("push", 10, Duration.ofDays(14)));
        assertThat(p.quietHours()).isEqualTo(new Policies.QuietHours(LocalTime.of(22, 0), LocalTime.of(8, 0), QuietHoursAction.SKIP));
        assertThat(p.defaultTimezone()).isEqualTo(ZoneId.of("Europe/Lisbon"));
        assertThat(Policies.parse(p.toJson())).isEqualTo(p);
        assertThat(p.toJson().path("frequencyCaps").get(2).path("per").asText()).isEqualTo("P14D");
    }

    @Test
    void quietHoursActionDefaultsToDefer() {
        assertThat(Policies.parse(json("{\"quietHours\":{\"start\":\"21:30\",\"end\":\"07:15\"}}")).quietHours().action())
                .isEqualTo(QuietHoursAction.DEFER);
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("unknown top-level key", "{\"caps\":[]}", "caps"),
                Arguments.of("caps not an array", "{\"frequencyCaps\":{\"channel\":\"push\"}}", "frequencyCaps"),
                Arguments.of("bad channel", "{\"frequencyCaps\":[{\"channel\":\"pigeon\",\"max\":1,\"per\":\"P1D\"}]}", "frequencyCaps[0].channel"),
                Arguments.of("webhook is no cap channel", "{\"frequencyCaps\":[{\"channel\":\"webhook\",\"max\":1,\"per\":\"P1D\"}]}", "frequencyCaps[0].channel"),
                Arguments.of("missing channel", "{\"frequencyCaps\":[{\"max\":1,\"per\":\"P1D\"}]}", "frequencyCaps[0].channel"),
                Arguments.of("max 0", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":0,\"per\":\"P1D\"}]}", "frequencyCaps[0].max"),
                Arguments.of("max negative", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":-3,\"per\":\"P1D\"}]}", "frequencyCaps[0].max"),
                Arguments.of("max fractional", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1.5,\"per\":\"P1D\"}]}", "frequencyCaps[0].max"),
                Arguments.of("max as string", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":\"3\",\"per\":\"P1D\"}]}", "frequencyCaps[0].max"),
                Arguments.of("max past an int", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":4294967299,\"per\":\"P1D\"}]}", "frequencyCaps[0].max"),
                Arguments.of("duration in words", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"1 day\"}]}", "frequencyCaps[0].per"),
                Arguments.of("duration too short", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"PT30S\"}]}", "frequencyCaps[0].per"),
                Arguments.of("duration too long", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P365D\"}]}", "frequencyCaps[0].per"),
                Arguments.of("negative duration", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"-P1D\"}]}", "frequencyCaps[0].per"),
                Arguments.of("month (ambiguous)", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1M\"}]}", "frequencyCaps[0].per"),
                Arguments.of("unknown cap key", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\",\"topic\":\"x\"}]}", "frequencyCaps[0].topic"),
                Arguments.of("cap not an object", "{\"frequencyCaps\":[3]}", "frequencyCaps[0]"),
                Arguments.of("repeated cap", "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\"},"
                        + "{\"channel\":\"push\",\"max\":2,\"per\":\"PT24H\"}]}", "frequencyCaps[1]"),
                Arguments.of("start not HH:mm", "{\"quietHours\":{\"start\":\"10pm\",\"end\":\"08:00\"}}", "quietHours.start"),
                Arguments.of("hour 24", "{\"quietHours\":{\"start\":\"24:00\",\"end\":\"08:00\"}}", "quietHours.start"),
                Arguments.of("seconds", "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00:00\"}}", "quietHours.end"),
                Arguments.of("missing end", "{\"quietHours\":{\"start\":\"22:00\"}}", "quietHours.end"),
                Arguments.of("empty window", "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"22:00\"}}", "quietHours.end"),
                Arguments.of("bad action", "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":\"drop\"}}", "quietHours.action"),
                Arguments.of("action as boolean", "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":true}}", "quietHours.action"),
                Arguments.of("unknown quiet key", "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"days\":[1]}}", "quietHours.days"),
                Arguments.of("quietHours as true", "{\"quietHours\":true}", "quietHours"),
                Arguments.of("unknown zone", "{\"defaultTimezone\":\"Mars/Olympus\"}", "defaultTimezone"),
                Arguments.of("zone as number", "{\"defaultTimezone\":1}", "defaultTimezone"),
                Arguments.of("empty zone", "{\"defaultTimezone\":\"\"}", "defaultTimezone"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void refusalNamesTheField(String name, String doc, String field) {
        Throwable t = catchThrowable(() -> Policies.parse(json(doc)));
        assertThat(t).isInstanceOf(ClientError.class);
        assertThat(((ClientError) t).field()).isEqualTo(field);
        assertThat(((ClientError) t).status()).isEqualTo(400);
    }

    @Test
    void tooManyCapsIsRefused() {
        StringBuilder caps = new StringBuilder();
        for (int i = 0; i <= Policies.MAX_CAPS; i++) {
            caps.append(i == 0 ? "" : ",").append("{\"channel\":\"push\",\"max\":1,\"per\":\"PT").append(i + 1).append("H\"}");
        }
        Throwable t = catchThrowable(() -> Policies.parse(json("{\"frequencyCaps\":[" + caps + "]}")));
        assertThat(((ClientError) t).field()).isEqualTo("frequencyCaps");
    }

    @Test
    void bodyThatIsNoObjectIsRefused() {
        Throwable t = catchThrowable(() -> Policies.parse(json("[]")));
        assertThat(((ClientError) t).code()).isEqualTo("invalid_json");
    }
}
