package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.push.FakeFcm;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FCM end to end through the server: the service account set with the admin API (optionally verified by fetching a
 * token), an Android device registered with the tracking API, and test-sends reaching WireMock as FCM.
 */
class FcmApiTest {
    @TempDir
    Path dir;

    private FakeFcm fcm;

    @BeforeEach
    void start() {
        fcm = new FakeFcm();
    }

    @AfterEach
    void stop() {
        fcm.close();
    }

    private TestHerald withAdasPhone(Engine engine, String token) {
        TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"name\":\"Ada\"}}");
        Api.accepted(h, "/v1/devices", "{\"userId\":\"ada\",\"token\":\"" + token + "\",\"platform\":\"android\"}");
        h.process();
        TestHerald.Answer put = Api.admin(h, "PUT", "/api/v1/channels/fcm", fcm.credentials().toString());
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        return h;
    }

    private static JsonNode testSend(TestHerald h, String title) {
        TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/test-send", "{\"channel\":\"push\",\"userId\":\"ada\","
                + "\"message\":{\"title\":\"" + title + "\",\"body\":\"Hello {{ person.name }}\",\"deepLink\":\"app://home\"}}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTestSentPushReachesTheAndroidDeviceThroughFcm(Engine engine) {
        try (TestHerald h = withAdasPhone(engine, "android-token-1")) {
            JsonNode sent = testSend(h, "Hi");
            assertThat(sent.path("status").asText()).as(sent.toString()).isEqualTo("sent");
            assertThat(fcm.messages()).hasSize(1);
            JsonNode m = fcm.messages().get(0).get("message");
            assertThat(m.get("token").asText()).isEqualTo("android-token-1");
            assertThat(m.at("/notification/body").asText()).isEqualTo("Hello Ada");
            assertThat(m.at("/data/deliveryId").asText()).isEqualTo(sent.path("id").asText());
            assertThat(m.at("/data/deepLink").asText()).isEqualTo("app://home");
            assertThat(fcm.sendRequests().get(0).getHeader("Authorization")).isEqualTo("Bearer " + FakeFcm.ACCESS_TOKEN);

            // The service account is never shown in full.
            TestHerald.Answer shown = h.admin("/api/v1/channels/fcm");
            assertThat(shown.json().path("serviceAccount").asText())
                    .isEqualTo("•••• (set): project " + FakeFcm.PROJECT + ", " + FakeFcm.EMAIL);
            assertThat(shown.body()).doesNotContain("PRIVATE KEY").doesNotContain("private_key");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTokenFcmCallsUnregisteredIsDisabledAndTheNextPushFindsNoDevice(Engine engine) {
        try (TestHerald h = withAdasPhone(engine, "gone-token")) {
            fcm.answer("gone-token", 404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null);
            JsonNode first = testSend(h, "One");
            assertThat(first.path("status").asText()).isEqualTo("failed");
            assertThat(first.path("reason").asText()).isEqualTo("UNREGISTERED: Requested entity was not found.");
            JsonNode devices = h.admin("/api/v1/people/ada").json().path("devices");
            assertThat(devices).hasSize(1);
            assertThat(devices.get(0).path("pushEnabled").asBoolean()).isFalse();

            JsonNode second = testSend(h, "Two");
            assertThat(second.path("reason").asText()).isEqualTo("no_device");
            assertThat(fcm.messages()).hasSize(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void credentialsTheTokenEndpointRefusesFailTheDeliveryWithAClearReason(Engine engine) {
        try (TestHerald h = withAdasPhone(engine, "tok")) {
            fcm.refuseTokens();
            JsonNode sent = testSend(h, "Hi");
            assertThat(sent.path("status").asText()).isEqualTo("failed");
            assertThat(sent.path("reason").asText()).startsWith("invalid_credentials: the token endpoint refused the "
                    + "service account").contains("invalid_grant");
            assertThat(fcm.sendRequests()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void verifyTrueFetchesATokenBeforeStoringAndRefusedCredentialsAreNotStored(Engine engine) {
        try (TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            TestHerald.Answer ok = Api.admin(h, "PUT", "/api/v1/channels/fcm?verify=true", fcm.credentials().toString());
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(fcm.tokenRequests()).hasSize(1);
            assertThat(Api.adminDelete(h, "/api/v1/channels/fcm").status()).isEqualTo(204);

            fcm.refuseTokens();
            TestHerald.Answer refused = Api.admin(h, "PUT", "/api/v1/channels/fcm?verify=true", fcm.credentials().toString());
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.errorCode()).isEqualTo("invalid_field");
            assertThat(refused.json().at("/error/field").asText()).isEqualTo("serviceAccount");
            assertThat(refused.json().at("/error/message").asText()).contains("invalid_grant");
            assertThat(h.admin("/api/v1/channels/fcm").status()).isEqualTo(404);
            // Without verify the same credentials are stored (the token endpoint is asked at delivery).
            assertThat(Api.admin(h, "PUT", "/api/v1/channels/fcm", fcm.credentials().toString()).status()).isEqualTo(200);
        }
    }
}
