package io.herald.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** AES-256-GCM sealing of credentials, bound to their workspace and channel. */
class VaultTest {
    private final MasterKey key = MasterKey.generate(new SecureRandom());
    private final Vault vault = new Vault(key, new SecureRandom());
    private static final byte[] SECRET = "{\"authToken\":\"s3cr3t-token-value\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void whatIsSealedOpensToTheSameBytesAndDoesNotShowThem() throws Exception {
        String sealed = vault.seal("ws1", "sms", SECRET);
        assertThat(sealed).startsWith("v1.").doesNotContain("s3cr3t");
        assertThat(vault.open("ws1", "sms", sealed)).isEqualTo(SECRET);
        // another Vault over the same master key (a restart) opens it too
        assertThat(new Vault(key, new SecureRandom()).open("ws1", "sms", sealed)).isEqualTo(SECRET);
    }

    @Test
    void everySealUsesAFreshNonce() {
        Set<String> nonces = new HashSet<>();
        Set<String> sealed = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String s = vault.seal("ws1", "sms", SECRET);
            sealed.add(s);
            nonces.add(Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(
                    Base64.getUrlDecoder().decode(s.substring(3)), 12)));
        }
        assertThat(nonces).hasSize(2000);
        assertThat(sealed).hasSize(2000);
    }

    @Test
    void aCiphertextMovedToAnotherWorkspaceOrChannelDoesNotOpen() {
        String sealed = vault.seal("ws1", "sms", SECRET);
        assertThatThrownBy(() -> vault.open("ws2", "sms", sealed)).isInstanceOf(Vault.Unreadable.class);
        assertThatThrownBy(() -> vault.open("ws1", "whatsapp", sealed)).isInstanceOf(Vault.Unreadable.class);
        // the binding is unambiguous: moving characters between workspace id and channel does not help
        String split = vault.seal("ab", "csms", SECRET);
        assertThatThrownBy(() -> vault.open("abc", "sms", split)).isInstanceOf(Vault.Unreadable.class);
    }

    @Test
    void anotherMasterKeyCannotOpen() {
        String sealed = vault.seal("ws1", "sms", SECRET);
        Vault other = new Vault(MasterKey.generate(new SecureRandom()), new SecureRandom());
        assertThatThrownBy(() -> other.open("ws1", "sms", sealed)).isInstanceOf(Vault.Unreadable.class)
                .hasMessageContaining("another master key");
    }

    @Test
    void aDamagedCiphertextDoesNotOpen() {
        String sealed = vault.seal("ws1", "sms", SECRET);
        char last = sealed.charAt(sealed.length() - 5);
        String flipped = sealed.substring(0, sealed.length() - 5) + (last == 'A' ? 'B' : 'A') + sealed.substring(sealed.length() - 4);
        for (String bad : new String[] {flipped, "v1.", "v1.!!!", "v2." + sealed.substring(3), sealed.substring(0, 20), ""}) {
            assertThatThrownBy(() -> vault.open("ws1", "sms", bad)).as(bad).isInstanceOf(Vault.Unreadable.class);
        }
    }
}
