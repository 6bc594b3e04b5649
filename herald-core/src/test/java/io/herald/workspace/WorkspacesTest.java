package io.herald.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WorkspacesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void bootstrapCreatesTheDefaultWorkspaceOnceWithTheGivenKeys(Engine engine) {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            Workspaces ws = new Workspaces(store.db(), TestClock.at("2026-11-22T10:00:00Z"));
            var created = ws.bootstrap("hw_given_write_key_123", null, "hs_given_identity_secret");

            assertThat(created).isPresent();
            assertThat(created.get().workspace().name()).isEqualTo("default");
            assertThat(created.get().writeKey()).isEqualTo("hw_given_write_key_123");
            assertThat(created.get().adminKey()).startsWith("ha_").hasSizeGreaterThan(40);
            assertThat(ws.identitySecret(created.get().workspace().id())).isEqualTo("hs_given_identity_secret");
            assertThat(ws.bootstrap(null, null, null)).as("a second start changes nothing").isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void keysAreStoredOnlyAsHashesAndAuthenticateToTheirWorkspaceAndKind(Engine engine) {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            Workspaces ws = new Workspaces(store.db(), TestClock.at("2026-11-22T10:00:00Z"));
            var a = ws.create("acme");
            var b = ws.create("globex");
            String extraAdmin = ws.createKey("acme", KeyKind.ADMIN);

            List<String> stored = store.db().read(c -> Sql.query(c, "SELECT key_hash FROM api_keys", rs -> rs.getString(1)));
            assertThat(stored).hasSize(5).doesNotContain(a.writeKey(), a.adminKey(), extraAdmin);
            assertThat(stored).contains(Secrets.hash(a.writeKey()));

            assertThat(ws.authenticate(a.writeKey())).contains(
                    new Principal(a.workspace().id(), KeyKind.WRITE, ws.authenticate(a.writeKey()).orElseThrow().keyId()));
            assertThat(ws.authenticate(extraAdmin).orElseThrow().workspaceId()).isEqualTo(a.workspace().id());
            assertThat(ws.authenticate(b.adminKey()).orElseThrow().kind()).isEqualTo(KeyKind.ADMIN);
            assertThat(ws.authenticate("hw_not_a_key_at_all")).isEmpty();
            assertThat(ws.authenticate("")).isEmpty();
            assertThat(ws.authenticate("x".repeat(10_000))).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void workspaceNamesAreCheckedAndUnique(Engine engine) {
        try (TestDatabase store = TestDatabase.open(engine, dir)) {
            Workspaces ws = new Workspaces(store.db(), TestClock.at("2026-11-22T10:00:00Z"));
            ws.create("acme");
            assertThatThrownBy(() -> ws.create("acme")).hasMessageContaining("already exists");
            assertThatThrownBy(() -> ws.create("Bad Name!")).hasMessageContaining("workspace name");
            assertThatThrownBy(() -> ws.createKey("nope", KeyKind.WRITE)).hasMessageContaining("no workspace named 'nope'");
        }
    }

    @org.junit.jupiter.api.Test
    void identityHashIsHexHmacSha256OfTheUserId() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assertThat(Secrets.hmacSha256Hex("Jefe", "what do ya want for nothing?"))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assertThat(Secrets.constantTimeEquals("abc", "abc")).isTrue();
        assertThat(Secrets.constantTimeEquals("abc", "abd")).isFalse();
        assertThat(Secrets.constantTimeEquals(null, "abd")).isFalse();
    }
}
