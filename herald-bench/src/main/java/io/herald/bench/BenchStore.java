package io.herald.bench;

import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;

/**
 * A fresh, throw-away store for one benchmark run: an SQLite file in a new temporary directory, or a new schema on
 * a PostgreSQL server. It also opens plain JDBC connections to it (for the raw-insert baseline) and measures its
 * size on disk. {@link #close()} deletes it unless asked to keep it.
 */
final class BenchStore implements AutoCloseable {
    /** Herald's SQLite files: the main store and the event log's own file. */
    private static final String[] SQLITE_FILES = {"herald.db", "herald-log.db"};

    private final Engine engine;
    private final Path dir;
    private final String pgUrl;
    private final String pgUser;
    private final String pgPassword;
    private final String schema;
    private final boolean keep;

    private BenchStore(Engine engine, Path dir, String pgUrl, String pgUser, String pgPassword, String schema,
                       boolean keep) {
        this.engine = engine;
        this.dir = dir;
        this.pgUrl = pgUrl;
        this.pgUser = pgUser;
        this.pgPassword = pgPassword;
        this.schema = schema;
        this.keep = keep;
    }

    static BenchStore create(Options o) throws IOException {
        Engine engine = switch (o.get("engine", "sqlite")) {
            case "sqlite" -> Engine.SQLITE;
            case "postgresql", "postgres", "pg" -> Engine.POSTGRESQL;
            default -> throw new IllegalArgumentException("--engine must be sqlite or postgresql, was '"
                    + o.get("engine", "") + "'");
        };
        // --data names a store to keep and use again (a directory for SQLite, a schema for PostgreSQL)
        String data = o.get("data", null);
        Path dir = data != null && engine == Engine.SQLITE ? Files.createDirectories(Path.of(data))
                : Files.createTempDirectory(Path.of(o.get("tmp", System.getProperty("java.io.tmpdir"))), "herald-bench-");
        String schema = data != null && engine == Engine.POSTGRESQL ? data
                : "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return new BenchStore(engine, dir, o.get("pg-url", "jdbc:postgresql://127.0.0.1:5432/herald_test"),
                o.get("pg-user", "herald"), o.get("pg-password", "herald"), schema, o.flag("keep") || data != null);
    }

    Engine engine() {
        return engine;
    }

    String engineName() {
        return engine == Engine.SQLITE ? "sqlite" : "postgresql";
    }

    Path dir() {
        return dir;
    }

    /** Herald's store. */
    DatabaseConfig heraldConfig() {
        return engine == Engine.SQLITE ? DatabaseConfig.sqlite(dir.resolve("herald.db"))
                : DatabaseConfig.postgresql(pgUrl, pgUser, pgPassword).withSchema(schema);
    }

    /** The partitions Herald would choose by default (API.md "Running"): 1 on SQLite, 4 on PostgreSQL. */
    int defaultPartitions() {
        return engine == Engine.SQLITE ? 1 : 4;
    }

    /**
     * A plain connection for the raw-insert baseline, set up as Herald sets up its own: SQLite in WAL mode with
     * synchronous=NORMAL in a separate file (deferred transactions, see below); PostgreSQL in this run's schema (created if needed).
     */
    Connection rawConnection() throws SQLException {
        if (engine == Engine.SQLITE) {
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            cfg.setBusyTimeout(30_000);
            // DEFERRED, not Herald's IMMEDIATE: the driver begins the next transaction right after each commit, and
            // an IMMEDIATE one would hold the write lock while the connection sits idle between batches.
            cfg.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
            return cfg.createConnection("jdbc:sqlite:" + dir.resolve("raw.db").toAbsolutePath());
        }
        Connection c = DriverManager.getConnection(pgUrl, pgUser, pgPassword);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        }
        c.setSchema(schema);
        return c;
    }

    /**
     * A plain connection to Herald's own store, for seeding it in bulk: SQLite without fsync (a benchmark's data,
     * rebuilt when lost) and a large page cache; PostgreSQL in this run's schema, batches rewritten as multi-row
     * inserts.
     */
    Connection heraldConnection() throws SQLException {
        if (engine == Engine.SQLITE) {
            SQLiteConfig cfg = new SQLiteConfig();
            cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
            cfg.setCacheSize(-262_144); // KiB: 256 MiB
            cfg.setBusyTimeout(30_000);
            return cfg.createConnection("jdbc:sqlite:" + dir.resolve("herald.db").toAbsolutePath());
        }
        Connection c = DriverManager.getConnection(pgUrl + (pgUrl.contains("?") ? "&" : "?")
                + "reWriteBatchedInserts=true", pgUser, pgPassword);
        c.setSchema(schema);
        return c;
    }

    /**
     * Bytes on disk of Herald's store (SQLite: the database file and the log's file, with their WALs; PostgreSQL:
     * tables with indexes).
     */
    long heraldBytes() throws SQLException, IOException {
        if (engine == Engine.SQLITE) {
            long total = 0;
            for (String file : SQLITE_FILES) {
                for (String suffix : new String[] {"", "-wal", "-shm"}) {
                    Path f = dir.resolve(file + suffix);
                    if (Files.exists(f)) total += Files.size(f);
                }
            }
            return total;
        }
        return tableBytes().values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Bytes per table of Herald's store, indexes included. On SQLite this reads the {@code dbstat} table and
     * attributes each index to its table by name prefix; it may be empty where SQLite lacks dbstat.
     */
    Map<String, Long> tableBytes() throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        if (engine == Engine.SQLITE) {
            for (String file : SQLITE_FILES) {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(file).toAbsolutePath());
                     Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
                             + "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC")) {
                    while (rs.next()) out.merge(rs.getString(1), rs.getLong(2), Long::sum);
                } catch (SQLException e) {
                    if (!String.valueOf(e.getMessage()).contains("dbstat")) throw e;
                }
            }
            return out;
        }
        try (Connection c = DriverManager.getConnection(pgUrl, pgUser, pgPassword);
             var ps = c.prepareStatement("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                     + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'r' "
                     + "ORDER BY 2 DESC")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException, SQLException {
        if (keep) {
            System.out.println("kept the store: " + (engine == Engine.SQLITE ? dir : "schema " + schema));
            return;
        }
        if (engine == Engine.POSTGRESQL) {
            try (Connection c = DriverManager.getConnection(pgUrl, pgUser, pgPassword);
                 Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
