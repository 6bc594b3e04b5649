package io.herald.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The SQL store: a connection pool over SQLite or PostgreSQL with the schema migrated by Flyway.
 *
 * <p>All SQL Herald issues is the portable subset both engines speak; the few differences live in {@link Dialect}.
 */
public final class Database implements AutoCloseable {
    private static final String MAIN_MIGRATIONS = "classpath:db/migration";
    private static final String LOG_MIGRATIONS = "classpath:db/log";

    private final Engine engine;
    private final HikariDataSource pool;
    private final Dialect dialect;
    /**
     * SQLite has one writer per file. Queuing writers here, fairly, instead of in SQLite's busy handler (which
     * sleeps in growing steps and is not woken when the lock frees) keeps a long writer from starving a short one.
     * Null for PostgreSQL, which locks rows.
     */
    private final ReentrantLock sqliteWriter;
    private final SqliteCheckpointer checkpointer;

    private Database(Engine engine, HikariDataSource pool, Path sqliteFile) {
        this.engine = engine;
        this.pool = pool;
        this.dialect = new Dialect(engine);
        this.sqliteWriter = engine == Engine.SQLITE ? new ReentrantLock(true) : null;
        this.checkpointer = engine == Engine.SQLITE ? new SqliteCheckpointer(sqliteFile, sqliteWriter) : null;
    }

    /** Opens the pool and brings the schema up to date. */
    public static Database open(DatabaseConfig config) {
        return open(config, config.engine() == Engine.SQLITE ? config.sqliteFile() : null, MAIN_MIGRATIONS);
    }

    /**
     * Opens the embedded event log's own SQLite file, beside the main one.
     *
     * <p>Why a file of its own: SQLite lets one transaction at a time write a file. With the log in the main file,
     * every acknowledged append waited for the person processor's transaction and the reverse; in separate files
     * ingest and processing write in parallel, the way a Kafka topic and PostgreSQL do in scale-out mode.
     */
    public static Database openSqliteLog(DatabaseConfig config) {
        if (config.engine() != Engine.SQLITE) {
            throw new IllegalArgumentException("only the SQLite store keeps its log in a file of its own");
        }
        return open(config, logFileOf(config.sqliteFile()), LOG_MIGRATIONS);
    }

    /** The log file that belongs to an SQLite store file: {@code herald.db} → {@code herald-log.db}. */
    public static Path logFileOf(Path sqliteFile) {
        String name = sqliteFile.getFileName().toString();
        String base = name.endsWith(".db") ? name.substring(0, name.length() - 3) : name;
        return sqliteFile.resolveSibling(base + "-log.db");
    }

    /** Opens a store migrated up to {@code version} only: tests build a store as an older Herald left it. */
    static Database openAtVersion(DatabaseConfig config, String version) {
        return open(config, config.engine() == Engine.SQLITE ? config.sqliteFile() : null, MAIN_MIGRATIONS, version);
    }

    private static Database open(DatabaseConfig config, Path sqliteFile, String migrations) {
        return open(config, sqliteFile, migrations, null);
    }

    private static Database open(DatabaseConfig config, Path sqliteFile, String migrations, String version) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("herald-" + config.engine().name().toLowerCase());
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setConnectionTimeout(30_000);
        if (config.engine() == Engine.SQLITE) {
            try {
                Files.createDirectories(sqliteFile.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new StoreException("cannot create the data directory for " + sqliteFile, e);
            }
            SQLiteConfig sqlite = new SQLiteConfig();
            // WAL lets readers run beside the one writer; NORMAL sync in WAL mode survives a process crash
            // (kill -9) without an fsync per commit, which is what "acknowledged means durable" needs here.
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            sqlite.setBusyTimeout(30_000);
            // Write transactions take the write lock up front, so two writers queue on the busy timeout instead
            // of one failing when it upgrades a read lock.
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            sqlite.enforceForeignKeys(true);
            // A processor batch dirties thousands of pages; with SQLite's 2 MB default cache they spill to the WAL
            // mid-transaction. 64 MB per connection holds a batch.
            sqlite.setCacheSize(-65_536);
            // Commits never checkpoint (and so never wait for a sync): SqliteCheckpointer does, on its own thread.
            sqlite.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, "0");
            // After a restart the WAL file is cut back to its soft limit: past that it only grew for a long reader.
            sqlite.setJournalSizeLimit(SqliteCheckpointer.SOFT_LIMIT_BYTES);
            SQLiteDataSource ds = new SQLiteDataSource(sqlite);
            ds.setUrl("jdbc:sqlite:" + sqliteFile.toAbsolutePath());
            hikari.setDataSource(ds);
        } else {
            hikari.setJdbcUrl(config.jdbcUrl());
            hikari.setUsername(config.user());
            hikari.setPassword(config.password());
            if (config.schema() != null) hikari.setSchema(config.schema());
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to the " + config.engine().name().toLowerCase()
                    + " database: " + rootMessage(e), e);
        }
        try {
            migrate(config, pool, migrations, version);
        } catch (RuntimeException e) {
            pool.close();
            throw new StoreException("cannot migrate the database schema: " + rootMessage(e), e);
        }
        return new Database(config.engine(), pool, sqliteFile);
    }

    private static void migrate(DatabaseConfig config, HikariDataSource pool, String migrations, String version) {
        String idPk = config.engine() == Engine.SQLITE
                ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
        var flyway = Flyway.configure()
                .dataSource(pool)
                .locations(migrations)
                .placeholders(Map.of("id_pk", idPk,
                        // Comment out a statement on the other engine; see V2 and V3.
                        "sqlite_only", config.engine() == Engine.SQLITE ? "" : "-- ",
                        "postgresql_only", config.engine() == Engine.POSTGRESQL ? "" : "-- "))
                .loggers("slf4j");
        if (config.schema() != null) flyway.schemas(config.schema()).createSchemas(true);
        if (version != null) flyway.target(version);
        flyway.load().migrate();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage();
    }

    public Engine engine() {
        return engine;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Runs work in one transaction: all of it commits, or none of it does. */
    public <T> T inTransaction(SqlFunction<T> work) {
        if (sqliteWriter != null) sqliteWriter.lock();
        try {
            return transaction(work);
        } finally {
            if (sqliteWriter != null) sqliteWriter.unlock();
        }
    }

    private <T> T transaction(SqlFunction<T> work) {
        // The connection is closed (and so its write lock released) before the writer lock is: the SQLite driver
        // begins the next IMMEDIATE transaction right after a commit, holding the file's lock until the pool resets
        // the connection on close.
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("database transaction failed: " + e.getMessage(), e);
        }
    }

    /** Runs read-only work (or a single self-contained statement) in auto-commit mode. */
    public <T> T read(SqlFunction<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw new StoreException("database read failed: " + e.getMessage(), e);
        }
    }

    /** True when the database answers a trivial query. */
    public boolean isReachable() {
        try (Connection c = pool.getConnection()) {
            return c.isValid(2);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    @Override
    public void close() {
        if (checkpointer != null) checkpointer.close();
        pool.close();
    }
}
