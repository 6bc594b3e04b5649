package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.store.Engine;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void emptyEnvironmentRunsOnEmbeddedSqliteUnderDataOnPort8080() {
        Config c = Config.fromEnvironment(Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.database().engine()).isEqualTo(Engine.SQLITE);
        assertThat(c.database().sqliteFile()).isEqualTo(Path.of("./data/herald.db"));
        assertThat(c.partitions()).isEqualTo(1);
        assertThat(c.jsonLogs()).isFalse();
    }

    @Test
    void postgresqlUrlSwitchesTheStoreAndDefaultsToFourPartitions() {
        Config c = Config.fromEnvironment(Map.of("HERALD_DATABASE_URL", "jdbc:postgresql://db:5432/herald",
                "HERALD_DATABASE_USER", "u", "HERALD_DATABASE_PASSWORD", "p"));
        assertThat(c.database().engine()).isEqualTo(Engine.POSTGRESQL);
        assertThat(c.database().user()).isEqualTo("u");
        assertThat(c.partitions()).isEqualTo(4);
    }

    @Test
    void malformedSettingsStopStartUpNamingTheVariable() {
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_PORT", "eighty")))
                .isInstanceOf(Config.Invalid.class).hasMessageContaining("HERALD_PORT");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_PORT", "70000")))
                .hasMessageContaining("HERALD_PORT must be a whole number from 0 to 65535");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_DATABASE_URL", "mysql://x")))
                .hasMessageContaining("HERALD_DATABASE_URL");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_PARTITIONS", "0")))
                .hasMessageContaining("HERALD_PARTITIONS");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_LOG_FORMAT", "xml")))
                .hasMessageContaining("HERALD_LOG_FORMAT");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_BOOTSTRAP_WRITE_KEY", "short")))
                .hasMessageContaining("HERALD_BOOTSTRAP_WRITE_KEY must be at least 16 characters");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("HERALD_KAFKA_BOOTSTRAP", "localhost:9092")))
                .hasMessageContaining("HERALD_KAFKA_BOOTSTRAP");
    }
}
