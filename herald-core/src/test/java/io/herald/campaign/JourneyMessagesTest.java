package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.error.ClientError;
import org.junit.jupiter.api.Test;

/** A campaign is refused when a message step's message, or a webhook step's request, would not render. */
class JourneyMessagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Journey parse(String steps) throws Exception {
        return JourneyParser.parse(JSON.readTree("{\"name\":\"c\",\"trigger\":{\"event\":\"e\"},\"start\":\"s1\",\"steps\":{"
                + steps + ",\"done\":{\"type\":\"exit\"}}}"));
    }

    private static void refused(String steps, String field) {
        assertThatThrownBy(() -> parse(steps)).isInstanceOfSatisfying(ClientError.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.status()).isEqualTo(400);
        });
    }

    @Test
    void messageStepsAreCheckedForTheirChannel() throws Exception {
        refused("\"s1\":{\"type\":\"message\",\"channel\":\"in_app\",\"message\":{\"format\":\"modal\",\"steps\":[{\"blocks\":["
                + "{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"button\",\"id\":\"b\",\"label\":\"Go\",\"action\":\"jump\"}]}]},\"next\":\"done\"}",
                "steps.s1.message.steps[0].blocks[1].action");
        refused("\"s1\":{\"type\":\"message\",\"channel\":\"email\",\"message\":{\"subject\":\"Hi\"},\"next\":\"done\"}", "steps.s1.message.html");
        refused("\"s1\":{\"type\":\"message\",\"channel\":\"push\",\"message\":{\"title\":\"Hi {{ person.name\"},\"next\":\"done\"}", "steps.s1.message.title");
        Journey ok = parse("\"s1\":{\"type\":\"message\",\"channel\":\"push\",\"message\":{\"title\":\"Hi {{ person.name }}\",\"topic\":\"tips\"},\"next\":\"done\"}");
        assertThat(ok.steps()).containsKey("s1");
    }

    @Test
    void webhookStepsAreCheckedAsWebhookMessages() throws Exception {
        refused("\"s1\":{\"type\":\"webhook\",\"url\":\"https://h.example\",\"headers\":{\"X-A\":5},\"next\":\"done\"}", "steps.s1.headers.X-A");
        refused("\"s1\":{\"type\":\"webhook\",\"url\":\"https://h.example\",\"body\":{\"a\":\"{% if %}\"},\"next\":\"done\"}", "steps.s1.body.a");
        assertThat(parse("\"s1\":{\"type\":\"webhook\",\"url\":\"https://h.example/{{ person.userId }}\",\"body\":{\"a\":\"{{ event.x }}\"},\"next\":\"done\"}")
                .steps()).containsKey("s1");
    }
}
