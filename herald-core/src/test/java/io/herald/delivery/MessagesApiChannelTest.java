package io.herald.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.herald.delivery.Outbox.WS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.herald.credential.MasterKey;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.sms.MessagesApiChannel;
import io.herald.sms.StatusCallbacks;
import io.herald.sms.StatusTokens;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** SMS and WhatsApp through a Messages-API provider (WireMock), through the dispatcher, on both engines. */
class MessagesApiChannelTest {
    private static final String SID = "AC0123456789abcdef0123456789abcdef";
    private static final String PATH = "/2010-04-01/Accounts/" + SID + "/Messages.json";

    @TempDir
    Path dir;

    private WireMockServer provider;

    @BeforeEach
    void start() {
        provider = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        provider.start();
    }

    @AfterEach
    void stop() {
        provider.stop();
    }

    private record Setup(Pipeline p, Dispatcher dispatcher, MessagesApiChannel sms, MessagesApiChannel whatsapp,
                         StatusTokens tokens, StatusCallbacks callbacks) implements AutoCloseable {
        @Override
        public void close() {
            sms.close();
            whatsapp.close();
            p.close();
        }
    }

    private Setup setup(Engine engine, String phone) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{" + (phone == null ? "" : "\"phone\":\"" + phone + "\"")
                + "},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        JsonNode creds = EventCodec.mapper().createObjectNode().put("accountSid", SID).put("authToken", "tok3n")
                .put("from", "+15550001111").put("baseUrl", provider.baseUrl());
        StatusTokens tokens = new StatusTokens(MasterKey.generate(new SecureRandom()));
        MessagesApiChannel sms = new MessagesApiChannel("sms", p.store().db(), (w, c) -> Optional.of(creds), tokens,
                () -> "https://herald.example.com/", p.clock());
        MessagesApiChannel whatsapp = new MessagesApiChannel("whatsapp", p.store().db(), (w, c) -> Optional.of(creds),
                tokens, () -> "https://herald.example.com", p.clock());
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(sms, whatsapp), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(),
                DispatchOptions.defaults().withMaxAttempts(5));
        StatusCallbacks callbacks = new StatusCallbacks(tokens, new DeliveryProgress(p.store().db(), p.log(), p.clock()));
        return new Setup(p, d, sms, whatsapp, tokens, callbacks);
    }

    private static Map<String, String> form(LoggedRequest r) {
        Map<String, String> out = new HashMap<>();
        for (String pair : r.getBodyAsString().split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String tokenOf(Map<String, String> form) {
        String cb = form.get("StatusCallback");
        return cb.substring(cb.lastIndexOf('/') + 1);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anSmsIsPostedAsAFormWithBasicAuthAndASignedStatusCallback(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"sid\":\"SM111\",\"status\":\"queued\"}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi {{ person.userId }}\"}",
                    s.p().clock().millis());
            s.dispatcher().dispatchDue();

            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "sent").containsEntry("provider_id", "SM111");
            List<LoggedRequest> got = provider.findAll(postRequestedFor(urlEqualTo(PATH)));
            assertThat(got).hasSize(1);
            LoggedRequest r = got.get(0);
            assertThat(r.getHeader("Authorization")).isEqualTo("Basic "
                    + Base64.getEncoder().encodeToString((SID + ":tok3n").getBytes(StandardCharsets.UTF_8)));
            assertThat(r.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
            Map<String, String> form = form(r);
            assertThat(form).containsEntry("To", "+447700900123").containsEntry("From", "+15550001111")
                    .containsEntry("Body", "Hi ada").doesNotContainKey("MediaUrl");
            assertThat(form.get("StatusCallback")).startsWith("https://herald.example.com/v1/providers/messages/status/");
            assertThat(s.tokens().verify(tokenOf(form))).contains(new StatusTokens.Claim(WS, id));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void whatsappAddressesArePrefixedAndCarryTheMedia(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(201).withBody("{\"sid\":\"SM222\"}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "whatsapp",
                    "{\"body\":\"Your order shipped\",\"mediaUrl\":\"https://cdn.example.com/box.png\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();

            assertThat(Outbox.status(s.p().store().db(), id)).isEqualTo("sent");
            Map<String, String> form = form(provider.findAll(postRequestedFor(urlEqualTo(PATH))).get(0));
            assertThat(form).containsEntry("To", "whatsapp:+447700900123").containsEntry("From", "whatsapp:+15550001111")
                    .containsEntry("MediaUrl", "https://cdn.example.com/box.png");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void a429IsRetriedNoSoonerThanRetryAfter(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "120")
                .withBody("{\"code\":20429,\"message\":\"Too Many Requests\"}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();

            Map<String, Object> row = Outbox.row(s.p().store().db(), id);
            assertThat(row).containsEntry("status", "retrying");
            assertThat((Long) row.get("next_attempt_at")).isGreaterThanOrEqualTo(s.p().clock().millis() + 120_000);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void a400IsRejectedWithTheProvidersCodeAndMessage(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(400).withBody(
                "{\"code\":21211,\"message\":\"The 'To' number is not a valid phone number.\",\"status\":400}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();

            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "failed")
                    .containsEntry("reason", "http_400 21211: The 'To' number is not a valid phone number.");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonWithoutAPhoneFailsWithNoPhoneAndNothingIsPosted(Engine engine) {
        try (Setup s = setup(engine, null)) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();

            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "failed").containsEntry("reason", "no_phone");
            assertThat(provider.getAllServeEvents()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDeliveredCallbackMovesTheStatusAndTellsThePerson(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(201).withBody("{\"sid\":\"SM333\"}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();
            String token = tokenOf(form(provider.findAll(postRequestedFor(urlEqualTo(PATH))).get(0)));

            assertThat(s.callbacks().handle(token, Map.of("MessageSid", "SM333", "MessageStatus", "sent")))
                    .isEqualTo(StatusCallbacks.Result.IGNORED);
            assertThat(s.callbacks().handle(token, Map.of("MessageSid", "SM333", "MessageStatus", "delivered")))
                    .isEqualTo(StatusCallbacks.Result.RECORDED);
            // A repeated report adds nothing; a late failure after delivered does not move it back.
            s.callbacks().handle(token, Map.of("MessageStatus", "delivered"));
            s.callbacks().handle(token, Map.of("MessageStatus", "failed", "ErrorCode", "30008"));
            s.p().settle();

            assertThat(Outbox.status(s.p().store().db(), id)).isEqualTo("delivered");
            assertThat(Outbox.events(s.p().store().db(), "ada", "message.delivered")).hasSize(1)
                    .first().satisfies(e -> assertThat(e.path("properties").path("deliveryId").asText()).isEqualTo(id));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anUndeliveredCallbackFailsTheDeliveryWithTheErrorCode(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(201).withBody("{\"sid\":\"SM444\"}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();
            String token = tokenOf(form(provider.findAll(postRequestedFor(urlEqualTo(PATH))).get(0)));

            s.callbacks().handle(token, Map.of("MessageStatus", "undelivered", "ErrorCode", "30003"));
            s.p().settle();

            assertThat(Outbox.row(s.p().store().db(), id)).containsEntry("status", "failed")
                    .containsEntry("reason", "provider_error_30003");
            assertThat(Outbox.events(s.p().store().db(), "ada", "message.failed")).hasSize(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTamperedCallbackTokenChangesNothing(Engine engine) {
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(201).withBody("{\"sid\":\"SM555\"}")));
        try (Setup s = setup(engine, "+447700900123")) {
            String id = Outbox.queue(s.p().store().db(), "ada", "sms", "{\"body\":\"Hi\"}", s.p().clock().millis());
            s.dispatcher().dispatchDue();
            String token = tokenOf(form(provider.findAll(postRequestedFor(urlEqualTo(PATH))).get(0)));
            String forged = new StatusTokens(MasterKey.generate(new SecureRandom())).issue(WS, id);
            String flipped = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");

            assertThat(s.callbacks().handle(forged, Map.of("MessageStatus", "delivered")))
                    .isEqualTo(StatusCallbacks.Result.UNKNOWN_TOKEN);
            assertThat(s.callbacks().handle(flipped, Map.of("MessageStatus", "delivered")))
                    .isEqualTo(StatusCallbacks.Result.UNKNOWN_TOKEN);
            assertThat(s.callbacks().handle("garbage", Map.of("MessageStatus", "delivered")))
                    .isEqualTo(StatusCallbacks.Result.UNKNOWN_TOKEN);
            assertThat(Outbox.status(s.p().store().db(), id)).isEqualTo("sent");
        }
    }
}
