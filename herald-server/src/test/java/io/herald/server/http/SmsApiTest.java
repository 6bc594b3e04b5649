package io.herald.server.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SMS end to end through the server: credentials set with the admin API (baseUrl pointing at WireMock), a test-send
 * reaching the provider, and the provider's status callback moving the delivery to delivered.
 */
class SmsApiTest {
    static final String SID = "AC0123456789abcdef0123456789abcdef";
    static final String PATH = "/2010-04-01/Accounts/" + SID + "/Messages.json";

    @TempDir
    Path dir;

    private WireMockServer provider;

    @BeforeEach
    void start() {
        provider = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        provider.start();
        provider.stubFor(post(PATH).willReturn(aResponse().withStatus(201).withBody("{\"sid\":\"SM900\"}")));
    }

    @AfterEach
    void stop() {
        provider.stop();
    }

    /** Ada with a phone, SMS credentials pointing at WireMock, one SMS test-sent; returns [deliveryId, callback path]. */
    static String[] sentSms(TestHerald h, WireMockServer provider) {
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"phone\":\"+447700900123\"}}");
        h.process();
        TestHerald.Answer put = Api.admin(h, "PUT", "/api/v1/channels/sms", "{\"accountSid\":\"" + SID
                + "\",\"authToken\":\"tok3n\",\"from\":\"+15550001111\",\"baseUrl\":\"" + provider.baseUrl() + "\"}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        TestHerald.Answer sent = Api.admin(h, "POST", "/api/v1/messages/test-send",
                "{\"channel\":\"sms\",\"userId\":\"ada\",\"message\":{\"body\":\"Hi\"}}");
        assertThat(sent.status()).as(sent.body()).isEqualTo(200);
        assertThat(sent.json().path("status").asText()).as(sent.body()).isEqualTo("sent");
        String body = provider.findAll(postRequestedFor(urlEqualTo(PATH))).get(0).getBodyAsString();
        String callback = null;
        for (String pair : body.split("&")) {
            if (pair.startsWith("StatusCallback=")) callback = URLDecoder.decode(pair.substring(15), StandardCharsets.UTF_8);
        }
        assertThat(callback).isNotNull();
        return new String[] {sent.json().path("id").asText(), callback.substring(callback.indexOf("/v1/providers/"))};
    }

    static TestHerald.Answer callback(TestHerald h, String path, String form) {
        return Api.request(h, "POST", path, Map.of("Content-Type", "application/x-www-form-urlencoded"), Api.utf8(form));
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theProvidersDeliveredCallbackMovesTheDeliveryToDelivered(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String[] sent = sentSms(h, provider);
            assertThat(callback(h, sent[1], "MessageSid=SM900&MessageStatus=delivered").status()).isEqualTo(204);
            h.process();

            JsonNode deliveries = h.admin("/api/v1/people/ada/deliveries").json();
            assertThat(deliveries.toString()).contains("\"delivered\"");
            assertThat(PushEventsApiTest.status(h, sent[0])).isEqualTo("delivered");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTamperedCallbackTokenIsNotFoundAndChangesNothing(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String[] sent = sentSms(h, provider);
            String tampered = sent[1].substring(0, sent[1].length() - 1) + (sent[1].endsWith("A") ? "B" : "A");
            TestHerald.Answer a = callback(h, tampered, "MessageStatus=delivered");
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.errorCode()).isEqualTo("not_found");
            assertThat(PushEventsApiTest.status(h, sent[0])).isEqualTo("sent");
        }
    }
}
