package io.herald.testing;

import io.herald.store.Database;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh store for one test, on either engine: an SQLite file in a temporary directory, or its own schema in the
 * PostgreSQL server named by {@code HERALD_TEST_PG_URL} (default {@code 127.0.0.1:5432/herald_test}, user and
 * password {@code herald}). Store tests run on both engines with {@code @MethodSource("io.herald.testing.TestDatabase#engines")}.
 *
 * <p>Without a reachable PostgreSQL the PostgreSQL runs are skipped with a message saying how to start one, except
 * under CI (CI=true), where a missing server is a failure: CI must prove both engines.
 */
public final class TestDatabase implements AutoCloseable {
    private final Database db;
    private final DatabaseConfig config;

    private TestDatabase(Database db, DatabaseConfig config) {
        this.db = db;
        this.config = config;
    }

    public static Stream<Engine> engines() {
        return Stream.of(Engine.SQLITE, Engine.POSTGRESQL);
    }

    /** The configuration of a fresh store (a new SQLite file, or a new PostgreSQL schema). */
    public static DatabaseConfig freshConfig(Engine engine, Path tempDir) {
        if (engine == Engine.SQLITE) {
            return DatabaseConfig.sqlite(tempDir.resolve("herald-" + UUID.randomUUID() + ".db"));
        }
        String url = env("HERALD_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/herald_test");
        String user = env("HERALD_TEST_PG_USER", "herald");
        String password = env("HERALD_TEST_PG_PASSWORD", "herald");
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.isValid(2);
        } catch (SQLException e) {
            String message = "PostgreSQL is not reachable at " + url + " (" + e.getMessage() + "); start one with "
                    + "`eval \"$(.ci/postgres.sh start)\"` or set HERALD_TEST_PG_URL/_USER/_PASSWORD";
            if ("true".equals(System.getenv("CI"))) throw new IllegalStateException(message, e);
            Assumptions.abort(message);
        }
        return DatabaseConfig.postgresql(url, user, password).withSchema("t_" + UUID.randomUUID().toString().replace("-", ""));
    }

    public static TestDatabase open(Engine engine, Path tempDir) {
        DatabaseConfig config = freshConfig(engine, tempDir);
        return new TestDatabase(Database.open(config), config);
    }

    public Database db() {
        return db;
    }

    public DatabaseConfig config() {
        return config;
    }

    @Override
    public void close() {
        db.close();
        dropSchema(config);
    }

    /** Drops a PostgreSQL test schema; nothing to do for SQLite (its temporary directory goes). */
    public static void dropSchema(DatabaseConfig config) {
        if (config.engine() != Engine.POSTGRESQL || config.schema() == null) return;
        try (Connection c = DriverManager.getConnection(config.jdbcUrl(), config.user(), config.password());
             Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + config.schema() + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test schema " + config.schema(), e);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
