package io.herald.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master key: HERALD_SECRET_KEY's text, or the generated owner-only file in the data directory. */
class MasterKeyTest {
    @TempDir
    Path dir;

    private static String b64(int n) {
        return Base64.getEncoder().encodeToString(new byte[n]);
    }

    @Test
    void base64OfThirtyTwoBytesIsAKeyInEitherAlphabetWithOrWithoutPadding() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        MasterKey std = MasterKey.fromBase64(Base64.getEncoder().encodeToString(raw), "HERALD_SECRET_KEY");
        MasterKey url = MasterKey.fromBase64(Base64.getUrlEncoder().withoutPadding().encodeToString(raw) + "\n", "x");
        assertThat(std).isEqualTo(url);
        assertThat(std.toBase64()).isEqualTo(Base64.getEncoder().encodeToString(raw));
        assertThat(std.toString()).doesNotContain(std.toBase64());
    }

    @Test
    void anythingButThirtyTwoBytesOfBase64IsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> MasterKey.fromBase64(b64(16), "HERALD_SECRET_KEY"))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining("HERALD_SECRET_KEY")
                .hasMessageContaining("exactly 32 bytes").hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> MasterKey.fromBase64(b64(33), "HERALD_SECRET_KEY"))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining("33 bytes");
        assertThatThrownBy(() -> MasterKey.fromBase64("correct horse battery staple", "HERALD_SECRET_KEY"))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining("not valid base64");
        assertThatThrownBy(() -> MasterKey.fromBase64("", "HERALD_SECRET_KEY"))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining("0 bytes");
    }

    @Test
    void aKeyIsGeneratedOwnerOnlyOnFirstStartAndReusedAfter() throws Exception {
        Path data = dir.resolve("data");
        MasterKey first = MasterKey.loadOrCreate(data, new SecureRandom());
        Path file = data.resolve("secret.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file).trim()).isEqualTo(first.toBase64());
        assertThat(MasterKey.loadOrCreate(data, new SecureRandom())).isEqualTo(first);
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret.key"); // no temp file left
        }
    }

    @Test
    void aKeyFileOthersCanReadStopsStartUp() throws Exception {
        MasterKey.loadOrCreate(dir, new SecureRandom());
        Path file = dir.resolve("secret.key");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> MasterKey.loadOrCreate(dir, new SecureRandom()))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining("accessible to others")
                .hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        assertThatThrownBy(() -> MasterKey.loadOrCreate(dir, new SecureRandom())).isInstanceOf(MasterKey.Unusable.class);
    }

    @Test
    void aKeyFileOfTheWrongLengthStopsStartUpAndIsNotReplaced() throws Exception {
        Path file = dir.resolve("secret.key");
        Files.writeString(file, b64(31), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> MasterKey.loadOrCreate(dir, new SecureRandom()))
                .isInstanceOf(MasterKey.Unusable.class).hasMessageContaining(file.toString())
                .hasMessageContaining("31 bytes");
        assertThat(Files.readString(file)).isEqualTo(b64(31));
    }

    @Test
    void derivedKeysDifferByPurposeAndByMasterKey() {
        MasterKey a = MasterKey.generate(new SecureRandom());
        MasterKey b = MasterKey.generate(new SecureRandom());
        assertThat(a.derive("x")).hasSize(32).isEqualTo(a.derive("x")).isNotEqualTo(a.derive("y"))
                .isNotEqualTo(b.derive("x"));
    }
}
