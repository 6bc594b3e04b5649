package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.testing.TestClock;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code herald segments create|watch} against a real Herald. The segment's computation runs when the test says
 * (as in the API tests), so what the command draws while it waits is deterministic.
 */
class SegmentsCommandTest {
    private static final String TRIAL = "{\"attribute\":\"plan\",\"op\":\"eq\",\"value\":\"trial\"}";

    @TempDir
    Path dir;

    private static final BooleanSupplier defaultTerminal = Main.terminal;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Map<String, String> env = new HashMap<>();
    private TestHerald h;

    @BeforeEach
    void start() {
        h = TestHerald.start(Engine.SQLITE, dir, TestClock.at("2026-11-22T12:00:00Z"));
        h.track("/v1/batch", """
                {"batch":[
                  {"type":"identify","userId":"u1","traits":{"plan":"trial"}},
                  {"type":"identify","userId":"u2","traits":{"plan":"trial"}},
                  {"type":"identify","userId":"u3","traits":{"plan":"pro"}},
                  {"type":"identify","anonymousId":"v1","traits":{"plan":"trial"}}]}""");
        h.process();
        Main.environment = () -> env;
        Main.terminal = () -> false;
    }

    @AfterEach
    void stop() {
        Main.environment = System::getenv;
        Main.stdin = () -> System.in;
        Main.terminal = defaultTerminal;
        h.close();
    }

    private int herald(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    /** Runs the command on a thread of its own, runs the computation once it has drawn "computing", and waits. */
    private int heraldWhileComputing(String... args) throws Exception {
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> herald(args));
        Instant deadline = Instant.now().plusSeconds(20);
        while (!out.toString().contains("computing")) {
            assertThat(Instant.now()).as("the command drew nothing; out: %s err: %s", out, err).isBefore(deadline);
            assertThat(exit.isDone()).as("the command ended early; out: %s err: %s", out, err).isFalse();
            Thread.sleep(10);
        }
        h.herald().segments().computations().runPending();
        return exit.get(20, TimeUnit.SECONDS);
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    private List<JsonNode> segments() {
        List<JsonNode> out = new java.util.ArrayList<>();
        h.admin("/api/v1/segments").json().path("data").forEach(out::add);
        return out;
    }

    @Test
    void createWithWaitPrintsTheIdThenALinePerChangeUntilReadyAndTheCount() throws Exception {
        Path condition = file("trial.json", TRIAL);

        int code = heraldWhileComputing("segments", "create", "--name", "Trial", "--condition", condition.toString(),
                "--url", h.baseUrl(), "--key", TestHerald.ADMIN_KEY, "--wait", "--interval", "0.02");

        assertThat(code).as(err.toString()).isZero();
        String id = segments().getFirst().path("id").asText();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.getFirst()).isEqualTo(id);
        assertThat(lines.get(1)).isEqualTo("computing [------------------------------]   0.0%  0/0 people");
        // The command may catch the computation between its steps (0/4 people): a line for each change, no repeats.
        assertThat(lines.subList(2, lines.size() - 2)).allSatisfy(l -> assertThat(l).startsWith("computing "));
        assertThat(lines).doesNotHaveDuplicates();
        assertThat(lines.subList(lines.size() - 2, lines.size())).containsExactly(
                "ready     [##############################] 100.0%  4/4 people",
                "ready: 3 people in Trial (" + id + ")");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void watchOnATerminalRedrawsTheBarInPlace() throws Exception {
        Main.terminal = () -> true;
        env.put("HERALD_ADMIN_KEY", TestHerald.ADMIN_KEY);
        String id = createdThroughTheApi();

        int code = heraldWhileComputing("segments", "watch", id, "--url", h.baseUrl(), "--interval", "0.02");

        assertThat(code).as(err.toString()).isZero();
        String drawn = out.toString();
        assertThat(drawn).startsWith("\rcomputing [------------------------------]   0.0%  0/0 people\r")
                .endsWith("\rready     [##############################] 100.0%  4/4 people\n"
                        + "ready: 3 people in Trial (" + id + ")\n");
        assertThat(drawn.chars().filter(c -> c == '\n').count()).as("every state drawn over the one before, on one line")
                .isEqualTo(2);
    }

    @Test
    void conditionComesFromStandardInputAndTheKeyFromTheEnvironment() {
        env.put("HERALD_ADMIN_KEY", TestHerald.ADMIN_KEY);
        Main.stdin = () -> new ByteArrayInputStream(TRIAL.getBytes(StandardCharsets.UTF_8));

        int code = herald("segments", "create", "--name", "Trial", "--description", "on a trial", "--condition", "-",
                "--url", h.baseUrl());

        assertThat(code).as(err.toString()).isZero();
        JsonNode s = segments().getFirst();
        assertThat(out.toString().strip()).isEqualTo(s.path("id").asText());
        assertThat(s.path("name").asText()).isEqualTo("Trial");
        assertThat(s.path("description").asText()).isEqualTo("on a trial");
        assertThat(s.path("condition").toString()).isEqualTo(TRIAL);
        assertThat(s.path("status").asText()).as("without --wait the command does not wait").isEqualTo("computing");
    }

    @Test
    void whatTheApiRefusesIsPrintedAsTheApisMessageWithExitCodeTwo() throws Exception {
        Path badOp = file("bad.json", "{\"and\":[" + TRIAL + ",{\"attribute\":\"plan\",\"op\":\"is\",\"value\":1}]}");
        String[] connection = {"--url", h.baseUrl(), "--key", TestHerald.ADMIN_KEY};

        assertThat(herald(concat(new String[] {"segments", "create", "--name", "x", "--condition", badOp.toString()},
                connection))).isEqualTo(2);
        assertThat(err.toString()).contains("herald: unknown op \"is\"");
        assertThat(herald(concat(new String[] {"segments", "watch", "seg_nope"}, connection))).isEqualTo(2);
        assertThat(err.toString()).contains("herald: segment seg_nope not found");
        assertThat(herald("segments", "watch", "seg_nope", "--url", h.baseUrl(), "--key", TestHerald.WRITE_KEY)).isEqualTo(2);
        assertThat(err.toString()).contains("herald: this API needs an admin key");
        assertThat(herald("segments", "watch", "seg_nope", "--url", h.baseUrl(), "--key", "ha_nope_000000000")).isEqualTo(2);
        assertThat(err.toString()).contains("herald: the key is not valid");
        assertThat(segments()).isEmpty();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void mistakesFoundBeforeAnyRequestExitWithCodeTwoAndASentence() throws Exception {
        Path notJson = file("not.json", "plan = trial");
        String url = h.baseUrl();

        assertThat(herald("segments", "create", "--name", "x", "--condition", file("ok.json", TRIAL).toString(), "--url", url))
                .isEqualTo(2);
        assertThat(err.toString()).contains("herald: no admin key: pass --key or set HERALD_ADMIN_KEY");
        env.put("HERALD_ADMIN_KEY", TestHerald.ADMIN_KEY);
        assertThat(herald("segments", "create", "--name", "x", "--condition", dir.resolve("missing.json").toString(),
                "--url", url)).isEqualTo(2);
        assertThat(err.toString()).contains("herald: --condition: no file");
        assertThat(herald("segments", "create", "--name", "x", "--condition", notJson.toString(), "--url", url)).isEqualTo(2);
        assertThat(err.toString()).contains("herald: --condition: " + notJson + " is not JSON");
        assertThat(herald("segments", "watch", "seg_x", "--url", "localhost:8080")).isEqualTo(2);
        assertThat(err.toString()).contains("herald: --url must start with http:// or https://");
        assertThat(herald("segments", "watch", "seg_x", "--url", url, "--interval", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--interval must be more than 0");
        assertThat(herald("segments", "create", "--condition", "-")).as("--name is required").isEqualTo(2);
        assertThat(segments()).isEmpty();
    }

    @Test
    void heraldThatCannotBeReachedExitsWithCodeOne() throws Exception {
        env.put("HERALD_ADMIN_KEY", TestHerald.ADMIN_KEY);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // free, and nothing listens there once closed
        }
        String closed = "http://127.0.0.1:" + port;

        assertThat(herald("segments", "watch", "seg_x", "--url", closed)).isEqualTo(1);

        assertThat(err.toString()).contains("herald: cannot reach Herald at " + closed);
    }

    private String createdThroughTheApi() {
        var a = h.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(h.baseUrl() + "/api/v1/segments"))
                .header("Authorization", "Bearer " + TestHerald.ADMIN_KEY).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"Trial\",\"condition\":" + TRIAL + "}")));
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.json().path("id").asText();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
