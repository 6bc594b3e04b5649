package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.workspace.KeyKind;
import io.herald.workspace.Workspaces;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void restoreEnvironment() {
        Main.environment = System::getenv;
    }

    private int herald(String... args) {
        Main.environment = () -> Map.of("HERALD_DATA_DIR", dir.toString());
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void workspaceCreatePrintsKeysThatAuthenticateToTheNewWorkspace() {
        assertThat(herald("workspace", "create", "acme")).isZero();
        String printed = out.toString();
        String write = printed.lines().filter(l -> l.startsWith("write key")).findFirst().orElseThrow().split("\\s+")[2];

        assertThat(herald("key", "create", "--workspace", "acme", "--kind", "admin")).isZero();
        String admin = out.toString().lines().reduce((a, b) -> b).orElseThrow().trim();

        try (Database db = Database.open(DatabaseConfig.sqlite(dir.resolve("herald.db")))) {
            Workspaces ws = new Workspaces(db, InstantSource.system());
            String acme = ws.findByName("acme").orElseThrow().id();
            assertThat(ws.authenticate(write).orElseThrow().workspaceId()).isEqualTo(acme);
            assertThat(ws.authenticate(admin).orElseThrow().kind()).isEqualTo(KeyKind.ADMIN);
        }
    }

    @Test
    void mistakesExitWithCodeTwoAndASentence() {
        assertThat(herald("workspace", "create", "Not Valid")).isEqualTo(2);
        assertThat(err.toString()).contains("workspace name must be");
        assertThat(herald("key", "create", "--workspace", "missing", "--kind", "write")).isEqualTo(2);
        assertThat(err.toString()).contains("no workspace named 'missing'");
        assertThat(herald("key", "create", "--workspace", "missing", "--kind", "root")).isEqualTo(2);
        assertThat(err.toString()).contains("key kind must be 'write' or 'admin'");
    }

    private static String resource(String name) {
        try {
            return Path.of(MainTest.class.getResource("/simulation/" + name).toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void simulatePrintsEachPersonsPathAndDeliveriesWithNoServerOrStore() throws Exception {
        assertThat(herald("simulate", "-f", resource("upgrade-prompt.json"), "--timeline",
                resource("upgrade-prompt-timeline.json"))).as(err.toString()).isZero();
        String report = out.toString();

        assertThat(report).startsWith("Usage-limit upgrade prompt (cmp_simulated), 2026-11-22T10:00:00Z to 2026-11-23T13:00:00Z");
        assertThat(report).contains("""
                ana
                  run 1 (version 1): completed
                    2026-11-22T10:00:00Z  prompt   entered  event limit_reached""");
        assertThat(report).containsPattern("2026-11-23T10:00:00Z  push     queued   push delivery dlv_\\w+\n");
        assertThat(report).contains(String.join("\n",
                "    2026-11-23T10:00:00Z  done     exit",
                "  not entered",
                "    2026-11-22T13:00:00Z  already in a run of the campaign (at step wait)",
                "  deliveries",
                "    2026-11-22T10:00:00Z  prompt  in_app  {\"title\":\"You hit the contacts limit\"}",
                "    2026-11-23T10:00:00Z  push    push    {\"title\":\"Upgrade for unlimited contacts\"}"));
        assertThat(report).contains("run 1 (version 1): exited (converted), converted 2026-11-22T12:00:00Z");
        assertThat(report).contains("""
                cleo
                  not entered
                    2026-11-22T10:00:00Z  not in the campaign's audience""");
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files).as("no store was made in the data directory").isEmpty();
        }
    }

    @Test
    void simulateWithJsonPrintsWhatTheApiAnswers() throws Exception {
        assertThat(herald("simulate", "-f", resource("upgrade-prompt.json"), "--timeline",
                resource("upgrade-prompt-timeline.json"), "--until", "P3D", "--json")).as(err.toString()).isZero();
        var result = io.herald.event.EventCodec.mapper().readTree(out.toString());
        assertThat(result.path("until").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(result.path("people").get(0).path("userId").asText()).isEqualTo("ana");
        assertThat(result.path("people").get(0).path("deliveries")).hasSize(2);
        assertThat(result.path("people").get(2).path("refused").get(0).path("reason").asText())
                .isEqualTo("not in the campaign's audience");
    }

    @Test
    void simulateMistakesExitWithCodeTwoNamingTheField() throws Exception {
        Path timeline = dir.resolve("timeline.json");
        java.nio.file.Files.writeString(timeline, "[{\"at\":\"+PT1M\",\"userId\":\"u\",\"type\":\"track\",\"event\":\"e\"},"
                + "{\"at\":\"tomorrow\",\"userId\":\"u\",\"type\":\"track\",\"event\":\"e\"}]");
        assertThat(herald("simulate", "-f", resource("upgrade-prompt.json"), "--timeline", timeline.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("[timeline[1].at]");

        Path campaign = dir.resolve("campaign.json");
        java.nio.file.Files.writeString(campaign, java.nio.file.Files.readString(Path.of(resource("upgrade-prompt.json")))
                .replace("\"onTimeout\": \"push_on\"", "\"onTimeout\": \"push_off\""));
        assertThat(herald("simulate", "-f", campaign.toString(), "--timeline", resource("upgrade-prompt-timeline.json")))
                .isEqualTo(2);
        assertThat(err.toString()).contains("steps.wait.onTimeout names unknown step 'push_off'");

        assertThat(herald("simulate", "-f", dir.resolve("missing.json").toString(), "--timeline", timeline.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("-f: no such file");
    }
}
