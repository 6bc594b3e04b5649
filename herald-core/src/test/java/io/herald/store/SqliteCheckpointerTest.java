package io.herald.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/** The checkpointer against a real SQLite file written and read without pause, as Herald's store is under load. */
class SqliteCheckpointerTest {
    private static final int SOFT_LIMIT_PAGES = 256; // 1 MiB
    private static final int ROW_BYTES = 4_000;
    private static final int ROWS = 12_000; // ~48 MB through the WAL

    @TempDir
    Path dir;

    @Test
    void walStartsOverNearItsSoftLimitWhileWritersAndReadersNeverPause() throws Exception {
        Path file = dir.resolve("busy.db");
        ReentrantLock writers = new ReentrantLock(true);
        try (Connection w = open(file)) {
            try (Statement s = w.createStatement()) {
                s.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
            }
            AtomicBoolean done = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> readUntil(file, done));
            long maxWal = 0;
            try (SqliteCheckpointer ignored = new SqliteCheckpointer(file, writers, SOFT_LIMIT_PAGES, 5);
                 PreparedStatement insert = w.prepareStatement("INSERT INTO blobs (body) VALUES (?)")) {
                String body = "x".repeat(ROW_BYTES);
                w.setAutoCommit(false);
                for (int i = 0; i < ROWS; i++) {
                    writers.lock();
                    try {
                        insert.setString(1, body);
                        insert.executeUpdate();
                        w.commit();
                    } finally {
                        writers.unlock();
                    }
                    maxWal = Math.max(maxWal, Files.size(wal(file)));
                }
            } finally {
                done.set(true);
                reader.join();
            }
            long written = (long) ROWS * ROW_BYTES;
            // Without the held catch-up the WAL kept every frame written (here ~48 MB); with it the file only grows
            // by what comes in between two rounds of the checkpointer (rounds 5 ms apart here, not 200).
            assertTrue(maxWal < written / 3, "WAL reached " + maxWal + " bytes for " + written + " written");
        }
    }

    private static void readUntil(Path file, AtomicBoolean done) {
        try (Connection r = open(file); Statement s = r.createStatement()) {
            while (!done.get()) {
                try (ResultSet rs = s.executeQuery("SELECT MAX(id) FROM blobs")) {
                    rs.next();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path wal(Path file) {
        return file.resolveSibling(file.getFileName() + "-wal");
    }

    /** As Database opens its SQLite files: WAL, commits that never checkpoint themselves. */
    private static Connection open(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(30_000);
        config.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, "0");
        return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }
}
