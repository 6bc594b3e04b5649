package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.herald.event.EventCodec;
import org.junit.jupiter.api.Test;

/** The push preview's truncation: word wrap into a platform's lines, "…" when cut, and what each view leaves out. */
class PushPreviewTest {
    private static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String cut(String text, int lines, int perLine) {
        return PushPreview.cut(text, new PushPreview.Room(lines, perLine), "f", EventCodec.mapper().createArrayNode());
    }

    @Test
    void aTextThatFitsIsShownWhole() {
        assertThat(cut("Your trial ends soon", 1, 40)).isEqualTo("Your trial ends soon");
        assertThat(cut("x".repeat(40), 1, 40)).isEqualTo("x".repeat(40));
        ArrayNode truncated = EventCodec.mapper().createArrayNode();
        PushPreview.cut("short", new PushPreview.Room(1, 40), "title", truncated);
        assertThat(truncated).isEmpty();
    }

    @Test
    void aTextLongerThanItsLinesEndsInAnEllipsisWithinTheLastLine() {
        String shown = cut("x".repeat(41), 1, 40);
        assertThat(shown).isEqualTo("x".repeat(39) + "…").hasSize(40);
        ArrayNode truncated = EventCodec.mapper().createArrayNode();
        PushPreview.cut("x".repeat(41), new PushPreview.Room(1, 40), "title", truncated);
        assertThat(truncated.toString()).isEqualTo("[\"title\"]");
    }

    @Test
    void wordsWrapAtSpacesAndTheCutFallsAtALineEndNotMidWordOnEarlierLines() {
        // 10 characters a line: "aaaa bbbb" | "cccc dddd" | "eeee" -> two lines shown, the second with the ellipsis.
        assertThat(cut("aaaa bbbb cccc dddd eeee", 2, 10)).isEqualTo("aaaa bbbb cccc dddd…");
        assertThat(cut("aaaa bbbb cccc dddd", 2, 10)).isEqualTo("aaaa bbbb cccc dddd");
    }

    @Test
    void aWordLongerThanALineIsBrokenAcrossLines() {
        assertThat(cut("abcdefghijklmno", 2, 10)).isEqualTo("abcdefghij klmno");
        assertThat(cut("abcdefghijklmnopqrstuvwxyz", 2, 10)).isEqualTo("abcdefghij klmnopqrs…");
    }

    @Test
    void lineBreaksInTheTextTakeALineEachAndAreKept() {
        assertThat(cut("one\ntwo\nthree", 2, 40)).isEqualTo("one\ntwo…");
        assertThat(cut("one\ntwo", 2, 40)).isEqualTo("one\ntwo");
    }

    @Test
    void emojiAreCountedAsOneCharacterAndNeverSplit() {
        String shown = cut("🎉".repeat(12), 1, 10);
        assertThat(shown).isEqualTo("🎉".repeat(9) + "…");
        assertThat(shown.codePointCount(0, shown.length())).isEqualTo(10);
    }

    @Test
    void eachPlatformCutsTheBodyToItsOwnLinesCollapsedAndExpanded() {
        String body = ("word ".repeat(60)).strip(); // 299 characters
        JsonNode p = PushPreview.platforms(json("{\"title\":\"Trial\",\"body\":\"" + body + "\"}"));
        assertThat(p.at("/ios/collapsed/body").asText()).hasSizeLessThanOrEqualTo(160).endsWith("…");
        assertThat(p.at("/ios/expanded/body").asText()).isEqualTo(body);
        assertThat(p.at("/android/collapsed/body").asText()).hasSizeLessThanOrEqualTo(45).endsWith("…");
        assertThat(p.at("/android/expanded/body").asText()).isEqualTo(body);
        assertThat(p.at("/web/collapsed/body").asText()).hasSizeLessThanOrEqualTo(101).endsWith("…");
        assertThat(p.at("/web/expanded/body").asText()).hasSizeLessThanOrEqualTo(203).endsWith("…");
        assertThat(p.at("/web/collapsed/truncated").toString()).isEqualTo("[\"body\"]");
        assertThat(p.at("/ios/collapsed/title").asText()).isEqualTo("Trial");
    }

    @Test
    void collapsedViewsIgnoreButtonsAndEachPlatformShowsOnlyAsManyAsItCan() {
        JsonNode p = PushPreview.platforms(json("{\"title\":\"t\",\"body\":\"b\",\"imageUrl\":\"https://cdn.example.com/a.png\","
                + "\"sound\":\"default\",\"badge\":2,\"buttons\":[{\"id\":\"a\",\"label\":\"Upgrade to the yearly plan now\"},"
                + "{\"id\":\"b\",\"label\":\"Later\"},{\"id\":\"c\",\"label\":\"Never\"},{\"id\":\"d\",\"label\":\"Help\"}]}"));
        assertThat(p.at("/ios/collapsed/ignored").toString()).isEqualTo("[\"buttons\"]");
        assertThat(p.at("/ios/collapsed/imageUrl").asText()).isNotEmpty(); // the thumbnail
        assertThat(p.at("/ios/expanded/buttons")).hasSize(4);
        assertThat(p.at("/ios/expanded/ignored")).isEmpty();
        assertThat(p.at("/android/collapsed/ignored").toString()).isEqualTo("[\"imageUrl\",\"buttons\",\"badge\"]");
        assertThat(p.at("/android/expanded/buttons")).hasSize(3);
        assertThat(p.at("/android/expanded/buttons/0/label").asText()).isEqualTo("Upgrade to the…"); // "yearly" would be on a second line
        assertThat(p.at("/android/expanded/truncated").toString()).isEqualTo("[\"buttons[0].label\"]");
        assertThat(p.at("/android/expanded/ignored").toString()).isEqualTo("[\"buttons[3]\",\"badge\"]");
        assertThat(p.at("/web/expanded/buttons")).hasSize(2);
        assertThat(p.at("/web/expanded/ignored").toString()).isEqualTo("[\"buttons[2]\",\"buttons[3]\",\"sound\",\"badge\"]");
    }

    @Test
    void underAPictureAndroidShowsOneBodyLine() {
        String body = "A body long enough to need more than one line on an Android phone, surely.";
        assertThat(PushPreview.platforms(json("{\"title\":\"t\",\"body\":\"" + body + "\"}")).at("/android/expanded/body")
                .asText()).isEqualTo(body);
        assertThat(PushPreview.platforms(json("{\"title\":\"t\",\"body\":\"" + body + "\",\"imageUrl\":\"https://x.example/a.png\"}"))
                .at("/android/expanded/body").asText()).hasSizeLessThanOrEqualTo(45).endsWith("…");
    }
}
