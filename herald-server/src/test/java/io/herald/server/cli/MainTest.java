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
}
