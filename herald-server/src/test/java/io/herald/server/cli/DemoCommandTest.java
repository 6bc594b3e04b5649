package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.store.DatabaseConfig;
import io.herald.workspace.Secrets;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald demo} against a running Herald sharing its data directory, as a user runs it after {@code ./herald}.
 * SQLite only: the command reaches the store through {@code Workspaces} and the rest through the admin API, both
 * covered on PostgreSQL by their own tests.
 */
class DemoCommandTest {
    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();
    private Herald herald;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        Main.environment = System::getenv;
        if (herald != null) herald.close();
    }

    private String startHerald() {
        Config config = new Config("127.0.0.1", 0, dir, DatabaseConfig.sqlite(dir.resolve("herald.db")), 1, null, null,
                null, false);
        herald = Herald.start(config, InstantSource.system(), false);
        return "http://127.0.0.1:" + herald.port();
    }

    private int herald(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        Main.environment = () -> Map.of("HERALD_DATA_DIR", dir.toString());
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private String printed(String label) {
        Matcher m = Pattern.compile("(?m)^\\s*" + label + "\\s+(\\S+)$").matcher(out.toString());
        assertThat(m.find()).as("'%s' in:%n%s", label, out).isTrue();
        return m.group(1);
    }

    @Test
    void demoCreatesTheWorkspaceItsActiveCampaignsAndPrintsAUrlSignedInAsAVerifiedUser() throws Exception {
        String base = startHerald();

        assertThat(herald("demo", "--url", base, "--user", "ada")).as(err.toString()).isZero();

        String admin = printed("admin key");
        String write = printed("write key");
        String secret = printed("identity secret");
        JsonNode campaigns = get(base + "/api/v1/campaigns?limit=1000", admin).path("data");
        assertThat(keysAndStatuses(campaigns)).containsExactlyInAnyOrderElementsOf(
                expected(DemoCommand.campaigns(), "active"));
        assertThat(get(base + "/api/v1/settings/identity", admin).path("secret").asText()).isEqualTo(secret);
        assertThat(out.toString()).contains(base + "/demo?writeKey=" + write + "&userId=ada&userHash="
                + Secrets.hmacSha256Hex(secret, "ada"));
        assertThat(herald.workspaces().findByName("demo")).isPresent();
    }

    @Test
    void runningItAgainGivesNewKeysAndLeavesTheCampaignsAsTheyAre() throws Exception {
        String base = startHerald();
        assertThat(herald("demo", "--url", base)).as(err.toString()).isZero();
        String firstAdmin = printed("admin key");
        String firstSecret = printed("identity secret");

        assertThat(herald("demo", "--url", base)).as(err.toString()).isZero();

        assertThat(out.toString()).contains("(0 created now)");
        String admin = printed("admin key");
        assertThat(admin).isNotEqualTo(firstAdmin);
        assertThat(printed("identity secret")).isEqualTo(firstSecret);
        assertThat(get(base + "/api/v1/campaigns?limit=1000", admin).path("data"))
                .hasSize(DemoCommand.campaigns().size());
        assertThat(get(base + "/api/v1/campaigns?limit=1000", firstAdmin).path("data")).isNotEmpty();
    }

    @Test
    void withoutARunningHeraldItSaysToStartOneAndCreatesNothing() {
        assertThat(herald("demo", "--url", "http://127.0.0.1:9")).isEqualTo(1);

        assertThat(err.toString()).contains("cannot reach Herald at http://127.0.0.1:9").contains("./herald");
        startHerald();
        assertThat(herald.workspaces().findByName("demo")).isEmpty();
    }

    private JsonNode get(String url, String adminKey) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + adminKey).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return EventCodec.mapper().readTree(r.body());
    }

    private static List<String> keysAndStatuses(JsonNode campaigns) {
        List<String> out = new ArrayList<>();
        campaigns.forEach(c -> out.add(c.path("key").asText() + "=" + c.path("status").asText()));
        return out;
    }

    private static List<String> expected(JsonNode campaigns, String status) {
        List<String> out = new ArrayList<>();
        campaigns.forEach(c -> out.add(c.path("key").asText() + "=" + status));
        return out;
    }
}
