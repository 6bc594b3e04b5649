package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Campaigns as code: {@code herald apply} and {@code herald export} against a started Herald. */
class ApplyExportTest {
    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();
    private TestHerald herald;

    @AfterEach
    void stop() {
        Main.environment = System::getenv;
        if (herald != null) herald.close();
    }

    private TestHerald start(Engine engine) {
        herald = TestHerald.start(engine, dir.resolve("store"), InstantSource.system());
        return herald;
    }

    /** Runs the command line with the admin key in HERALD_ADMIN_KEY, as an operator would. */
    private int herald(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        Main.environment = () -> Map.of("HERALD_ADMIN_KEY", TestHerald.ADMIN_KEY);
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", herald.baseUrl()));
        int code = Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        // Into the test's report: a run that failed where it should not (rarely, in the full suite, at the first
        // call) says why there, since most assertions check only the exit code.
        if (code != 0) System.err.println("herald " + String.join(" ", args) + " exited " + code + ": " + err);
        return code;
    }

    private List<String> lines() {
        return out.toString().lines().toList();
    }

    private static void write(Path root, String file, String text) {
        try {
            Path p = root.resolve(file);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static final String ONBOARDING = """
            kind: campaign
            key: onboarding
            name: Power-user onboarding
            status: active
            trigger:
              segmentEntered: key:power-users
            audience:
              subscribed: {channel: push, topic: product_tips}
            start: s1
            steps:
              s1:
                type: message
                channel: push
                message: {title: "Hi {{ person.name }}", body: "You are a power user"}
                next: wait
              wait: {type: delay, until: "09:00", next: done}
              done: {type: exit}
            """;

    /** A directory of files: a topic, two segments (one built on the other), an active and two draft campaigns. */
    private Path files() {
        Path root = dir.resolve("herald");
        write(root, "topics/product_tips.yaml", "kind: topic\nkey: product_tips\nname: Product tips\ndefaultOptIn: true\n");
        write(root, "segments/engaged.yaml", """
                kind: segment
                key: engaged-power-users
                name: Engaged power users
                condition:
                  and:
                    - segment: key:power-users
                    - {event: login, within: P7D}
                """);
        write(root, "segments/power-users.yml", """
                kind: segment
                key: power-users
                name: Power users
                description: Exported ten times in a week
                condition: {event: export, count: {op: gte, value: 10}, within: P7D}
                """);
        write(root, "campaigns/onboarding.yaml", ONBOARDING);
        write(root, "campaigns/drafts.json", """
                [{"kind": "campaign", "key": "winback", "name": "Win back",
                  "trigger": {"segmentExited": "key:engaged-power-users"}, "start": "m",
                  "steps": {"m": {"type": "message", "channel": "email", "message": {"subject":"Miss you","html":"<p>Miss you</p>"}, "next": "x"},
                            "x": {"type": "exit"}}},
                 {"kind": "campaign", "key": "clicked-followup", "name": "Follow-up", "trigger": {"event": "login"},
                  "audience": {"message": "key:onboarding", "status": "clicked", "within": "P30D"}, "start": "x",
                  "steps": {"x": {"type": "exit"}}}]
                """);
        return root;
    }

    private JsonNode campaignByKey(String key) {
        for (JsonNode c : herald.admin("/api/v1/campaigns").json().path("data")) {
            if (key.equals(c.path("key").asText())) return c;
        }
        throw new AssertionError("no campaign " + key);
    }

    private JsonNode segmentByKey(String key) {
        for (JsonNode s : herald.admin("/api/v1/segments").json().path("data")) {
            if (key.equals(s.path("key").asText())) return s;
        }
        throw new AssertionError("no segment " + key);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void applyCreatesWhatFilesSayResolvingKeysAndApplyingAgainChangesNothing(Engine engine) {
        start(engine);
        Path root = files();
        assertThat(herald("apply", "-f", root.toString())).as(err.toString()).isZero();
        assertThat(lines()).containsExactly(
                "create    topic    product_tips",
                "create    segment  power-users",
                "create    segment  engaged-power-users",
                "create    campaign winback (draft)",
                "create    campaign onboarding (active)",
                "create    campaign clicked-followup (draft)",
                "Applied: 6 created, 0 updated, 0 unchanged.");

        String powerUsers = segmentByKey("power-users").path("id").asText();
        assertThat(segmentByKey("engaged-power-users").path("condition").path("and").get(0).path("segment").asText())
                .isEqualTo(powerUsers);
        JsonNode onboarding = campaignByKey("onboarding");
        assertThat(onboarding.path("status").asText()).isEqualTo("active");
        assertThat(onboarding.path("trigger").path("segmentEntered").asText()).isEqualTo(powerUsers);
        assertThat(campaignByKey("clicked-followup").path("audience").path("message").asText())
                .isEqualTo(onboarding.path("id").asText());

        assertThat(herald("apply", "-f", root.toString())).as(err.toString()).isZero();
        assertThat(lines()).allMatch(l -> l.startsWith("unchanged") || l.startsWith("Applied"))
                .contains("Applied: 0 created, 0 updated, 6 unchanged.");
        assertThat(campaignByKey("onboarding").path("version").asInt()).as("no new version").isEqualTo(1);
    }

    @Test
    void aChangedActiveCampaignGetsANewVersionAndADraftChangesInPlace() {
        start(Engine.SQLITE);
        Path root = files();
        assertThat(herald("apply", "-f", root.toString())).isZero();
        write(root, "campaigns/onboarding.yaml", ONBOARDING.replace("You are a power user", "You are a star"));
        write(root, "segments/power-users.yml", """
                kind: segment
                key: power-users
                name: Power users
                condition: {event: export, count: {op: gte, value: 12}, within: P7D}
                """);
        String drafts = read(root.resolve("campaigns/drafts.json")).replace("Miss you", "We miss you")
                .replace("\"name\": \"Follow-up\",", "\"name\": \"Follow-up\", \"status\": \"active\",");
        write(root, "campaigns/drafts.json", drafts);

        assertThat(herald("apply", "-f", root.toString())).as(err.toString()).isZero();
        assertThat(lines()).containsExactly(
                "unchanged topic    product_tips",
                "update    segment  power-users",
                "unchanged segment  engaged-power-users",
                "update    campaign winback (changed in place)",
                "update    campaign onboarding (new version 2)",
                "update    campaign clicked-followup (draft → active)",
                "Applied: 0 created, 4 updated, 2 unchanged.");
        JsonNode onboarding = campaignByKey("onboarding");
        assertThat(onboarding.path("version").asInt()).isEqualTo(2);
        assertThat(onboarding.path("status").asText()).isEqualTo("active");
        assertThat(onboarding.path("steps").path("s1").path("message").path("body").asText())
                .isEqualTo("You are a star");
        assertThat(campaignByKey("winback").path("version").asInt()).isEqualTo(1);
        assertThat(segmentByKey("power-users").path("description").isNull()).as("left out of the file: cleared").isTrue();

        write(root, "campaigns/onboarding.yaml", ONBOARDING.replace("status: active", "status: paused"));
        assertThat(herald("apply", "-f", root.resolve("campaigns/onboarding.yaml").toString())).isZero();
        assertThat(lines()).containsExactly("update    campaign onboarding (new version 3, active → paused)",
                "Applied: 0 created, 1 updated, 0 unchanged.");
        assertThat(campaignByKey("onboarding").path("status").asText()).isEqualTo("paused");
    }

    @Test
    void aDryRunPrintsThePlanAndChangesNothing() {
        start(Engine.SQLITE);
        Path root = files();
        assertThat(herald("apply", "-f", root.resolve("topics").toString())).isZero();
        assertThat(herald("apply", "--dry-run", "-f", root.toString())).as(err.toString()).isZero();
        assertThat(lines()).containsExactly(
                "unchanged topic    product_tips",
                "create    segment  power-users",
                "create    segment  engaged-power-users",
                "create    campaign winback (draft)",
                "create    campaign onboarding (active)",
                "create    campaign clicked-followup (draft)",
                "Plan: 5 to create, 0 to update, 1 unchanged (dry run: nothing was changed).");
        assertThat(herald.admin("/api/v1/segments").json().path("data")).isEmpty();
        assertThat(herald.admin("/api/v1/campaigns").json().path("data")).isEmpty();

        assertThat(herald("apply", "-f", root.toString())).isZero();
        write(root, "campaigns/onboarding.yaml", ONBOARDING.replace("status: active", "status: paused")
                .replace("You are a power user", "You are a star"));
        assertThat(herald("apply", "--dry-run", "-f", root.toString())).isZero();
        assertThat(lines()).contains("update    campaign onboarding (new version, active → paused)",
                "Plan: 0 to create, 1 to update, 5 unchanged (dry run: nothing was changed).");
        JsonNode onboarding = campaignByKey("onboarding");
        assertThat(onboarding.path("version").asInt()).isEqualTo(1);
        assertThat(onboarding.path("status").asText()).isEqualTo("active");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void exportWritesFilesThatApplyReadsBackUnchangedInYamlAndJson(Engine engine) {
        start(engine);
        assertThat(herald("apply", "-f", files().toString())).isZero();
        // made through the API without a key: exported with its id
        herald.send(HttpRequest.newBuilder(URI.create(herald.baseUrl() + "/api/v1/segments"))
                .header("Authorization", "Bearer " + TestHerald.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Tricky: yes\",\"condition\":{\"attribute\":\"plan\","
                        + "\"op\":\"in\",\"value\":[\"yes\",\"09:00\",\"123\",\"null\",\"true\",\"- x\"]}}")));

        Path yaml = dir.resolve("export-yaml");
        assertThat(herald("export", yaml.toString())).as(err.toString()).isZero();
        assertThat(lines()).contains("wrote campaigns/onboarding.yaml", "wrote segments/power-users.yaml",
                "wrote topics/product_tips.yaml", "Exported 3 campaigns, 3 segments and 1 topics to " + yaml + ".");
        String onboarding = read(yaml.resolve("campaigns/onboarding.yaml"));
        assertThat(onboarding).startsWith("kind: campaign\nkey: onboarding\nname: Power-user onboarding\nstatus: active\n")
                .contains("segmentEntered: key:power-users");
        assertThat(read(yaml.resolve("campaigns/clicked-followup.yaml"))).contains("message: key:onboarding");
        assertThat(herald("apply", "-f", yaml.toString())).as(err.toString()).isZero();
        assertThat(lines()).contains("Applied: 0 created, 0 updated, 7 unchanged.");

        Path json = dir.resolve("export-json");
        assertThat(herald("export", "--format", "json", json.toString())).isZero();
        assertThat(read(json.resolve("segments/engaged-power-users.json"))).contains("\"segment\" : \"key:power-users\"");
        assertThat(herald("apply", "-f", json.toString())).as(err.toString()).isZero();
        assertThat(lines()).contains("Applied: 0 created, 0 updated, 7 unchanged.");
    }

    @Test
    void aYamlFileMayHoldSeveralDocumentsAndAFileMayBeAppliedAlone() {
        start(Engine.SQLITE);
        Path file = dir.resolve("all.yaml");
        write(dir, "all.yaml", """
                kind: topic
                key: news
                name: News
                defaultOptIn: false
                ---
                kind: segment
                key: subscribers
                name: News subscribers
                condition: {subscribed: {channel: email, topic: news}}
                """);
        assertThat(herald("apply", "-f", file.toString())).as(err.toString()).isZero();
        assertThat(lines()).containsExactly("create    topic    news", "create    segment  subscribers",
                "Applied: 2 created, 0 updated, 0 unchanged.");
    }

    @Test
    void fileMistakesAreReportedByFileAndFieldBeforeAnythingIsApplied() {
        start(Engine.SQLITE);
        Path root = dir.resolve("bad");
        write(root, "a.yaml", "kind: campain\nkey: x\n");
        write(root, "b.yaml", "kind: segment\nkey: s\nname: S\ncondition:\n  attribute: plan\n   op: eq\n");
        write(root, "c.json", "{\"kind\": \"topic\", \"name\": \"no key\"}");
        write(root, "d.yaml", "- kind: campaign\n  key: dup\n  name: A\n- kind: campaign\n  key: dup\n  name: B\n");
        write(root, "notes.txt", "ignored");
        assertThat(herald("apply", "-f", root.toString())).isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly(
                "a.yaml: kind: unknown kind \"campain\": campaign, segment or topic",
                "b.yaml: line 6, column 6: mapping values are not allowed here",
                "c.json: key: a topic needs a key",
                "d.yaml[1]: key: campaign dup is also defined in d.yaml[0]");
        assertThat(out.toString()).isEmpty();
        assertThat(herald.admin("/api/v1/topics").json().path("data")).isEmpty();
    }

    @Test
    void theApisValidationErrorsComeBackAsTheApiGivesThemNamingTheFileAndField() {
        start(Engine.SQLITE);
        Path root = dir.resolve("invalid");
        write(root, "campaigns/broken.yaml", """
                kind: campaign
                key: broken
                name: Broken
                trigger: {event: signed_up}
                start: s1
                steps:
                  s1: {type: message, channel: push, message: {title: Hi}, next: nowhere}
                """);
        assertThat(herald("apply", "-f", root.toString())).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("campaigns/broken.yaml: steps.s1.next: steps.s1.next names unknown step 'nowhere'");

        write(root, "campaigns/broken.yaml", ONBOARDING.replace("key:power-users", "key:nobody"));
        assertThat(herald("apply", "-f", root.toString())).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("campaigns/broken.yaml: trigger.segmentEntered: no segment with key nobody");

        write(root, "campaigns/broken.yaml", "kind: segment\nkey: s\nname: S\ncondition: {attribute: plan, op: equals, "
                + "value: pro}\n");
        assertThat(herald("apply", "-f", root.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("campaigns/broken.yaml: condition.op: ");
        assertThat(herald.admin("/api/v1/campaigns").json().path("data")).isEmpty();
    }

    @Test
    void withoutAnAdminKeyApplyRefusesAndAWrongKeyIsHeraldsOwnAnswer() {
        start(Engine.SQLITE);
        out = new StringWriter();
        err = new StringWriter();
        Main.environment = Map::of;
        int code = Main.run(new String[] {"apply", "-f", files().toString(), "--url", herald.baseUrl()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("no admin key: pass --key or set HERALD_ADMIN_KEY");
        assertThat(herald("export", dir.resolve("x").toString(), "--key", "ha_wrong")).isEqualTo(2);
        assertThat(err.toString()).startsWith("herald: ");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
