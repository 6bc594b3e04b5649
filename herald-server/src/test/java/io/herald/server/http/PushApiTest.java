package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.push.ApnsProvider;
import io.herald.push.MockApns;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Push end to end through the server: APNs credentials set with the admin API, a device registered with the tracking
 * API, a test-send on the push channel reaching Pushy's MockApnsServer, and a gone token disabling the device.
 */
class PushApiTest {
    @TempDir
    Path dir;

    private MockApns apple;

    @BeforeEach
    void startApple() throws Exception {
        apple = new MockApns(dir);
        // The server trusts the mock's self-signed certificate as it would a relay's (docs/channels.md "APNs").
        Path pem = dir.resolve("apns-ca.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(apple.certificate().getEncoded()) + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
        System.setProperty(ApnsProvider.TRUST_PROPERTY, pem.toString());
    }

    @AfterEach
    void stopApple() throws Exception {
        System.clearProperty(ApnsProvider.TRUST_PROPERTY);
        apple.close();
    }

    private TestHerald withAdasIphone(Engine engine, String token) {
        TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"name\":\"Ada\"}}");
        Api.accepted(h, "/v1/devices", "{\"userId\":\"ada\",\"token\":\"" + token + "\",\"platform\":\"ios\",\"provider\":\"apns\"}");
        h.process();
        TestHerald.Answer put = Api.admin(h, "PUT", "/api/v1/channels/apns", apple.credentials().toString());
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        return h;
    }

    private static TestHerald.Answer testSend(TestHerald h, String title) {
        TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/test-send", "{\"channel\":\"push\",\"userId\":\"ada\","
                + "\"message\":{\"title\":\"" + title + "\",\"body\":\"Hello {{ person.name }}\",\"deepLink\":\"app://home\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTestSentPushReachesTheDeviceThroughApns(Engine engine) {
        String token = apple.token();
        try (TestHerald h = withAdasIphone(engine, token)) {
            JsonNode sent = testSend(h, "Hi").json();
            assertThat(sent.path("status").asText()).as(sent.toString()).isEqualTo("sent");
            assertThat(apple.received()).hasSize(1);
            MockApns.Received got = apple.received().get(0);
            assertThat(got.token()).isEqualTo(token);
            assertThat(got.payload().at("/aps/alert/body").asText()).isEqualTo("Hello Ada");
            assertThat(got.payload().at("/herald/deliveryId").asText()).isEqualTo(sent.path("id").asText());
            assertThat(got.payload().at("/herald/deepLink").asText()).isEqualTo("app://home");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTokenApnsCallsUnregisteredIsDisabledAndTheNextPushFindsNoDevice(Engine engine) {
        String token = apple.token();
        try (TestHerald h = withAdasIphone(engine, token)) {
            apple.unregister(token);
            JsonNode first = testSend(h, "One").json();
            assertThat(first.path("status").asText()).isEqualTo("failed");
            assertThat(first.path("reason").asText()).isEqualTo("Unregistered");
            JsonNode devices = h.admin("/api/v1/people/ada").json().path("devices");
            assertThat(devices).hasSize(1);
            assertThat(devices.get(0).path("pushEnabled").asBoolean()).isFalse();

            JsonNode second = testSend(h, "Two").json();
            assertThat(second.path("status").asText()).isEqualTo("failed");
            assertThat(second.path("reason").asText()).isEqualTo("no_device");
            assertThat(apple.received()).isEmpty();
        }
    }
}
