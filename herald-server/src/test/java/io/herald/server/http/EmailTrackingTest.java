package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import jakarta.mail.Multipart;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Email end to end through the server: smtp credentials set with the admin API, a test-send reaching GreenMail, and
 * its open pixel and tracked link recording opened and clicked; then garbage and tampered tracking tokens (404, never
 * 500, never a redirect).
 */
class EmailTrackingTest {
    @RegisterExtension
    static GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("mailer", "s3cret"));

    @TempDir
    Path dir;

    private TestHerald withAda(Engine engine) {
        TestHerald h = TestHerald.start(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"name\":\"Ada\",\"email\":\"ada@example.com\"}}");
        h.process();
        TestHerald.Answer put = Api.admin(h, "PUT", "/api/v1/channels/smtp", "{\"host\":\"127.0.0.1\",\"port\":"
                + smtp.getSmtp().getPort() + ",\"tls\":\"none\",\"username\":\"mailer\",\"password\":\"s3cret\","
                + "\"from\":\"hello@herald.example.com\"}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        return h;
    }

    private static TestHerald.Answer get(TestHerald h, String pathOrUrl) {
        String url = pathOrUrl.startsWith("http") ? pathOrUrl : h.baseUrl() + pathOrUrl;
        return h.send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private static String status(TestHerald h, String userId) {
        return Api.admin(h, "GET", "/api/v1/people/" + userId + "/deliveries", null).json().path("data").path(0)
                .path("status").asText();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theOpenPixelAndTheTrackedLinkOfASentEmailRecordOpenedAndClicked(Engine engine) throws Exception {
        try (TestHerald h = withAda(engine)) {
            TestHerald.Answer a = Api.admin(h, "POST", "/api/v1/messages/test-send", "{\"channel\":\"email\",\"userId\":"
                    + "\"ada\",\"message\":{\"subject\":\"Hi {{ person.name }}\",\"html\":\"<p>Go <a href=\\\"https://"
                    + "example.com/go?x=1\\\">there</a></p>\"}}");
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().path("status").asText()).as(a.body()).isEqualTo("sent");
            assertThat(smtp.getReceivedMessages()).hasSize(1);
            assertThat(smtp.getReceivedMessages()[0].getSubject()).isEqualTo("Hi Ada");
            String html = (String) ((Multipart) smtp.getReceivedMessages()[0].getContent()).getBodyPart(1).getContent();

            Matcher pixel = Pattern.compile("src=\"([^\"]+/t/o/[^\"]+\\.gif)\"").matcher(html);
            assertThat(pixel.find()).as(html).isTrue();
            TestHerald.Answer open = get(h, pixel.group(1));
            assertThat(open.status()).isEqualTo(200);
            assertThat(open.response().headers().firstValue("Content-Type").orElse("")).startsWith("image/gif");
            assertThat(status(h, "ada")).isEqualTo("opened");

            Matcher click = Pattern.compile("href=\"([^\"]+/t/c/[^\"]+)\"").matcher(html);
            assertThat(click.find()).as(html).isTrue();
            TestHerald.Answer go = get(h, click.group(1));
            assertThat(go.status()).isEqualTo(302);
            assertThat(go.response().headers().firstValue("Location")).contains("https://example.com/go?x=1");
            assertThat(status(h, "ada")).isEqualTo("clicked");
            assertThat(get(h, pixel.group(1)).status()).isEqualTo(200);
            assertThat(status(h, "ada")).isEqualTo("clicked"); // never back

            h.process();
            List<String> events = new ArrayList<>();
            for (JsonNode e : Api.events(h, "ada")) events.add(e.path("event").asText());
            assertThat(events).contains("message.sent", "message.opened", "message.clicked");

            // A click token is no pixel and a pixel token no link.
            String clickToken = click.group(1).substring(click.group(1).indexOf("/t/c/") + 5);
            String pixelToken = pixel.group(1).substring(pixel.group(1).indexOf("/t/o/") + 5);
            assertThat(get(h, "/t/o/" + clickToken + ".gif").status()).isEqualTo(404);
            assertThat(get(h, "/t/c/" + pixelToken.replace(".gif", "")).status()).isEqualTo(404);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void garbageAndTamperedTrackingTokensAreNotFoundNeverAServerErrorOrARedirect(Engine engine) {
        try (TestHerald h = withAda(engine)) {
            List<String> tokens = List.of("x", "x.gif", ".", "..gif", "a.b", "a.b.c.gif", "%00", "%2e%2e%2f",
                    "eyJ3IjoiZXZpbCJ9.AAAA", "eyJ3IjoiZXZpbCJ9.AAAA.gif", "A".repeat(9000), "A".repeat(9000) + ".gif",
                    "%F0%9F%98%80", "eyJ1IjoiaHR0cHM6Ly9ldmlsLmV4YW1wbGUifQ.");
            for (String t : tokens) {
                for (String route : List.of("/t/o/", "/t/c/")) {
                    TestHerald.Answer a = get(h, route + t);
                    assertThat(a.status()).as(route + t).isIn(400, 404, 414, 431);
                    assertThat(a.response().headers().firstValue("Location")).as(route + t).isEmpty();
                    assertThat(a.json().path("error").isMissingNode()).as(route + t + " " + a.body()).isFalse();
                }
            }
            assertThat(status(h, "ada")).isEmpty(); // nothing sent, nothing recorded
        }
    }
}
