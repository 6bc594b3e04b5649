package io.herald.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.FutureTask;
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
            // A task, not a bare thread: a failure of the reader (SQLITE_BUSY, say) fails the test at get().
            FutureTask<Void> reader = new FutureTask<>(() -> {
                readUntil(file, done);
                return null;
            });
            Thread.ofPlatform().start(reader);
            long maxWal = 0;
            try (SqliteCheckpointer ignored = new SqliteCheckpointer(file, writers, SOFT_LIMIT_PAGES, 5, 100)) {
                for (int i = 0; i < ROWS; i++) {
                    write(w, writers);
                    maxWal = Math.max(maxWal, Files.size(wal(file)));
                }
            } finally {
                done.set(true);
                reader.get();
            }
            long written = (long) ROWS * ROW_BYTES;
            // Without the held catch-up the WAL kept every frame written (here ~48 MB); with it the file only grows
            // by what comes in between two rounds of the checkpointer (rounds 5 ms apart here, not 200).
            assertTrue(maxWal < written / 3, "WAL reached " + maxWal + " bytes for " + written + " written");
        }
    }

    @Test
    void aReaderThatHoldsItsSnapshotMakesTheCatchUpBackOffInsteadOfHoldingWritersEveryRound() throws Exception {
        Path file = dir.resolve("export.db");
        ReentrantLock writers = new ReentrantLock(true);
        try (Connection w = open(file); Connection export = open(file)) {
            try (Statement s = w.createStatement()) {
                s.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
            }
            // As a long export: one read transaction, open for the whole run, so no restart can finish.
            export.setAutoCommit(false);
            try (Statement s = export.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM blobs")) {
                rs.next();
            }
            SqliteCheckpointer checkpointer = new SqliteCheckpointer(file, writers, SOFT_LIMIT_PAGES, 1, 1);
            try (checkpointer) {
                for (int i = 0; i < ROWS / 2; i++) write(w, writers);
            }
            export.commit();
            int[] held = checkpointer.heldOfRounds();
            // Every round would hold the writers without the back-off; with it, a few rounds in the first seven and
            // then one in 65 do.
            assertTrue(held[1] > 100, "only " + held[1] + " rounds found the WAL past its soft limit");
            assertTrue(held[0] <= 7 + held[1] / 32, held[0] + " of " + held[1] + " rounds held the writers");
        }
    }

    private static void write(Connection w, ReentrantLock writers) throws SQLException {
        writers.lock();
        try (PreparedStatement insert = w.prepareStatement("INSERT INTO blobs (body) VALUES (?)")) {
            insert.setString(1, "x".repeat(ROW_BYTES));
            insert.executeUpdate();
        } finally {
            writers.unlock();
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
