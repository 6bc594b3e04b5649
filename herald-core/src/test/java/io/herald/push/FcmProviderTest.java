package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.herald.event.EventCodec;
import io.herald.person.Device;
import io.herald.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FCM provider on its own, against WireMock as FCM and as Google's token endpoint. */
class FcmProviderTest {
    private final TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
    private FakeFcm fcm;
    private FcmProvider provider;

    @BeforeEach
    void start() {
        fcm = new FakeFcm();
        provider = new FcmProvider(clock, FcmProvider.Options.defaults());
    }

    @AfterEach
    void stop() {
        provider.close();
        fcm.close();
    }

    private PushResult send(String token, ObjectNode content) throws Exception {
        return provider.send(target(token, fcm.credentials()), content).get(30, TimeUnit.SECONDS);
    }

    private static PushProvider.PushTarget target(String token, JsonNode credentials) {
        return new PushProvider.PushTarget("ws1", "d1", "key-1", new Device("dev-" + token, token, "android", "fcm", null,
                true, 0, 0), credentials);
    }

    private static ObjectNode simple() {
        return EventCodec.mapper().createObjectNode().put("title", "t").put("body", "b");
    }

    @Test
    void aTokenFromTheServiceAccountsTokenUriIsFetchedOnceSignedByItsKeyAndSentAsBearer() throws Exception {
        PushResult first = send("tok-1", simple());
        PushResult second = send("tok-2", simple());

        assertThat(first).isInstanceOf(PushResult.Sent.class);
        assertThat(((PushResult.Sent) first).providerId()).startsWith("projects/" + FakeFcm.PROJECT + "/messages/0:");
        assertThat(second).isInstanceOf(PushResult.Sent.class);
        // One token for both: the library caches it.
        assertThat(fcm.tokenRequests()).hasSize(1);
        LoggedRequest grant = fcm.tokenRequests().get(0);
        assertThat(FakeFcm.form(grant, "grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
        String[] jwt = FakeFcm.form(grant, "assertion").split("\\.");
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(fcm.publicKey());
        rs256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(rs256.verify(Base64.getUrlDecoder().decode(jwt[2]))).isTrue();
        JsonNode claims = EventCodec.mapper().readTree(Base64.getUrlDecoder().decode(jwt[1]));
        assertThat(claims.get("iss").asText()).isEqualTo(FakeFcm.EMAIL);
        // (Its audience stays Google's token URL whatever token_uri says: the library's choice, and what Google checks.)
        assertThat(claims.get("scope").asText()).isEqualTo(FcmProvider.SCOPE);
        for (LoggedRequest r : fcm.sendRequests()) {
            assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + FakeFcm.ACCESS_TOKEN);
        }
    }

    @Test
    void aFullMessageMapsToTheNotificationDataAndEachPlatformsOverrides() throws Exception {
        ObjectNode content = (ObjectNode) EventCodec.mapper().readTree("""
                {"title":"Hi ada","body":"Your trial ends soon","imageUrl":"https://cdn.example.com/a.png",
                 "deepLink":"https://example.com/plans","buttons":[{"id":"upgrade","label":"Upgrade"},
                 {"id":"later","label":"Later"}],"sound":"default","badge":3,
                 "data":{"plan":"pro","seats":5,"nested":{"a":1},"google.x":"dropped","from":"dropped","deliveryId":"spoof"},
                 "collapseKey":"trial","ttl":"PT1H","priority":"normal"}""");
        ObjectNode creds = fcm.credentials().put("androidClickAction", "OPEN_HERALD");
        PushResult r = provider.send(target("tok-full", creds), content).get(30, TimeUnit.SECONDS);
        assertThat(r).isInstanceOf(PushResult.Sent.class);

        JsonNode m = fcm.messages().get(0).get("message");
        assertThat(m.get("token").asText()).isEqualTo("tok-full");
        assertThat(m.get("notification")).isEqualTo(EventCodec.mapper().readTree("""
                {"title":"Hi ada","body":"Your trial ends soon","image":"https://cdn.example.com/a.png"}"""));
        assertThat(m.get("data")).isEqualTo(EventCodec.mapper().readTree("""
                {"plan":"pro","seats":"5","nested":"{\\"a\\":1}","deliveryId":"d1","deepLink":"https://example.com/plans",
                 "imageUrl":"https://cdn.example.com/a.png",
                 "buttons":"[{\\"id\\":\\"upgrade\\",\\"label\\":\\"Upgrade\\"},{\\"id\\":\\"later\\",\\"label\\":\\"Later\\"}]"}"""));
        assertThat(m.get("android")).isEqualTo(EventCodec.mapper().readTree("""
                {"collapse_key":"trial","ttl":"3600s","priority":"NORMAL",
                 "notification":{"click_action":"OPEN_HERALD","image":"https://cdn.example.com/a.png","sound":"default",
                                 "tag":"trial","notification_count":3}}"""));
        long expiration = Instant.parse("2026-11-22T11:00:00Z").getEpochSecond();
        assertThat(m.get("apns")).isEqualTo(EventCodec.mapper().readTree("""
                {"headers":{"apns-collapse-id":"trial","apns-priority":"5","apns-expiration":"%d"},
                 "payload":{"aps":{"sound":"default","badge":3,"mutable-content":1,"category":"herald.upgrade.later",
                                   "thread-id":"trial","interruption-level":"passive"}},
                 "fcm_options":{"image":"https://cdn.example.com/a.png"}}""".formatted(expiration)));
        assertThat(m.get("webpush")).isEqualTo(EventCodec.mapper().readTree("""
                {"headers":{"TTL":"3600","Urgency":"normal"},"fcm_options":{"link":"https://example.com/plans"}}"""));
    }

    @Test
    void aMinimalMessageIsHighPriorityWithoutExpiryAndAnAppDeepLinkStaysInData() throws Exception {
        ObjectNode content = simple().put("deepLink", "app://plans");
        assertThat(send("tok-min", content)).isInstanceOf(PushResult.Sent.class);
        JsonNode m = fcm.messages().get(0).get("message");
        assertThat(m.get("notification")).isEqualTo(EventCodec.mapper().readTree("{\"title\":\"t\",\"body\":\"b\"}"));
        assertThat(m.get("data")).isEqualTo(EventCodec.mapper().readTree("{\"deliveryId\":\"d1\",\"deepLink\":\"app://plans\"}"));
        assertThat(m.get("android")).isEqualTo(EventCodec.mapper().readTree("{\"priority\":\"HIGH\"}"));
        assertThat(m.get("apns")).isEqualTo(EventCodec.mapper().readTree(
                "{\"headers\":{\"apns-priority\":\"10\"},\"payload\":{\"aps\":{}}}"));
        assertThat(m.get("webpush")).isEqualTo(EventCodec.mapper().readTree("{\"headers\":{\"Urgency\":\"high\"}}"));
    }

    @Test
    void fcmsAnswersMapToTokenGoneRejectionOrRetryHonoringRetryAfter() throws Exception {
        fcm.answer("gone", 404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null);
        fcm.answer("bad-token", 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token", null);
        fcm.answer("other-project", 403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch", null);
        fcm.answer("bad-payload", 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                "Invalid value at 'message.android.ttl'", null);
        fcm.answer("quota", 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded", "120");
        fcm.answer("down", 503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.",
                "Sun, 22 Nov 2026 10:05:00 GMT");
        fcm.answer("internal", 500, "INTERNAL", "INTERNAL", "Internal error", null);

        assertThat(send("gone", simple())).isEqualTo(new PushResult.TokenGone(
                "UNREGISTERED: Requested entity was not found."));
        assertThat(send("bad-token", simple())).isEqualTo(new PushResult.TokenGone(
                "INVALID_ARGUMENT: The registration token is not a valid FCM registration token"));
        assertThat(send("other-project", simple())).isEqualTo(new PushResult.TokenGone(
                "SENDER_ID_MISMATCH: SenderId mismatch"));
        assertThat(send("bad-payload", simple())).isEqualTo(new PushResult.Rejected(
                "INVALID_ARGUMENT: Invalid value at 'message.android.ttl'"));
        assertThat(send("quota", simple())).isEqualTo(new PushResult.Retry("QUOTA_EXCEEDED: Quota exceeded",
                Duration.ofSeconds(120)));
        assertThat(send("down", simple())).isEqualTo(new PushResult.Retry(
                "UNAVAILABLE: The service is currently unavailable.", Duration.ofMinutes(5)));
        assertThat(send("internal", simple())).isEqualTo(new PushResult.Retry("INTERNAL: Internal error", null));
    }

    @Test
    void aTokenFcmRefusesFailsTheDeliveryAndTheNextSendFetchesAFreshToken() throws Exception {
        fcm.answer("auth", 401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials.", null);
        PushResult r = send("auth", simple());
        assertThat(r).isInstanceOf(PushResult.Rejected.class);
        assertThat(((PushResult.Rejected) r).reason()).startsWith("fcm_auth_failed: UNAUTHENTICATED: Request had invalid");
        assertThat(send("fine", simple())).isInstanceOf(PushResult.Sent.class);
        assertThat(fcm.tokenRequests()).hasSize(2);
    }

    @Test
    void aTokenEndpointThatRefusesTheAccountFailsTheDeliveryWithInvalidCredentials() throws Exception {
        fcm.refuseTokens();
        PushResult r = send("tok", simple());
        assertThat(r).isInstanceOf(PushResult.Rejected.class);
        assertThat(((PushResult.Rejected) r).reason())
                .startsWith("invalid_credentials: the token endpoint refused the service account").contains("invalid_grant");
        assertThat(fcm.sendRequests()).isEmpty();
        assertThat(FcmProvider.verify(fcm.credentials())).contains("invalid_grant");
    }

    @Test
    void anUnreachableTokenEndpointOrFcmIsRetriedNotFailed() throws Exception {
        ObjectNode creds = fcm.credentials();
        ((ObjectNode) creds.get("serviceAccount")).put("token_uri", "http://127.0.0.1:1/token");
        PushResult r = provider.send(target("tok", creds), simple()).get(30, TimeUnit.SECONDS);
        assertThat(r).isInstanceOf(PushResult.Retry.class);
        assertThat(((PushResult.Retry) r).reason()).startsWith("fcm_token_unavailable");

        ObjectNode noFcm = fcm.credentials().put("baseUrl", "http://127.0.0.1:1");
        PushResult r2 = provider.send(target("tok", noFcm), simple()).get(30, TimeUnit.SECONDS);
        assertThat(r2).isInstanceOf(PushResult.Retry.class);
        assertThat(((PushResult.Retry) r2).reason()).startsWith("fcm_connection_failed");
    }

    @Test
    void aBare404FromSomethingElseAtTheBaseUrlDoesNotDisableTheDevice() throws Exception {
        ObjectNode creds = fcm.credentials().put("baseUrl", fcm.server().baseUrl() + "/elsewhere");
        PushResult r = provider.send(target("tok", creds), simple()).get(30, TimeUnit.SECONDS);
        assertThat(r).isInstanceOf(PushResult.Rejected.class);
        assertThat(((PushResult.Rejected) r).reason()).startsWith("http_404");
    }

    @Test
    void aServiceAccountWithOnlyTheFourRequiredFieldsWorks() throws Exception {
        ObjectNode creds = fcm.credentials();
        ((ObjectNode) creds.get("serviceAccount")).remove(java.util.List.of("type", "client_id", "private_key_id"));
        assertThat(provider.send(target("tok", creds), simple()).get(30, TimeUnit.SECONDS)).isInstanceOf(PushResult.Sent.class);
    }

    @Test
    void verifyFetchesATokenWithGoodCredentials() {
        assertThat(FcmProvider.verify(fcm.credentials())).isNull();
        assertThat(fcm.tokenRequests()).hasSize(1);
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        assertThat(FcmProvider.retryAfter("30", clock)).isEqualTo(Duration.ofSeconds(30));
        assertThat(FcmProvider.retryAfter("Sun, 22 Nov 2026 10:01:00 GMT", clock)).isEqualTo(Duration.ofMinutes(1));
        assertThat(FcmProvider.retryAfter("Sun, 22 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(FcmProvider.retryAfter("soon", clock)).isNull();
        assertThat(FcmProvider.retryAfter(null, clock)).isNull();
    }
}
