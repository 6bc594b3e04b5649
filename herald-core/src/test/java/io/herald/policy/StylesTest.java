package io.herald.policy;

import static io.herald.policy.GateFixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** In-app global styles: defaults, overrides, and values that must never reach CSS. */
class StylesTest {
    @Test
    void defaultsAreCompleteAndValidThemselves() {
        ObjectNode d = Styles.defaults();
        assertThat(d.path("colors").path("primary").asText()).startsWith("#");
        assertThat(d.path("darkMode").path("mode").asText()).isEqualTo("auto");
        assertThat(d.path("darkMode").path("colors").size()).isEqualTo(d.path("colors").size());
        assertThat(d.path("fonts").path("sizes").path("body").asText()).isEqualTo("15px");
        assertThat(Styles.parse(d)).isEqualTo(d);
        assertThat(Styles.parse(json("{}"))).isEqualTo(d);
    }

    @Test
    void documentSetsWhatItNamesOverTheDefaults() {
        ObjectNode s = Styles.parse(json("{\"colors\":{\"primary\":\"rgb(255, 0, 128)\",\"text\":\"#111\"},"
                + "\"darkMode\":{\"mode\":\"dark\",\"colors\":{\"background\":\"hsl(220deg 20% 10% / 0.9)\"}},"
                + "\"fonts\":{\"family\":\"Inter, \\\"Helvetica Neue\\\", sans-serif\",\"sizes\":{\"title\":\"1.5rem\"},"
                + "\"weights\":{\"title\":700}},\"radii\":{\"button\":\"0\"},\"spacing\":{\"gap\":\"8px\"}}"));
        assertThat(s.path("colors").path("primary").asText()).isEqualTo("rgb(255, 0, 128)");
        assertThat(s.path("colors").path("background").asText()).isEqualTo(Styles.defaults().path("colors").path("background").asText());
        assertThat(s.path("darkMode").path("mode").asText()).isEqualTo("dark");
        assertThat(s.path("darkMode").path("colors").path("background").asText()).isEqualTo("hsl(220deg 20% 10% / 0.9)");
        assertThat(s.path("fonts").path("family").asText()).isEqualTo("Inter, \"Helvetica Neue\", sans-serif");
        assertThat(s.path("fonts").path("weights").path("title").asInt()).isEqualTo(700);
        assertThat(s.path("radii").path("button").asText()).isEqualTo("0");
        assertThat(Styles.parse(s)).as("what GET returns can be PUT back").isEqualTo(s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"red; background: url(https://evil.example/x)", "#fff}", "url(x)", "expression(alert(1))",
            "rgb(0,0,0);", "rgb(0,0,0) url(x)", "var(--x)", "#ggg", "#12345", "", " ", "red\u0000", "<script>",
            "rgb(0,0,0))", "\"#fff\"", "-webkit-red", "calc(1px)"})
    void colorThatCouldEscapeItsDeclarationIsRefused(String color) {
        ObjectNode doc = EventCodec.mapper().createObjectNode();
        doc.putObject("colors").put("primary", color);
        Throwable t = catchThrowable(() -> Styles.parse(doc));
        assertThat(t).as(color).isInstanceOf(ClientError.class);
        assertThat(((ClientError) t).field()).isEqualTo("colors.primary");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Inter; color: red", "Inter} body {", "url(x)", "'Inter", "Inter\", evil", "a\\62 c",
            "Comic Sans MS;", "x/*", ",Inter", "Inter,,Arial"})
    void fontFamilyThatCouldEscapeIsRefused(String family) {
        ObjectNode doc = EventCodec.mapper().createObjectNode();
        doc.putObject("fonts").put("family", family);
        Throwable t = catchThrowable(() -> Styles.parse(doc));
        assertThat(t).as(family).isInstanceOf(ClientError.class);
        assertThat(((ClientError) t).field()).isEqualTo("fonts.family");
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("{\"colour\":{}}", "colour"),
                Arguments.of("{\"colors\":{\"primaryy\":\"#fff\"}}", "colors.primaryy"),
                Arguments.of("{\"colors\":\"#fff\"}", "colors"),
                Arguments.of("{\"colors\":{\"primary\":16777215}}", "colors.primary"),
                Arguments.of("{\"darkMode\":{\"mode\":\"night\"}}", "darkMode.mode"),
                Arguments.of("{\"darkMode\":{\"colors\":{\"text\":\"#fff;\"}}}", "darkMode.colors.text"),
                Arguments.of("{\"fonts\":{\"sizes\":{\"body\":\"15\"}}}", "fonts.sizes.body"),
                Arguments.of("{\"fonts\":{\"sizes\":{\"body\":\"15px;\"}}}", "fonts.sizes.body"),
                Arguments.of("{\"fonts\":{\"sizes\":{\"body\":\"-1px\"}}}", "fonts.sizes.body"),
                Arguments.of("{\"fonts\":{\"weights\":{\"body\":450}}}", "fonts.weights.body"),
                Arguments.of("{\"fonts\":{\"weights\":{\"body\":\"bold\"}}}", "fonts.weights.body"),
                Arguments.of("{\"radii\":{\"button\":\"8px 8px\"}}", "radii.button"),
                Arguments.of("{\"radii\":{\"corner\":\"8px\"}}", "radii.corner"),
                Arguments.of("{\"spacing\":{\"gap\":\"calc(100% - 1px)\"}}", "spacing.gap"),
                Arguments.of("{\"fonts\":{\"family\":\"" + "A".repeat(301) + "\"}}", "fonts.family"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void refusalNamesTheField(String doc, String field) {
        Throwable t = catchThrowable(() -> Styles.parse(json(doc)));
        assertThat(t).isInstanceOf(ClientError.class);
        assertThat(((ClientError) t).field()).isEqualTo(field);
    }
}
