package io.herald.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.error.ClientError;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Saving a message: what each channel accepts, and the exact field named when it does not. */
class MessageParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODAL = "{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Hi\"}]}]}";

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ClientError refusal(String channel, String message) {
        try {
            MessageParser.parse(channel, json(message), "steps.s1.message");
        } catch (ClientError e) {
            return e;
        }
        throw new AssertionError("accepted: " + message);
    }

    @Test
    void acceptsAFullMessageOfEveryChannel() {
        Message push = MessageParser.parse("push", json("""
                {"title": "Hi {{ person.first_name | default: 'there' }}", "body": "b", "imageUrl": "https://x.example/a.png",
                 "deepLink": "app://home", "buttons": [{"id": "yes", "label": "Yes", "deepLink": "/yes"}], "sound": "default",
                 "badge": 1, "data": {"k": "v"}, "collapseKey": "c", "ttl": "PT1H", "priority": "high",
                 "topic": "product_tips", "transactional": false, "strict": true, "expiresAfter": "P1D",
                 "translations": {"pt-BR": {"title": "Oi"}}, "variants": [{"weight": 50}, {"weight": 50, "title": "Yo"}]}"""), null);
        assertThat(push).isInstanceOf(Message.Push.class);
        assertThat(push.options().topic()).isEqualTo("product_tips");
        assertThat(push.options().strict()).isTrue();
        assertThat(push.options().expiresAfter()).isEqualTo(Duration.ofDays(1));
        assertThat(push.options().locales()).containsExactly("pt-BR");
        assertThat(push.options().variantWeights()).containsExactly(50, 50);
        assertThat(((Message.Push) push).buttons()).hasSize(1);

        Message inApp = MessageParser.parse("in_app", json("""
                {"format": "tooltip", "anchor": "#export", "position": "bottom",
                 "steps": [{"id": "ask", "blocks": [{"type": "text", "text": "How likely…?"}, {"type": "rating", "id": "nps", "scale": 10},
                     {"type": "button", "id": "n", "label": "Next", "action": "next"}]},
                   {"blocks": [{"type": "input", "id": "mail", "inputType": "email", "label": "Email", "required": true},
                     {"type": "choice", "id": "why", "options": ["price", "speed"], "multiple": true},
                     {"type": "image", "url": "https://x.example/i.png", "alt": "i"},
                     {"type": "button", "id": "b", "label": "Back", "action": "back"},
                     {"type": "button", "id": "s", "label": "Send", "action": "submit"},
                     {"type": "button", "id": "g", "label": "Start over", "action": "step:1"},
                     {"type": "button", "id": "u", "label": "Docs", "action": "url", "url": "https://x.example/docs"},
                     {"type": "button", "id": "d", "label": "Open", "action": "deepLink", "url": "app://x"},
                     {"type": "button", "id": "c", "label": "Close", "action": "close"}]}],
                 "display": {"pages": ["/app/*"], "excludePages": ["/app/billing"], "afterSeconds": 5, "onEvent": "export_clicked",
                   "frequency": {"max": 2, "per": "P7D"}, "priority": 80, "expiresAfter": "P30D"},
                 "style": {"primaryColor": "#333"}, "setAttributes": {"nps_score": "nps", "contact": "mail"}, "anonymous": true}"""), null);
        assertThat(inApp).isInstanceOfSatisfying(Message.InApp.class, m -> {
            assertThat(m.steps()).isEqualTo(2);
            assertThat(m.frequency()).isEqualTo(new Message.InApp.Frequency("max", 2, Duration.ofDays(7)));
            assertThat(m.priority()).isEqualTo(80);
        });
        assertThat(MessageParser.parse("in_app", json("{\"format\":\"inline\",\"placement\":\"home_top\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"x\"}]}],\"display\":{\"frequency\":\"always\"}}"), null))
                .isInstanceOf(Message.InApp.class);
        assertThat(MessageParser.parse("email", json("{\"subject\":\"s\",\"html\":\"<p>{{ person.first_name }}</p>\",\"text\":\"t\",\"from\":\"Herald <hi@x.example>\",\"replyTo\":\"r@x.example\"}"), null))
                .isInstanceOf(Message.Email.class);
        assertThat(MessageParser.parse("sms", json("{\"body\":\"Code {{ event.code }}\"}"), null)).isInstanceOf(Message.Sms.class);
        assertThat(MessageParser.parse("whatsapp", json("{\"body\":\"b\",\"templateName\":\"order_update\",\"mediaUrl\":\"https://x.example/m.jpg\"}"), null))
                .isInstanceOf(Message.WhatsApp.class);
        assertThat(MessageParser.parse("webhook", json("{\"method\":\"PUT\",\"url\":\"https://h.example/{{ person.userId }}\",\"headers\":{\"X-A\":\"{{ campaign.id }}\"},\"body\":{\"a\":[\"{{ event.x }}\"]}}"), null))
                .isInstanceOfSatisfying(Message.Webhook.class, w -> assertThat(w.method()).isEqualTo("PUT"));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("push", "{}", "steps.s1.message.body", "missing_field"),
                Arguments.of("push", "{\"title\": 3}", "steps.s1.message.title", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"subtitle\": \"x\"}", "steps.s1.message.subtitle", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"imageUrl\": \"ftp://x\"}", "steps.s1.message.imageUrl", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"deepLink\": \"no scheme\"}", "steps.s1.message.deepLink", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"buttons\": [{\"id\": \"a\", \"label\": \"A\"}, {\"id\": \"a\", \"label\": \"B\"}]}", "steps.s1.message.buttons[1].id", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"badge\": -1}", "steps.s1.message.badge", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"ttl\": \"P60D\"}", "steps.s1.message.ttl", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"priority\": \"urgent\"}", "steps.s1.message.priority", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"topic\": \"no spaces\"}", "steps.s1.message.topic", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"strict\": \"yes\"}", "steps.s1.message.strict", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"expiresAfter\": \"soon\"}", "steps.s1.message.expiresAfter", "invalid_field"),
                Arguments.of("push", "{\"title\": \"Hi {{ person.name \"}", "steps.s1.message.title", "invalid_field"),
                Arguments.of("push", "{\"title\": \"{% include 'x' %}\"}", "steps.s1.message.title", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"data\": {\"k\": \"{% if %}\"}}", "steps.s1.message.data.k", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"translations\": {\"pt-BR\": {\"title\": \"{{ x \"}}}", "steps.s1.message.translations.pt-BR.title", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"translations\": {\"pt-BR\": {\"badge\": \"x\"}}}", "steps.s1.message.translations.pt-BR.badge", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"translations\": {\"not a locale\": {\"title\": \"x\"}}}", "steps.s1.message.translations.not a locale", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"translations\": {\"de\": {\"topic\": \"x\"}}}", "steps.s1.message.translations.de.topic", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"translations\": {\"pt_BR\": {\"title\": \"a\"}, \"pt-br\": {\"title\": \"b\"}}}", "steps.s1.message.translations.pt-br", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"variants\": [{\"weight\": 60}, {\"weight\": 30}]}", "steps.s1.message.variants", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"variants\": [{\"title\": \"x\"}]}", "steps.s1.message.variants[0].weight", "missing_field"),
                Arguments.of("push", "{\"title\": \"t\", \"variants\": [{\"weight\": 50}, {\"weight\": 50, \"sound\": 3}]}", "steps.s1.message.variants[1].sound", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"variants\": [{\"weight\": 100, \"translations\": {\"de\": {\"title\": \"{% for %}\"}}}]}", "steps.s1.message.variants[0].translations.de.title", "invalid_field"),
                Arguments.of("push", "{\"title\": \"t\", \"variants\": [{\"weight\": 100, \"strict\": true}]}", "steps.s1.message.variants[0].strict", "invalid_field"),
                Arguments.of("in_app", "{}", "steps.s1.message.format", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"popup\", \"steps\": []}", "steps.s1.message.format", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\"}", "steps.s1.message.steps", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"tooltip\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}]}", "steps.s1.message.anchor", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"inline\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}]}", "steps.s1.message.placement", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"anchor\": \"#a\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}]}", "steps.s1.message.anchor", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"position\": \"middle\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}]}", "steps.s1.message.position", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": []}]}", "steps.s1.message.steps[0].blocks", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"video\"}]}]}", "steps.s1.message.steps[0].blocks[0].type", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}, {\"type\": \"text\", \"text\": \"y\"}, {\"type\": \"button\", \"id\": \"b\", \"label\": \"Go\", \"action\": \"jump\"}]}]}", "steps.s1.message.steps[0].blocks[2].action", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"button\", \"id\": \"b\", \"label\": \"Go\", \"action\": \"next\"}]}]}", "steps.s1.message.steps[0].blocks[0].action", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"button\", \"id\": \"b\", \"label\": \"Go\", \"action\": \"step:3\"}]}]}", "steps.s1.message.steps[0].blocks[0].action", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"button\", \"id\": \"b\", \"label\": \"Go\", \"action\": \"url\"}]}]}", "steps.s1.message.steps[0].blocks[0].url", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"button\", \"id\": \"b\", \"label\": \"Go\", \"action\": \"close\", \"url\": \"https://x.example\"}]}]}", "steps.s1.message.steps[0].blocks[0].url", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"input\", \"id\": \"i\", \"inputType\": \"date\", \"label\": \"x\"}]}]}", "steps.s1.message.steps[0].blocks[0].inputType", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"rating\", \"id\": \"r\", \"scale\": 7}]}]}", "steps.s1.message.steps[0].blocks[0].scale", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"choice\", \"id\": \"c\", \"options\": []}]}]}", "steps.s1.message.steps[0].blocks[0].options", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"image\", \"url\": \"https://x.example/i.png\"}]}]}", "steps.s1.message.steps[0].blocks[0].alt", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"a\\n{{ x | }}\"}]}]}", "steps.s1.message.steps[0].blocks[0].text", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"display\": {\"frequency\": \"daily\"}}", "steps.s1.message.display.frequency", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"display\": {\"frequency\": {\"max\": 2}}}", "steps.s1.message.display.frequency.per", "missing_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"display\": {\"afterSeconds\": -1}}", "steps.s1.message.display.afterSeconds", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"display\": {\"pages\": [3]}}", "steps.s1.message.display.pages[0]", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"setAttributes\": {\"score\": \"nps\"}}", "steps.s1.message.setAttributes.score", "invalid_field"),
                Arguments.of("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"anonymous\": 1}", "steps.s1.message.anonymous", "invalid_field"),
                Arguments.of("email", "{\"subject\": \"s\"}", "steps.s1.message.html", "missing_field"),
                Arguments.of("email", "{\"subject\": \"s\", \"html\": \"h\", \"from\": \"not an address\"}", "steps.s1.message.from", "invalid_field"),
                Arguments.of("sms", "{\"text\": \"x\"}", "steps.s1.message.text", "invalid_field"),
                Arguments.of("sms", "{\"body\": \"" + "x".repeat(2001) + "\"}", "steps.s1.message.body", "invalid_field"),
                Arguments.of("whatsapp", "{\"body\": \"b\", \"templateName\": \"Bad Name\"}", "steps.s1.message.templateName", "invalid_field"),
                Arguments.of("webhook", "{}", "steps.s1.message.url", "missing_field"),
                Arguments.of("webhook", "{\"url\": \"https://h.example\", \"method\": \"TRACE\"}", "steps.s1.message.method", "invalid_field"),
                Arguments.of("webhook", "{\"url\": \"https://h.example\", \"headers\": {\"Bad Header\": \"x\"}}", "steps.s1.message.headers.Bad Header", "invalid_field"),
                Arguments.of("webhook", "{\"url\": \"https://h.example\", \"headers\": {\"X-N\": 3}}", "steps.s1.message.headers.X-N", "invalid_field"),
                Arguments.of("webhook", "{\"url\": \"https://h.example\", \"body\": 3}", "steps.s1.message.body", "invalid_field"),
                Arguments.of("webhook", "{\"url\": \"https://h.example\", \"body\": {\"a\": \"{% endif %}\"}}", "steps.s1.message.body.a", "invalid_field"));
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @MethodSource("refusals")
    void refusesNamingTheField(String channel, String message, String field, String code) {
        ClientError e = refusal(channel, message);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains(field);
    }

    @Test
    void liquidSyntaxErrorsGiveLineAndColumn() {
        ClientError e = refusal("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"Hello\\nthere {{ person.name | }}\"}]}]}");
        assertThat(e.getMessage()).contains("steps.s1.message.steps[0].blocks[0].text").containsPattern("line 2, column \\d+");
        ClientError unclosed = refusal("push", "{\"title\": \"{% if person.vip %}VIP\"}");
        assertThat(unclosed.field()).isEqualTo("steps.s1.message.title");
        assertThat(unclosed.getMessage()).contains("Liquid syntax error");
    }

    @Test
    void refusesUnknownChannelsNonObjectsAndOversizedMessages() {
        assertThatThrownBy(() -> MessageParser.parse("fax", json("{}"), "m")).isInstanceOfSatisfying(ClientError.class,
                e -> assertThat(e.field()).isEqualTo("channel"));
        assertThat(refusal("push", "[1]").field()).isEqualTo("steps.s1.message");
        ClientError big = refusal("push", "{\"title\": \"t\", \"data\": {\"a\": \"" + "x".repeat(600_000) + "\"}}");
        assertThat(big.status()).isEqualTo(413);
        ClientError longTemplate = refusal("email", "{\"subject\": \"s\", \"html\": \"" + "x".repeat(200_001) + "\"}");
        assertThat(longTemplate.field()).isEqualTo("steps.s1.message.html");
    }

    @Test
    void theBaseIsBlamedForItsOwnMistakesNotItsTranslations() {
        ClientError e = refusal("push", "{\"badge\": \"x\", \"title\": \"t\", \"translations\": {\"de\": {\"title\": \"T\"}}}");
        assertThat(e.field()).isEqualTo("steps.s1.message.badge");
    }

    @Test
    void aTranslationMayChangeWhatTheFormatNeeds() {
        ClientError e = refusal("in_app", "{\"format\": \"modal\", \"steps\": [{\"blocks\": [{\"type\": \"text\", \"text\": \"x\"}]}], \"translations\": {\"de\": {\"format\": \"tooltip\"}}}");
        assertThat(e.field()).isEqualTo("steps.s1.message.translations.de.anchor");
        assertThat(List.of(MessageParser.parse("in_app", json(MODAL), null))).hasSize(1);
    }
}
