package io.herald.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Copies an SQLite file's write-ahead log back into the file on a thread of its own.
 *
 * <p>Why: SQLite's automatic checkpoint runs inside the commit that crosses the threshold, and a checkpoint ends
 * with an fsync of the file. The committing thread (the log writer, or the person processor) then sat for the
 * length of that random write and sync, and processing fell to a third of what its CPU allowed. Here commits only
 * append to the WAL (no sync, in WAL mode with {@code synchronous=NORMAL}); this thread checkpoints in PASSIVE mode,
 * which never blocks readers or writers. Under a steady stream of commits a passive checkpoint may never find the
 * WAL quiet enough to start it over; when the WAL passes a hard limit the checkpoint takes the database's writer
 * lock, so writers pause for one full checkpoint and the WAL is truncated. The WAL stays bounded either way.
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);
    /** Pages of WAL (4 KiB each, so 512 MiB) after which writers wait for a full checkpoint. */
    static final int HARD_LIMIT_PAGES = 131_072;
    private static final long INTERVAL_MILLIS = 200;

    private final Path file;
    private final Lock writers;
    private final Thread thread;
    private volatile boolean closed;
    /** Counted down by close(), so a stop does not wait out the interval (simulations open and close stores often). */
    private final CountDownLatch stopped = new CountDownLatch(1);

    SqliteCheckpointer(Path file, Lock writers) {
        this.file = file;
        this.writers = writers;
        this.thread = Thread.ofPlatform().daemon(true).name("herald-checkpoint-" + file.getFileName()).start(this::run);
    }

    private void run() {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(30_000);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            while (!closed) {
                // A poll interval, not a wait for time-based behaviour; close() cuts it short.
                if (stopped.await(INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) break;
                try {
                    checkpoint(c);
                } catch (SQLException e) {
                    log.atWarn().setCause(e).addKeyValue("file", file).log("checkpoint failed; retrying");
                }
            }
            checkpoint(c); // leave a short WAL behind on a clean stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException e) {
            log.atError().setCause(e).addKeyValue("file", file).log("checkpointer stopped");
        }
    }

    private void checkpoint(Connection c) throws SQLException {
        int[] wal = walCheckpoint(c, "PASSIVE");
        if (wal[0] >= HARD_LIMIT_PAGES) {
            writers.lock();
            try {
                walCheckpoint(c, "TRUNCATE");
            } finally {
                writers.unlock();
            }
        }
    }

    /** Runs a checkpoint; returns the WAL's size and how much of it is now in the file, in pages. */
    private static int[] walCheckpoint(Connection c, String mode) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? new int[] {rs.getInt(2), rs.getInt(3)} : new int[] {0, 0};
        }
    }

    @Override
    public void close() {
        closed = true;
        stopped.countDown();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
