package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.error.ClientError;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What a campaign definition may say, and the field each refusal names. */
class JourneyParserTest {
    private static final String EXIT = "\"done\":{\"type\":\"exit\"}";

    /** A campaign with a trigger on {@code e}, starting at s1, with these steps (and any top-level fields before). */
    private static String campaign(String top, String steps) {
        return "{" + top + "\"name\":\"n\",\"trigger\":{\"event\":\"e\"},\"start\":\"s1\",\"steps\":{" + steps + "}}";
    }

    private static ClientError refusal(String json) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> JourneyParser.parse(CampaignScenarioTest.json(json)));
        assertThat(t).as("refused: %s", json).isInstanceOf(ClientError.class);
        return (ClientError) t;
    }

    static Stream<Arguments> stepMistakes() {
        String delayToDone = "\"type\":\"delay\",\"duration\":\"P1D\",\"next\":\"done\"";
        return Stream.of(
                Arguments.of("unknown step type", "steps.s1.type", "\"s1\":{\"type\":\"teleport\",\"next\":\"done\"}," + EXIT),
                Arguments.of("next names no step", "steps.s1.next",
                        "\"s1\":{\"type\":\"delay\",\"duration\":\"P1D\",\"next\":\"nowhere\"}," + EXIT),
                Arguments.of("message without next", "steps.s1.next",
                        "\"s1\":{\"type\":\"message\",\"channel\":\"push\",\"message\":{\"title\":\"t\"}}"),
                Arguments.of("message without message", "steps.s1.message",
                        "\"s1\":{\"type\":\"message\",\"channel\":\"push\",\"next\":\"done\"}," + EXIT),
                Arguments.of("unreachable step", "steps.s9", "\"s1\":{" + delayToDone + "},\"s9\":{" + delayToDone + "}," + EXIT),
                Arguments.of("loop", "steps.s2.next", "\"s1\":{\"type\":\"delay\",\"duration\":\"P1D\",\"next\":\"s2\"},"
                        + "\"s2\":{\"type\":\"delay\",\"duration\":\"P1D\",\"next\":\"s1\"}"),
                Arguments.of("weights and holdout adding to 90", "steps.s1.paths", "\"s1\":{\"type\":\"split\",\"holdout\":10,"
                        + "\"paths\":[{\"weight\":40,\"next\":\"done\"},{\"weight\":40,\"next\":\"done\"}]}," + EXIT),
                Arguments.of("weight past an int that wraps to 50", "steps.s1.paths[0].weight", "\"s1\":{\"type\":\"split\","
                        + "\"paths\":[{\"weight\":4294967346,\"next\":\"done\"},{\"weight\":50,\"next\":\"done\"}]}," + EXIT),
                Arguments.of("holdout past an int", "steps.s1.holdout", "\"s1\":{\"type\":\"split\",\"holdout\":4294967306,"
                        + "\"paths\":[{\"weight\":90,\"next\":\"done\"}]}," + EXIT),
                Arguments.of("duration in words", "steps.s1.duration",
                        "\"s1\":{\"type\":\"delay\",\"duration\":\"7 days\",\"next\":\"done\"}," + EXIT),
                Arguments.of("negative delay", "steps.s1.duration",
                        "\"s1\":{\"type\":\"delay\",\"duration\":\"-P1D\",\"next\":\"done\"}," + EXIT),
                Arguments.of("timeout of a trillion days", "steps.s1.timeout", "\"s1\":{\"type\":\"wait_until\",\"event\":\"x\","
                        + "\"timeout\":\"P999999999999D\",\"next\":\"done\",\"onTimeout\":\"done\"}," + EXIT),
                Arguments.of("malformed branch condition", "steps.s1.condition.and[0].op", "\"s1\":{\"type\":\"branch\","
                        + "\"condition\":{\"and\":[{\"attribute\":\"plan\",\"op\":\"equals\",\"value\":1}]},"
                        + "\"yes\":\"done\",\"no\":\"done\"}," + EXIT),
                Arguments.of("exit that could be skipped", "steps.done.when", "\"s1\":{" + delayToDone + "},"
                        + "\"done\":{\"type\":\"exit\",\"when\":{\"attribute\":\"a\",\"op\":\"exists\"}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stepMistakes")
    void aStepMistakeIsRefusedNamingTheStepAndField(String mistake, String field, String steps) {
        assertThat(refusal(campaign("", steps)).field()).as(mistake).isEqualTo(field);
    }

    @Test
    void aMalformedAudienceConditionNamesThePartAtFault() {
        String json = campaign("\"audience\":{\"and\":[{\"attribute\":\"plan\",\"op\":\"equals\",\"value\":\"free\"}]},",
                "\"s1\":{\"type\":\"exit\"}");
        assertThat(refusal(json).field()).isEqualTo("audience.and[0].op");
    }

    @Test
    void aDurationOverTenYearsIsRefusedBeforeItCouldOverflowATimerAtRunTime() {
        // Accepted once, P999999999999D made now + duration overflow inside the person processor.
        ClientError e = refusal(campaign("", "\"s1\":{\"type\":\"delay\",\"duration\":\"P999999999999D\",\"next\":\"done\"}," + EXIT));
        assertThat(e.field()).isEqualTo("steps.s1.duration");
        assertThat(e.getMessage()).contains("P10Y");
        Journey ok = JourneyParser.parse(CampaignScenarioTest.json(
                campaign("", "\"s1\":{\"type\":\"delay\",\"duration\":\"P10Y\",\"next\":\"done\"}," + EXIT)));
        assertThat(((Journey.Step.Delay) ok.steps().get("s1")).duration()).isEqualTo(Duration.ofDays(3650));
    }

    @Test
    void descriptionIsTextOfAtMost2000Characters() {
        assertThat(refusal(campaign("\"description\":5,", "\"s1\":{\"type\":\"exit\"}")).field()).isEqualTo("description");
        assertThat(refusal(campaign("\"description\":\"" + "d".repeat(2001) + "\",", "\"s1\":{\"type\":\"exit\"}")).field())
                .isEqualTo("description");
        JourneyParser.parse(CampaignScenarioTest.json(campaign("\"description\":\"why\",", "\"s1\":{\"type\":\"exit\"}")));
    }

    @Test
    void entryAfterIsRefusedUnlessReentryIsAfter() {
        assertThat(refusal(campaign("\"entry\":{\"reentry\":\"once\",\"after\":\"P1D\"},", "\"s1\":{\"type\":\"exit\"}")).field())
                .isEqualTo("entry.after");
        assertThatThrownBy(() -> JourneyParser.parse(CampaignScenarioTest.json(
                campaign("\"entry\":{\"reentry\":\"after\"},", "\"s1\":{\"type\":\"exit\"}"))))
                .isInstanceOf(ClientError.class).extracting(e -> ((ClientError) e).field()).isEqualTo("entry.after");
    }
}
