package io.herald.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Channel credentials in the store: sealed, validated, masked, and only opened with the right master key. */
class CredentialsTest {
    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-23T01:00:00Z");
    private final MasterKey key = MasterKey.generate(new SecureRandom());

    private static ObjectNode json(String s) {
        try {
            return (ObjectNode) EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String sms(String token) {
        return "{\"accountSid\":\"AC123\",\"authToken\":\"" + token + "\",\"from\":\"+4915112345678\"}";
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void credentialsAreStoredSealedAndReadBackInFullOnlyThroughGet(Engine engine) {
        try (TestDatabase t = TestDatabase.open(engine, dir)) {
            Credentials credentials = new Credentials(t.db(), key, clock);
            ObjectNode shown = credentials.put("ws1", "sms", json(sms("tok_0123456789abcd")));
            assertThat(shown.toString()).doesNotContain("tok_0123456789abcd");
            assertThat(shown.path("authToken").asText()).isEqualTo("••••abcd");
            String stored = t.db().read(c -> Sql.queryOne(c, "SELECT ciphertext FROM channel_credentials WHERE "
                    + "workspace_id = 'ws1' AND channel = 'sms'", rs -> rs.getString(1))).orElseThrow();
            assertThat(stored).doesNotContain("tok_0123").doesNotContain("AC123");
            JsonNode full = credentials.get("ws1", "sms").orElseThrow();
            assertThat(full.path("authToken").asText()).isEqualTo("tok_0123456789abcd");
            assertThat(credentials.get("ws2", "sms")).isEmpty();
            assertThat(credentials.get("ws1", "whatsapp")).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aServerWithAnotherMasterKeyGetsAClearErrorNotTheSecrets(Engine engine) {
        try (TestDatabase t = TestDatabase.open(engine, dir)) {
            new Credentials(t.db(), key, clock).put("ws1", "sms", json(sms("tok_0123456789abcd")));
            Credentials other = new Credentials(t.db(), MasterKey.generate(new SecureRandom()), clock);
            assertThatThrownBy(() -> other.get("ws1", "sms")).isInstanceOf(Credentials.Unreadable.class)
                    .hasMessageContaining("master key").hasMessageNotContaining("tok_");
            assertThatThrownBy(() -> other.view("ws1", "sms")).isInstanceOf(Credentials.Unreadable.class);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aRowCopiedToAnotherWorkspaceDoesNotOpenThere(Engine engine) {
        try (TestDatabase t = TestDatabase.open(engine, dir)) {
            Credentials credentials = new Credentials(t.db(), key, clock);
            credentials.put("ws1", "sms", json(sms("tok_0123456789abcd")));
            t.db().inTransaction(c -> Sql.update(c, "INSERT INTO channel_credentials (workspace_id, channel, ciphertext, "
                    + "updated_at) SELECT 'ws2', 'sms', ciphertext, updated_at FROM channel_credentials WHERE "
                    + "workspace_id = 'ws1'"));
            t.db().inTransaction(c -> Sql.update(c, "INSERT INTO channel_credentials (workspace_id, channel, ciphertext, "
                    + "updated_at) SELECT 'ws1', 'whatsapp', ciphertext, updated_at FROM channel_credentials WHERE "
                    + "workspace_id = 'ws1' AND channel = 'sms'"));
            assertThatThrownBy(() -> credentials.get("ws2", "sms")).isInstanceOf(Credentials.Unreadable.class);
            assertThatThrownBy(() -> credentials.get("ws1", "whatsapp")).isInstanceOf(Credentials.Unreadable.class);
            assertThat(credentials.get("ws1", "sms")).isPresent();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aMaskedValueSentBackKeepsTheStoredSecretAndDeleteRemoves(Engine engine) {
        try (TestDatabase t = TestDatabase.open(engine, dir)) {
            Credentials credentials = new Credentials(t.db(), key, clock);
            ObjectNode shown = credentials.put("ws1", "sms", json(sms("tok_0123456789abcd")));
            shown.put("from", "+4915199999999");
            credentials.put("ws1", "sms", shown);
            JsonNode full = credentials.get("ws1", "sms").orElseThrow();
            assertThat(full.path("authToken").asText()).isEqualTo("tok_0123456789abcd");
            assertThat(full.path("from").asText()).isEqualTo("+4915199999999");
            // a masked value with nothing stored to keep is a mistake, named
            assertThatThrownBy(() -> credentials.put("ws1", "whatsapp", json(sms("••••abcd"))))
                    .isInstanceOf(ClientError.class).hasMessageContaining("authToken");
            credentials.delete("ws1", "sms");
            assertThat(credentials.get("ws1", "sms")).isEmpty();
            assertThatThrownBy(() -> credentials.delete("ws1", "sms")).isInstanceOf(ClientError.class)
                    .extracting(e -> ((ClientError) e).status()).isEqualTo(404);
        }
    }
}
