package io.herald.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.herald.delivery.Outbox.WS;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.herald.ingest.CallKind;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import io.herald.workspace.Secrets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The webhook channel against a real HTTP server (WireMock), through the dispatcher, on both engines. */
class WebhookChannelTest {
    @TempDir
    Path dir;

    private WireMockServer receiver;
    private WireMockServer elsewhere;

    @BeforeEach
    void startReceivers() {
        receiver = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        receiver.start();
        elsewhere = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        elsewhere.start();
    }

    @AfterEach
    void stopReceivers() {
        receiver.stop();
        elsewhere.stop();
    }

    /** A pipeline with one person, ada, and a dispatcher whose only channel is the webhook. */
    private record Setup(Pipeline p, Dispatcher dispatcher, WebhookChannel channel, WebhookSecrets secrets) implements AutoCloseable {
        @Override
        public void close() {
            channel.close();
            p.close();
        }
    }

    private Setup setup(Engine engine) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        WebhookSecrets secrets = new WebhookSecrets(p.store().db(), p.clock());
        WebhookChannel channel = new WebhookChannel(secrets, p.clock());
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(channel), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(),
                DispatchOptions.defaults().withMaxAttempts(5));
        return new Setup(p, d, channel, secrets);
    }

    private String queue(Setup s, String message) {
        return Outbox.queue(s.p().store().db(), "ada", "webhook", message, s.p().clock().millis());
    }

    private String url(String path) {
        return receiver.baseUrl() + path;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aWebhookIsSignedWithTheWorkspaceSecretAndCarriesTheDeliveryIdempotencyKey(Engine engine) {
        receiver.stubFor(post("/hooks/crm").willReturn(aResponse().withStatus(202).withHeader("X-Request-Id", "crm-77")));
        try (Setup s = setup(engine)) {
            String id = queue(s, "{\"method\":\"POST\",\"url\":\"" + url("/hooks/crm") + "\",\"headers\":{\"X-Team\":\"growth\","
                    + "\"Idempotency-Key\":\"forged\"},\"body\":{\"user\":\"ada\",\"plan\":\"trial\"}}");
            s.dispatcher().dispatchDue();

            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "sent").containsEntry("provider_id", "crm-77");
            List<LoggedRequest> got = receiver.findAll(postRequestedFor(urlEqualTo("/hooks/crm")));
            assertThat(got).hasSize(1);
            LoggedRequest r = got.get(0);
            String body = r.getBodyAsString();
            assertThat(body).isEqualTo("{\"user\":\"ada\",\"plan\":\"trial\"}");
            String secret = s.secrets().signingSecret(WS);
            assertThat(secret).startsWith("whsec_");
            assertThat(r.getHeader("X-Herald-Signature")).isEqualTo("sha256=" + Secrets.hmacSha256Hex(secret, body));
            assertThat(r.getHeader("Idempotency-Key")).startsWith("run-" + id + ":s1:").endsWith(":webhook");
            assertThat(r.getHeader("X-Herald-Delivery")).isEqualTo(id);
            assertThat(r.getHeader("X-Team")).isEqualTo("growth");
            assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
            // The secret is the workspace's for good: a second Herald over the same store signs with the same one.
            assertThat(new WebhookSecrets(s.p().store().db(), s.p().clock()).signingSecret(WS)).isEqualTo(secret);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aServerErrorIsRetriedAndTheRetrySucceedsWithTheSameIdempotencyKey(Engine engine) {
        receiver.stubFor(post("/h").inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(500).withBody("oops")).willSetStateTo("up"));
        receiver.stubFor(post("/h").inScenario("flaky").whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        try (Setup s = setup(engine)) {
            String id = queue(s, "{\"url\":\"" + url("/h") + "\",\"body\":\"plain text\"}");
            s.dispatcher().dispatchDue();
            var row = Outbox.row(s.p().store().db(), id);
            assertThat(row).containsEntry("status", "retrying").containsEntry("reason", "http_500");
            s.p().clock().set(java.time.Instant.ofEpochMilli((Long) row.get("next_attempt_at")));
            s.dispatcher().dispatchDue();
            assertThat(Outbox.status(s.p().store().db(), id)).isEqualTo("sent");
            List<LoggedRequest> got = receiver.findAll(postRequestedFor(urlEqualTo("/h")));
            assertThat(got).hasSize(2);
            assertThat(got.get(0).getHeader("Idempotency-Key")).isEqualTo(got.get(1).getHeader("Idempotency-Key"));
            assertThat(got.get(1).getBodyAsString()).isEqualTo("plain text");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void tooManyRequestsIsRetriedNoSoonerThanItsRetryAfterInSecondsOrAsADate(Engine engine) {
        try (Setup s = setup(engine)) {
            String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(s.p().clock().instant().plus(Duration.ofHours(2))
                    .atOffset(ZoneOffset.UTC));
            receiver.stubFor(post("/seconds").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "600")));
            receiver.stubFor(post("/date").willReturn(aResponse().withStatus(503).withHeader("Retry-After", date)));
            long now = s.p().clock().millis();
            String seconds = queue(s, "{\"url\":\"" + url("/seconds") + "\"}");
            String dated = queue(s, "{\"url\":\"" + url("/date") + "\"}");
            s.dispatcher().dispatchDue();
            var a = Outbox.row(s.p().store().db(), seconds);
            var b = Outbox.row(s.p().store().db(), dated);
            assertThat(a).containsEntry("status", "retrying").containsEntry("reason", "http_429");
            assertThat((Long) a.get("next_attempt_at")).isBetween(now + 600_000, now + 610_000);
            assertThat(b).containsEntry("status", "retrying").containsEntry("reason", "http_503");
            assertThat((Long) b.get("next_attempt_at")).isBetween(now + 7_200_000, now + 7_210_000);
            s.p().clock().advance(Duration.ofMinutes(9));
            s.dispatcher().dispatchDue();
            assertThat(receiver.getAllServeEvents()).hasSize(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aClientErrorFailsAtOnceWithTheCodeAndTheStartOfTheBodyAndIsNotRetried(Engine engine) {
        receiver.stubFor(post("/h").willReturn(aResponse().withStatus(400).withBody("{\"error\": \"email is required\"}\n")));
        try (Setup s = setup(engine)) {
            String id = queue(s, "{\"url\":\"" + url("/h") + "\",\"body\":{}}");
            s.dispatcher().dispatchDue();
            s.p().clock().advance(Duration.ofDays(1));
            s.dispatcher().dispatchDue();
            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "failed")
                    .containsEntry("reason", "http_400: {\"error\": \"email is required\"}");
            receiver.verify(1, anyRequestedFor(anyUrl()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aReceiverSlowerThanTheMessagesTimeoutIsRetried(Engine engine) {
        receiver.stubFor(post("/slow").willReturn(aResponse().withStatus(200).withFixedDelay(3000)));
        try (Setup s = setup(engine)) {
            String id = queue(s, "{\"url\":\"" + url("/slow") + "\",\"timeout\":\"PT0.3S\"}");
            long started = System.nanoTime();
            s.dispatcher().dispatchDue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "retrying").containsEntry("reason", "timeout");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aRedirectIsFollowedOnTheSameHostButNeverToAnother(Engine engine) {
        receiver.stubFor(post("/old").willReturn(aResponse().withStatus(308).withHeader("Location", "/new")));
        receiver.stubFor(post("/new").willReturn(aResponse().withStatus(200)));
        receiver.stubFor(post("/away").willReturn(aResponse().withStatus(307).withHeader("Location", elsewhere.baseUrl() + "/x")));
        elsewhere.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
        try (Setup s = setup(engine)) {
            String same = queue(s, "{\"url\":\"" + url("/old") + "\",\"body\":{\"a\":1}}");
            String away = queue(s, "{\"url\":\"" + url("/away") + "\",\"body\":{\"a\":1}}");
            s.dispatcher().dispatchDue();
            assertThat(Outbox.status(s.p().store().db(), same)).isEqualTo("sent");
            assertThat(receiver.findAll(postRequestedFor(urlEqualTo("/new"))).get(0).getBodyAsString()).isEqualTo("{\"a\":1}");
            assertThat(Outbox.row(s.p().store().db(), away)).containsEntry("status", "failed")
                    .containsEntry("reason", "redirect_to_other_host");
            elsewhere.verify(0, anyRequestedFor(anyUrl()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aReceiverThatIsDownIsRetriedAndAMalformedUrlFails(Engine engine) throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (Setup s = setup(engine)) {
            String down = queue(s, "{\"url\":\"http://127.0.0.1:" + closedPort + "/h\"}");
            String bad = queue(s, "{\"url\":\"ftp://example.com/h\"}");
            s.dispatcher().dispatchDue();
            assertThat(Outbox.row(s.p().store().db(), down)).containsEntry("status", "retrying")
                    .containsEntry("reason", "connection_failed");
            assertThat(Outbox.row(s.p().store().db(), bad)).containsEntry("status", "failed").containsEntry("reason", "invalid_url");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aCampaignsWebhookStepIsDeliveredThroughTheWebhookChannel(Engine engine) {
        receiver.stubFor(com.github.tomakehurst.wiremock.client.WireMock.put("/crm/upgrade")
                .willReturn(aResponse().withStatus(204)));
        try (Setup s = setup(engine)) {
            String campaign = s.p().campaigns().create(WS, DispatcherTest.json("""
                    {"name":"tell the CRM","trigger":{"event":"upgraded"},"start":"hook",
                     "steps":{"hook":{"type":"webhook","method":"PUT","url":"%s/crm/upgrade",
                                      "headers":{"X-Source":"herald"},"body":{"plan":"pro"},"next":"done"},
                              "done":{"type":"exit"}}}""".formatted(receiver.baseUrl()))).id();
            s.p().campaigns().activate(WS, campaign);
            s.p().send(CallKind.TRACK, "{\"userId\":\"ada\",\"event\":\"upgraded\",\"timestamp\":\""
                    + s.p().clock().instant() + "\"}");
            s.p().settle();
            s.dispatcher().dispatchDue();
            s.p().settle();

            List<LoggedRequest> got = receiver.findAll(com.github.tomakehurst.wiremock.client.WireMock
                    .putRequestedFor(urlEqualTo("/crm/upgrade")));
            assertThat(got).hasSize(1);
            assertThat(got.get(0).getBodyAsString()).isEqualTo("{\"plan\":\"pro\"}");
            assertThat(got.get(0).getHeader("X-Source")).isEqualTo("herald");
            assertThat(got.get(0).getHeader("Idempotency-Key")).endsWith(":webhook");
            assertThat(Outbox.events(s.p().store().db(), "ada", "message.")).extracting(e -> e.path("event").asText()
                    + "/" + e.path("properties").path("campaignId").asText() + "/" + e.path("properties").path("step").asText())
                    .containsExactly("message.sent/" + campaign + "/hook");
        }
    }
}
