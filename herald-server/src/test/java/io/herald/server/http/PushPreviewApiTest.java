package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code POST /api/v1/messages/preview} for a push: the rendered texts as each platform cuts them. */
class PushPreviewApiTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPushPreviewShowsTheRenderedTextsCutPerPlatformCollapsedAndExpanded(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-23T04:00:00Z"))) {
            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"name\":\"Ada Lovelace-Byron\"}}");
            h.process();
            TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/preview", "{\"channel\":\"push\",\"userId\":\"ada\","
                    + "\"message\":{\"title\":\"{{ person.name }}, your analytical engine report is ready\","
                    + "\"body\":\"Open it to see this week's numbers.\",\"buttons\":[{\"id\":\"open\",\"label\":\"Open\"}]}}");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            JsonNode p = a.json().path("platforms");
            assertThat(a.json().at("/content/title").asText())
                    .isEqualTo("Ada Lovelace-Byron, your analytical engine report is ready");
            assertThat(p.at("/ios/collapsed/title").asText()).isEqualTo("Ada Lovelace-Byron, your analytical…");
            assertThat(p.at("/ios/collapsed/truncated").toString()).isEqualTo("[\"title\"]");
            assertThat(p.at("/ios/collapsed/ignored").toString()).isEqualTo("[\"buttons\"]");
            assertThat(p.at("/ios/expanded/title").asText()).isEqualTo(a.json().at("/content/title").asText());
            assertThat(p.at("/ios/expanded/buttons/0/label").asText()).isEqualTo("Open");
            assertThat(p.at("/android/collapsed/body").asText()).isEqualTo("Open it to see this week's numbers.");
            assertThat(p.at("/web/collapsed/title").asText()).endsWith("…");

            TestHerald.Answer inApp = Api.admin(h, "POST", "/api/v1/messages/preview", "{\"channel\":\"sms\","
                    + "\"message\":{\"body\":\"hi\"}}");
            assertThat(inApp.status()).as(inApp.body()).isEqualTo(200);
            assertThat(inApp.json().has("platforms")).isFalse();
        }
    }
}
