package io.herald.server.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import io.herald.workspace.Secrets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Test sends and webhook settings through the admin API, on both engines. */
class DeliveryApiTest {
    @TempDir
    Path dir;

    private WireMockServer receiver;

    @BeforeEach
    void startReceiver() {
        receiver = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop();
    }

    private static TestHerald withAda(Engine engine, Path dir) {
        TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"name\":\"Ada\"}}");
        h.process();
        return h;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTestSendOfAnInAppMessageIsSentNowAndShowsInThePersonsHistoryAndEvents(Engine engine) {
        try (TestHerald h = withAda(engine, dir)) {
            TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/test-send",
                    "{\"channel\":\"in_app\",\"userId\":\"ada\",\"message\":{\"format\":\"modal\",\"steps\":[{\"blocks\":"
                    + "[{\"type\":\"text\",\"text\":\"Hello {{ person.userId }}\"}]}]}}");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            JsonNode body = a.json();
            assertThat(body.path("status").asText()).isEqualTo("sent");
            assertThat(body.has("reason")).isFalse();
            assertThat(body.path("content").path("steps").path(0).path("blocks").path(0).path("text").asText())
                    .isEqualTo("Hello ada");
            String id = body.path("id").asText();

            JsonNode history = h.admin("/api/v1/people/ada/deliveries").json().path("data");
            assertThat(history).hasSize(1);
            assertThat(history.get(0).path("id").asText()).isEqualTo(id);
            assertThat(history.get(0).path("status").asText()).isEqualTo("sent");
            assertThat(history.get(0).path("campaignId").isNull()).isTrue();

            h.process();
            List<JsonNode> events = Api.events(h, "ada");
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("event").asText()).isEqualTo("message.sent");
                assertThat(e.path("properties").path("deliveryId").asText()).isEqualTo(id);
                assertThat(e.path("properties").path("channel").asText()).isEqualTo("in_app");
            });
            String metrics = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.baseUrl() + "/metrics")).GET()).body();
            assertThat(metrics).contains("herald_deliveries_total{channel=\"in_app\",status=\"sent\"} 1.0");
            assertThat(metrics).contains("herald_dispatch_latency_seconds");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTestSendOnAChannelWithoutAProviderAnswersFailedNoProvider(Engine engine) {
        try (TestHerald h = withAda(engine, dir)) {
            TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/test-send",
                    "{\"channel\":\"sms\",\"userId\":\"ada\",\"message\":{\"body\":\"Hi there\"}}"); // push has one now
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("status").asText()).isEqualTo("failed");
            assertThat(a.json().path("reason").asText()).isEqualTo("no_provider");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTestSentWebhookIsSignedWithTheSecretTheSettingsShow(Engine engine) {
        receiver.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));
        try (TestHerald h = withAda(engine, dir)) {
            TestHerald.Answer settings = h.admin("/api/v1/settings/webhooks");
            assertThat(settings.status()).as(settings.body()).isEqualTo(200);
            String secret = settings.json().path("signingSecret").asText();
            assertThat(secret).startsWith("whsec_");
            assertThat(h.admin("/api/v1/settings/webhooks").json().path("signingSecret").asText()).isEqualTo(secret);

            TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/test-send", "{\"channel\":\"webhook\",\"userId\":\"ada\","
                    + "\"message\":{\"method\":\"POST\",\"url\":\"" + receiver.baseUrl() + "/hook\",\"body\":{\"hello\":\"ada\"}}}");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("status").asText()).isEqualTo("sent");
            List<LoggedRequest> got = receiver.findAll(postRequestedFor(urlEqualTo("/hook")));
            assertThat(got).hasSize(1);
            assertThat(got.get(0).getHeader("X-Herald-Signature"))
                    .isEqualTo("sha256=" + Secrets.hmacSha256Hex(secret, got.get(0).getBodyAsString()));
            assertThat(got.get(0).getHeader("Idempotency-Key")).isEqualTo("test:" + a.json().path("id").asText());
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eachWorkspaceHasItsOwnWebhookSigningSecret(Engine engine) {
        try (TestHerald h = withAda(engine, dir)) {
            String other = h.herald().workspaces().create("other").adminKey();
            String mine = h.admin("/api/v1/settings/webhooks").json().path("signingSecret").asText();
            TestHerald.Answer theirs = Api.admin(h, other, "GET", "/api/v1/settings/webhooks", null);
            assertThat(theirs.status()).isEqualTo(200);
            assertThat(theirs.json().path("signingSecret").asText()).isNotEqualTo(mine).startsWith("whsec_");
        }
    }
}
