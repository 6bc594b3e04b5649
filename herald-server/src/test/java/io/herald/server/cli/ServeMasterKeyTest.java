package io.herald.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code herald serve} with an unusable master key stops at once with a sentence and exit code 2. */
class ServeMasterKeyTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void restoreEnvironment() {
        Main.environment = System::getenv;
    }

    private int serve(Map<String, String> env) {
        Main.environment = () -> env;
        return Main.run(new String[] {"serve"}, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aMalformedSecretKeyStopsStartUpNamingTheVariable() {
        assertThat(serve(Map.of("HERALD_DATA_DIR", dir.toString(), "HERALD_PORT", "0", "HERALD_SECRET_KEY", "abc"))).isEqualTo(2);
        assertThat(err.toString()).startsWith("herald: HERALD_SECRET_KEY must be the base64 encoding of exactly 32 bytes");
        assertThat(dir.resolve("herald.db")).doesNotExist();
    }

    @Test
    void aKeyFileOthersCanReadStopsStartUpWithTheRemedy() throws Exception {
        Path file = dir.resolve("secret.key");
        Files.writeString(file, java.util.Base64.getEncoder().encodeToString(new byte[32]));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(serve(Map.of("HERALD_DATA_DIR", dir.toString(), "HERALD_PORT", "0"))).isEqualTo(2);
        assertThat(err.toString()).contains("is accessible to others").contains("chmod 600");
        assertThat(dir.resolve("herald.db")).doesNotExist();
    }
}
