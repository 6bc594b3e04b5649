package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.credential.MasterKey;
import io.herald.store.DatabaseConfig;
import io.herald.testing.TestClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where Herald's master key comes from at start-up, and what happens when it is wrong. */
class MasterKeyStartupTest {
    private static final String ADMIN = "ha_master_key_admin_0123456789";
    private static final String SMS = "{\"accountSid\":\"AC1\",\"authToken\":\"token-abcdef-1234\",\"from\":\"+4915112345678\"}";

    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-23T01:00:00Z");

    private Config config(String secretKey, String publicUrl) {
        return new Config("127.0.0.1", 0, dir, DatabaseConfig.sqlite(dir.resolve("herald.db")), 1,
                "hw_master_key_write_0123456789", ADMIN, null, false, secretKey, publicUrl);
    }

    private static HttpResponse<String> send(Herald h, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.port() + path))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theEnvironmentsKeyMustBeBase64OfThirtyTwoBytes() {
        String good = Base64.getEncoder().encodeToString(new byte[32]);
        assertThat(Config.fromEnvironment(Map.of("HERALD_SECRET_KEY", good)).secretKey()).isEqualTo(good);
        assertThat(Config.fromEnvironment(Map.of()).secretKey()).isNull();
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_SECRET_KEY", "hunter2")))
                .isInstanceOf(Config.Invalid.class).hasMessageContaining("HERALD_SECRET_KEY")
                .hasMessageContaining("32").hasMessageContaining("openssl rand -base64 32");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_SECRET_KEY",
                Base64.getEncoder().encodeToString(new byte[24])))).isInstanceOf(Config.Invalid.class)
                .hasMessageContaining("24 bytes");
    }

    @Test
    void thePublicUrlIsAnHttpBaseWithoutTrailingSlash() {
        assertThat(Config.fromEnvironment(Map.of("HERALD_PUBLIC_URL", "https://herald.example.com/")).publicUrl())
                .isEqualTo("https://herald.example.com");
        assertThat(Config.fromEnvironment(Map.of()).publicUrl()).isNull();
        for (String bad : new String[] {"herald.example.com", "ftp://x", "https://x/?a=1", "https://"}) {
            assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_PUBLIC_URL", bad))).as(bad)
                    .isInstanceOf(Config.Invalid.class).hasMessageContaining("HERALD_PUBLIC_URL");
        }
    }

    @Test
    void aGeneratedKeyIsKeptInTheDataDirectoryAndCredentialsSurviveARestart() throws Exception {
        String wsId;
        try (Herald h = Herald.start(config(null, "https://herald.example.com"), clock, false)) {
            assertThat(send(h, "PUT", "/api/v1/channels/sms", SMS).statusCode()).isEqualTo(200);
            wsId = h.bootstrapped().orElseThrow().workspace().id();
            assertThat(h.links().forDelivery(wsId, "p", "d", "email", null).get("unsubscribeUrl"))
                    .startsWith("https://herald.example.com/u/");
        }
        Path file = dir.resolve("secret.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (Herald h = Herald.start(config(null, null), clock, false)) {
            assertThat(h.credentials().get(wsId, "sms").orElseThrow().path("authToken").asText())
                    .isEqualTo("token-abcdef-1234");
            assertThat(h.links().forDelivery(wsId, "p", "d", "email", null).get("preferencesUrl"))
                    .startsWith("http://localhost:" + h.port() + "/preferences/");
        }
        // the same key given in the environment works as well
        String key = Files.readString(file).trim();
        try (Herald h = Herald.start(config(key, null), clock, false)) {
            assertThat(h.credentials().get(wsId, "sms")).isPresent();
        }
    }

    @Test
    void aKeyFileOthersCanReadStopsStartUpWithTheRemedy() throws Exception {
        Herald.start(config(null, null), clock, false).close();
        Files.setPosixFilePermissions(dir.resolve("secret.key"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Herald.start(config(null, null), clock, false))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining("chmod 600");
    }

    @Test
    void anotherMasterKeyAnswersAClearServerErrorAndNeverTheSecret() throws Exception {
        try (Herald h = Herald.start(config(null, null), clock, false)) {
            assertThat(send(h, "PUT", "/api/v1/channels/sms", SMS).statusCode()).isEqualTo(200);
        }
        String other = MasterKey.generate(new SecureRandom()).toBase64();
        try (Herald h = Herald.start(config(other, null), clock, false)) {
            HttpResponse<String> r = send(h, "GET", "/api/v1/channels/sms", null);
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("credentials_unreadable").contains("master key").doesNotContain("token-abcdef");
            // keeping a masked secret needs the old key; setting them again in full is the way out
            assertThat(send(h, "PUT", "/api/v1/channels/sms", SMS.replace("token-abcdef-1234", "••••1234"))
                    .statusCode()).isEqualTo(500);
            assertThat(send(h, "PUT", "/api/v1/channels/sms", SMS).statusCode()).isEqualTo(200);
            assertThat(send(h, "GET", "/api/v1/channels/sms", null).statusCode()).isEqualTo(200);
            assertThat(send(h, "DELETE", "/api/v1/channels/sms", null).statusCode()).isEqualTo(204);
        }
    }
}
