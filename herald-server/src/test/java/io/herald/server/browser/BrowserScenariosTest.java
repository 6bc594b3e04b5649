package io.herald.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.Config;
import io.herald.server.Herald;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6's real-browser scenarios: the demo site ({@code /demo}) played in Debian's Chromium by the Node suite in
 * {@code sdk/web/e2e} ({@code node --test}, Playwright's {@code playwright-core} driving {@code /usr/bin/chromium};
 * no browser is ever downloaded). This test starts a live Herald (processors, dispatcher and timers on their own
 * threads, a real port), seeds the demo's campaigns through the admin API, runs the suite against it, and fails with
 * the suite's output when a scenario fails.
 *
 * <p>SQLite only: the scenarios test the SDK, the client API and live delivery in a browser, which sit above the
 * store; every store path they use runs on PostgreSQL in its own tests, and a second engine would double the
 * suite's minute for nothing the browser can tell apart.
 *
 * <p>Needs {@code node}, {@code npm} and Chromium ({@code /usr/bin/chromium}, or {@code HERALD_CHROMIUM}); without
 * them it fails, saying what to install ({@code .ci/run} installs all three).
 */
class BrowserScenariosTest {
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SUITE_TIMEOUT = Duration.ofMinutes(4);
    private static final String CAMPAIGNS = "/io/herald/server/demo/campaigns.json";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theDemoScenariosPassInChromium() throws Exception {
        Path chromium = Path.of(Optional.ofNullable(System.getenv("HERALD_CHROMIUM")).orElse("/usr/bin/chromium"));
        Path node = onPath("node");
        Path npm = onPath("npm");
        assertThat(Files.isExecutable(chromium)).as("Chromium at %s runs the browser scenarios: install Debian's "
                + "chromium package (apt-get install chromium) or set HERALD_CHROMIUM", chromium).isTrue();
        assertThat(node).as("node on the PATH runs the browser scenarios: install Node.js 20 or newer").isNotNull();
        assertThat(npm).as("npm on the PATH installs the browser scenarios' driver: install npm").isNotNull();

        Path project = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .resolve("../sdk/web/e2e").normalize();
        assertThat(project.resolve("package-lock.json")).as("the browser scenarios' node project").exists();
        if (!driverInstalled(project)) {
            Run npmCi = run(List.of(npm.toString(), "ci", "--no-audit", "--no-fund"), project,
                    Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"), NPM_CI_TIMEOUT, dir.resolve("npm-ci.log"));
            assertThat(npmCi.exitCode()).as("npm ci in %s:%n%s", project, npmCi.output()).isZero();
            assertThat(driverInstalled(project)).as("playwright-core installed at the version package.json pins")
                    .isTrue();
        }

        Config config = new Config("127.0.0.1", 0, dir, TestDatabase.freshConfig(Engine.SQLITE, dir), 1,
                TestHerald.WRITE_KEY, TestHerald.ADMIN_KEY, TestHerald.IDENTITY_SECRET, false);
        // Live, as `herald serve` runs: messages must reach open pages by themselves, within a second.
        Herald herald = Herald.start(config, InstantSource.system(), true);
        try {
            String base = "http://127.0.0.1:" + herald.port();
            seedDemoCampaigns(base);
            Path artifacts = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                    .resolve("target/browser-scenarios");
            Run suite = run(List.of(node.toString(), "--test", "--test-reporter=spec", "--test-concurrency=1",
                            "scenarios/"), project,
                    Map.of("HERALD_URL", base, "HERALD_WRITE_KEY", TestHerald.WRITE_KEY,
                            "HERALD_ADMIN_KEY", TestHerald.ADMIN_KEY,
                            "HERALD_IDENTITY_SECRET", TestHerald.IDENTITY_SECRET,
                            "HERALD_CHROMIUM", chromium.toString(), "HERALD_E2E_ARTIFACTS", artifacts.toString()),
                    SUITE_TIMEOUT, dir.resolve("scenarios.log"));
            assertThat(suite.exitCode()).as("browser scenarios (node --test in %s) failed (screenshots in %s):%n%s",
                    project, artifacts, withoutStackFrames(suite.output())).isZero();
            System.out.println(suite.output()); // the per-scenario lines and the measured latency, in the build log
        } finally {
            herald.close();
        }
    }

    /** Node's report without its stack frames: the scenario, the assertion and its message are what tell. */
    private static String withoutStackFrames(String output) {
        return String.join("\n", output.lines().filter(l -> !l.stripLeading().startsWith("at ")).toList());
    }

    /** The demo's own campaigns (what `herald demo` creates), created and activated through the admin API. */
    private void seedDemoCampaigns(String base) throws IOException, InterruptedException {
        JsonNode campaigns;
        try (InputStream in = BrowserScenariosTest.class.getResourceAsStream(CAMPAIGNS)) {
            assertThat(in).as(CAMPAIGNS).isNotNull();
            campaigns = EventCodec.mapper().readTree(in);
        }
        for (JsonNode campaign : campaigns) {
            JsonNode created = admin(base, "/api/v1/campaigns", campaign.toString(), 201);
            admin(base, "/api/v1/campaigns/" + created.path("id").asText() + "/activate", "{}", 200);
        }
    }

    private JsonNode admin(String base, String path, String body, int expected) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TestHerald.ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(expected);
        return EventCodec.mapper().readTree(r.body());
    }

    /** True when node_modules holds playwright-core at exactly the version package.json pins. */
    private static boolean driverInstalled(Path project) throws IOException {
        Path installed = project.resolve("node_modules/playwright-core/package.json");
        if (!Files.exists(installed)) return false;
        String pinned = EventCodec.mapper().readTree(project.resolve("package.json").toFile())
                .path("devDependencies").path("playwright-core").asText();
        return pinned.equals(EventCodec.mapper().readTree(installed.toFile()).path("version").asText());
    }

    private static Path onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isBlank()) continue;
            Path candidate = Path.of(d, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs a command to completion (output into {@code log}), killing it and its children after {@code timeout}. */
    private static Run run(List<String> command, Path workDir, Map<String, String> env, Duration timeout, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // Chromium outlives its node parent otherwise
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
