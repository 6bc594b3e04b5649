package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.error.ClientError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A web push device token is checked as a PushSubscription Herald can encrypt for and may POST to. */
class WebPushSubscriptionTest {
    private static final String P256DH = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    private String saved;

    @BeforeEach
    void strict() {
        saved = System.getProperty(WebPushSubscription.ALLOW_HTTP_PROPERTY);
        System.setProperty(WebPushSubscription.ALLOW_HTTP_PROPERTY, "false");
    }

    @AfterEach
    void restore() {
        if (saved == null) System.clearProperty(WebPushSubscription.ALLOW_HTTP_PROPERTY);
        else System.setProperty(WebPushSubscription.ALLOW_HTTP_PROPERTY, saved);
    }

    private static WebPushSubscription parse(String endpoint) {
        return WebPushSubscription.parse("{\"endpoint\":\"" + endpoint + "\",\"keys\":{\"p256dh\":\"" + P256DH
                + "\",\"auth\":\"" + AUTH + "=\"}}", "token");
    }

    private static void refusedEndpoint(String endpoint) {
        assertThatThrownBy(() -> parse(endpoint)).as(endpoint).isInstanceOfSatisfying(ClientError.class,
                e -> assertThat(e.field()).isEqualTo("token.endpoint"));
    }

    @Test
    void aBrowsersSubscriptionIsReadWithPaddedOrUnpaddedKeys() {
        WebPushSubscription s = parse("https://fcm.googleapis.com/fcm/send/abc:def");
        assertThat(s.endpoint().getHost()).isEqualTo("fcm.googleapis.com");
        assertThat(s.p256dh()).hasSize(65);
        assertThat(s.auth()).hasSize(16);
    }

    @Test
    void endpointsInsideHeraldsNetworkOrOverPlainHttpAreRefusedUnlessTheOperatorAllowsThem() {
        for (String e : new String[] {"http://push.example.com/x", "https://localhost/x", "https://127.0.0.1/x",
                "https://10.1.2.3/x", "https://192.168.0.9:8443/x", "https://169.254.169.254/latest", "https://[::1]/x",
                "https://[fd00::1]/x", "https://0.0.0.0/x", "https://metadata.google.internal/x"}) {
            refusedEndpoint(e);
        }
        System.setProperty(WebPushSubscription.ALLOW_HTTP_PROPERTY, "true");
        assertThat(parse("http://127.0.0.1:8080/push/1").endpoint().getPort()).isEqualTo(8080);
    }
}
