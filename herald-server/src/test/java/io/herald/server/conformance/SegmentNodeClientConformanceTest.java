package io.herald.server.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.conformance.SegmentScenario.Call;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Segment's own Node.js client (@segment/analytics-node), unchanged except for its host, works against Herald.
 * The client runs in a real Node process: {@code src/test/node/segment-conformance/send.mjs} sends the scenario's
 * calls and exits non-zero unless every one was delivered; this test then checks what Herald stored.
 *
 * <p>Needs {@code node} and {@code npm} on the PATH (the first run installs the pinned client with {@code npm ci}).
 * Without them the test is skipped, except under CI (CI=true), where that is a failure.
 */
class SegmentNodeClientConformanceTest {
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private static Path project;
    private static Path node;

    @TempDir
    Path dir;

    @BeforeAll
    static void installTheClient(@TempDir Path logs) throws IOException, InterruptedException {
        Optional<Path> nodeOnPath = onPath("node");
        Optional<Path> npmOnPath = onPath("npm");
        if (nodeOnPath.isEmpty() || npmOnPath.isEmpty()) {
            String message = "node and npm must be on the PATH to run the @segment/analytics-node conformance test "
                    + "(found node: " + nodeOnPath.isPresent() + ", npm: " + npmOnPath.isPresent() + "); install "
                    + "Node.js 20 or newer";
            if ("true".equals(System.getenv("CI"))) throw new IllegalStateException(message);
            Assumptions.abort(message);
        }
        node = nodeOnPath.get();
        project = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .resolve("src/test/node/segment-conformance");
        assertThat(project.resolve("package-lock.json")).as("the node conformance project").exists();
        if (!clientInstalled()) {
            Run npmCi = run(List.of(npmOnPath.get().toString(), "ci", "--no-audit", "--no-fund"), project,
                    NPM_CI_TIMEOUT, logs.resolve("npm-ci.log"));
            assertThat(npmCi.exitCode()).as("npm ci in %s:%n%s", project, npmCi.output()).isZero();
            assertThat(clientInstalled()).as("@segment/analytics-node installed at the version package.json pins")
                    .isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyCallOfTheSegmentNodeClientIsStoredExactlyOnce(Engine engine) throws IOException, InterruptedException {
        List<Call> calls = SegmentScenario.calls("node");
        Path callsFile = Files.writeString(dir.resolve("calls.json"), SegmentScenario.toJson(calls));
        try (TestHerald h = TestHerald.start(engine, dir, InstantSource.system())) {
            Instant sentFrom = Instant.now();
            Run send = run(List.of(node.toString(), "send.mjs", h.baseUrl(), TestHerald.WRITE_KEY,
                    callsFile.toString()), project, SEND_TIMEOUT, dir.resolve("send.log"));
            assertThat(send.exitCode()).as("node send.mjs:%n%s", send.output()).isZero();

            h.process();

            SegmentScenario.assertEachCallStoredOnce(h, calls, sentFrom);
        }
    }

    /** True when node_modules holds the client at exactly the version package.json pins. */
    private static boolean clientInstalled() throws IOException {
        Path installed = project.resolve("node_modules/@segment/analytics-node/package.json");
        if (!Files.exists(installed)) return false;
        JsonNode pinned = EventCodec.mapper().readTree(project.resolve("package.json").toFile())
                .path("dependencies").path("@segment/analytics-node");
        return pinned.asText().equals(EventCodec.mapper().readTree(installed.toFile()).path("version").asText());
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String d : path.split(File.pathSeparator)) {
            if (d.isBlank()) continue;
            Path candidate = Path.of(d, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    private record Run(int exitCode, String output) {
    }

    /** Runs a command to completion (stdout and stderr into {@code log}), killing it after {@code timeout}. */
    private static Run run(List<String> command, Path workDir, Duration timeout, Path log)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
