package io.herald.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the store lives: an SQLite file in a data directory (the embedded default) or a PostgreSQL server.
 *
 * @param schema PostgreSQL schema to use (null: the server's default); tests give each run its own.
 */
public record DatabaseConfig(Engine engine, Path sqliteFile, String jdbcUrl, String user, String password,
                             String schema, int poolSize) {

    public DatabaseConfig {
        Objects.requireNonNull(engine, "engine must not be null");
        if (engine == Engine.SQLITE) Objects.requireNonNull(sqliteFile, "sqliteFile must not be null for SQLite");
        if (engine == Engine.POSTGRESQL) Objects.requireNonNull(jdbcUrl, "jdbcUrl must not be null for PostgreSQL");
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be at least 1, was " + poolSize);
    }

    public static DatabaseConfig sqlite(Path file) {
        return new DatabaseConfig(Engine.SQLITE, file, null, null, null, null, 8);
    }

    public static DatabaseConfig postgresql(String jdbcUrl, String user, String password) {
        return new DatabaseConfig(Engine.POSTGRESQL, null, jdbcUrl, user, password, null, 16);
    }

    public DatabaseConfig withSchema(String newSchema) {
        return new DatabaseConfig(engine, sqliteFile, jdbcUrl, user, password, newSchema, poolSize);
    }
}
