package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.testing.TestClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Web Push encryption against RFC 8291's worked example, and VAPID tokens as a push service checks them. */
class WebPushCryptoTest {
    // RFC 8291 Appendix A (and §5): inputs, the intermediate values, and the encrypted body.
    private static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    private static final String AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    private static final String UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    private static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    private static final String ECDH = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
    private static final String PRK_KEY = "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k";
    private static final String IKM = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg";
    private static final String PRK = "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc";
    private static final String CEK = "oIhVW04MRdy2XN9CiKLxTg";
    private static final String NONCE = "4h_95klXJ5E_qnoN";
    private static final String HEADER = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocI"
            + "nmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private static final String CIPHERTEXT = "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrdirN6GcG7sFz1y1sqLgVi1VhjVkHsUoEsbI_0LpXMuGvnzQ";

    private static byte[] b(String s) {
        return WebPushCrypto.fromBase64url(s);
    }

    private static String s(byte[] b) {
        return WebPushCrypto.base64url(b);
    }

    private static KeyPair rfcApplicationServerKeys() {
        return new KeyPair(WebPushCrypto.publicKey(b(AS_PUBLIC)), WebPushCrypto.privateKey(b(AS_PRIVATE)));
    }

    @Test
    void theKeyDerivationReproducesEveryIntermediateValueOfRfc8291AppendixA() {
        WebPushCrypto.Derived k = WebPushCrypto.derive(b(UA_PUBLIC), b(AUTH), WebPushCrypto.privateKey(b(AS_PRIVATE)),
                b(AS_PUBLIC), b(SALT));
        assertThat(s(k.ecdhSecret())).isEqualTo(ECDH);
        assertThat(s(k.prkKey())).isEqualTo(PRK_KEY);
        assertThat(s(k.ikm())).isEqualTo(IKM);
        assertThat(s(k.prk())).isEqualTo(PRK);
        assertThat(s(k.cek())).isEqualTo(CEK);
        assertThat(s(k.nonce())).isEqualTo(NONCE);
    }

    @Test
    void encryptingTheRfcPlaintextWithItsEphemeralKeyAndSaltGivesTheRfcBodyByteForByte() {
        byte[] body = WebPushCrypto.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8), b(UA_PUBLIC), b(AUTH),
                rfcApplicationServerKeys(), b(SALT));
        assertThat(s(Arrays.copyOf(body, 86))).isEqualTo(HEADER);
        assertThat(s(Arrays.copyOfRange(body, 86, body.length))).isEqualTo(CIPHERTEXT);
        assertThat(body).isEqualTo(concat(b(HEADER), b(CIPHERTEXT)));
    }

    @Test
    void theRfcReceiverDecryptsWhatHeraldEncryptsWithFreshKeys() {
        byte[] text = "{\"title\":\"Hi\",\"body\":\"ünïcödé\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = WebPushCrypto.encrypt(text, b(UA_PUBLIC), b(AUTH));
        assertThat(Arrays.copyOf(body, 16)).isNotEqualTo(b(SALT)); // a fresh salt
        assertThat(TestPushService.decrypt(body, WebPushCrypto.privateKey(b(UA_PRIVATE)), b(UA_PUBLIC), b(AUTH)))
                .isEqualTo(text);
        assertThat(WebPushCrypto.encrypt(text, b(UA_PUBLIC), b(AUTH))).isNotEqualTo(body);
    }

    @Test
    void aPlaintextFillingTheFourKilobyteBodyEncryptsAndOneByteMoreIsRefused() {
        byte[] max = new byte[WebPushCrypto.MAX_PLAINTEXT];
        assertThat(WebPushCrypto.MAX_PLAINTEXT).isEqualTo(3993);
        assertThat(WebPushCrypto.encrypt(max, b(UA_PUBLIC), b(AUTH))).hasSize(4096);
        assertThatThrownBy(() -> WebPushCrypto.encrypt(new byte[3994], b(UA_PUBLIC), b(AUTH)))
                .hasMessageContaining("at most 3993");
    }

    @Test
    void aSubscriptionKeyOffTheCurveIsRefusedBeforeAnyKeyAgreement() {
        byte[] off = b(UA_PUBLIC);
        off[64] ^= 1;
        assertThatThrownBy(() -> WebPushCrypto.publicKey(off)).hasMessageContaining("not on the P-256 curve");
        assertThatThrownBy(() -> WebPushCrypto.encrypt(new byte[1], off, b(AUTH)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theVapidTokenIsAnEs256JwtWithRawSignatureForThePushServiceOrigin() throws Exception {
        KeyPair kp = WebPushCrypto.generate();
        String pub = s(WebPushCrypto.point((ECPublicKey) kp.getPublic()));
        TestClock clock = TestClock.at("2026-11-23T04:00:00Z");
        Vapid vapid = new Vapid("mailto:ops@example.com", (ECPrivateKey) kp.getPrivate(), pub, clock);
        String header = vapid.authorization(URI.create("https://fcm.googleapis.com/fcm/send/abc:def"));
        assertThat(header).startsWith("vapid t=").endsWith(", k=" + pub);
        String[] jwt = header.substring(8, header.indexOf(',')).split("\\.");
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(Base64.getUrlDecoder().decode(jwt[0])).path("alg").asText()).isEqualTo("ES256");
        JsonNode claims = json.readTree(Base64.getUrlDecoder().decode(jwt[1]));
        assertThat(claims.path("aud").asText()).isEqualTo("https://fcm.googleapis.com");
        assertThat(claims.path("sub").asText()).isEqualTo("mailto:ops@example.com");
        assertThat(claims.path("exp").asLong()).isEqualTo(clock.instant().plus(Vapid.VALIDITY).getEpochSecond());
        byte[] raw = Base64.getUrlDecoder().decode(jwt[2]);
        assertThat(raw).hasSize(64);
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(kp.getPublic());
        v.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(v.verify(TestPushService.der(raw))).isTrue();
    }

    @Test
    void theVapidTokenIsSignedOncePerAudienceAndRenewedAnHourBeforeItExpires() {
        KeyPair kp = WebPushCrypto.generate();
        TestClock clock = TestClock.at("2026-11-23T04:00:00Z");
        Vapid vapid = new Vapid("mailto:ops@example.com", (ECPrivateKey) kp.getPrivate(), "k", clock);
        URI fcm = URI.create("https://fcm.googleapis.com/fcm/send/one");
        String first = vapid.authorization(fcm);
        // ECDSA signatures are randomized: an equal header means the cached one.
        assertThat(vapid.authorization(URI.create("https://fcm.googleapis.com/fcm/send/two"))).isEqualTo(first);
        assertThat(vapid.authorization(URI.create("https://updates.push.services.mozilla.com/wpush/v2/x")))
                .isNotEqualTo(first);
        clock.advance(Vapid.VALIDITY.minus(Vapid.RENEW_BEFORE).minusSeconds(1));
        assertThat(vapid.authorization(fcm)).isEqualTo(first);
        clock.advance(Duration.ofSeconds(1));
        assertThat(vapid.authorization(fcm)).isNotEqualTo(first);
    }

    @Test
    void theAudienceIsTheEndpointsOriginWithANonDefaultPortOnly() {
        assertThat(Vapid.audience(URI.create("https://Push.Example.com:443/a/b?c"))).isEqualTo("https://push.example.com");
        assertThat(Vapid.audience(URI.create("http://127.0.0.1:8123/push/x"))).isEqualTo("http://127.0.0.1:8123");
    }

    @Test
    void aCollapseKeyBecomesATopicOfAtMost32Base64urlCharactersAndEqualKeysStayEqual() {
        assertThat(WebPushProvider.topic("trial_ends-1")).isEqualTo("trial_ends-1");
        String t = WebPushProvider.topic("order #42 shipped – track it");
        assertThat(t).hasSize(32).matches("[A-Za-z0-9_-]+").isEqualTo(WebPushProvider.topic("order #42 shipped – track it"));
        assertThat(WebPushProvider.topic("x".repeat(33))).hasSize(32).isNotEqualTo("x".repeat(32));
    }

    private static byte[] concat(byte[] a, byte[] c) {
        byte[] out = Arrays.copyOf(a, a.length + c.length);
        System.arraycopy(c, 0, out, a.length, c.length);
        return out;
    }
}
