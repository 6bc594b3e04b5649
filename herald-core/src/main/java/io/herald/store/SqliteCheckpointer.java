package io.herald.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
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
 * which never blocks readers or writers.
 *
 * <p>A passive checkpoint copies frames, but the WAL only starts over from its beginning when a writer finds every
 * frame copied, and under a steady stream of commits some writer has always appended more meanwhile: the WAL grew
 * by the whole write volume (46 MB/s at 1,000 in-app messages a second) until a hard limit made writers wait for a
 * full checkpoint of it, which stalled every message for 0.7–0.9 s every 11 s. So past a soft limit the catch-up
 * runs with the writers held: it copies only what came in since the passive pass, waits briefly for readers of the
 * old frames, and the next commit starts the WAL over. Writers pause for that copy and its sync: milliseconds behind
 * small commits, a few tenths of a second behind a person processor's batch, once per soft limit written.
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);
    /**
     * Pages of WAL (4 KiB each, so 256 MiB) after which the catch-up holds the writers and restarts the WAL. Each
     * hold costs about the same whatever the limit (it copies and syncs the last commit: 0.24–0.40 s after a person
     * processor batch), so the limit sets how often writers pause: at 64 MiB the processor waited for the writer
     * lock 30 % of the time while it drained a backlog.
     */
    static final int SOFT_LIMIT_PAGES = 65_536;
    /** The soft limit in bytes, at SQLite's default page size (Herald never sets another). */
    static final int SOFT_LIMIT_BYTES = SOFT_LIMIT_PAGES * 4096;
    /** Pages of WAL (1 GiB) after which writers wait for a full checkpoint however long the readers take. */
    static final int HARD_LIMIT_PAGES = 262_144;
    /**
     * How long the held catch-up waits for readers of old frames. Page views and processors read for
     * milliseconds; a long export must not hold every writer: the catch-up gives up and backs off.
     */
    private static final int RESTART_WAIT_MILLIS = 100;
    /** How often the held catch-up asks again whether the old frames' readers are gone. */
    private static final int RETRY_MICROS = 200;
    private static final int MAX_BACKOFF_ROUNDS = 64;
    private static final int BUSY_TIMEOUT_MILLIS = 30_000;
    private static final long INTERVAL_MILLIS = 200;

    private final Path file;
    private final Lock writers;
    private final int softLimitPages;
    private final long intervalMillis;
    private final int restartWaitMillis;
    // Only the checkpointer's thread writes these; tests read the two counts once it has stopped.
    private int backoffRounds;
    private int roundsToSkip;
    private volatile int roundsOverSoftLimit;
    private volatile int heldRestarts;
    private final Thread thread;
    private volatile boolean closed;
    /** Counted down by close(), so a stop does not wait out the interval (simulations open and close stores often). */
    private final CountDownLatch stopped = new CountDownLatch(1);

    SqliteCheckpointer(Path file, Lock writers) {
        this(file, writers, SOFT_LIMIT_PAGES, INTERVAL_MILLIS, RESTART_WAIT_MILLIS);
    }

    SqliteCheckpointer(Path file, Lock writers, int softLimitPages, long intervalMillis, int restartWaitMillis) {
        this.file = file;
        this.writers = writers;
        this.softLimitPages = softLimitPages;
        this.intervalMillis = intervalMillis;
        this.restartWaitMillis = restartWaitMillis;
        this.thread = Thread.ofPlatform().daemon(true).name("herald-checkpoint-" + file.getFileName()).start(this::run);
    }

    private void run() {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        try (Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            while (!closed) {
                // A poll interval, not a wait for time-based behaviour; close() cuts it short.
                if (stopped.await(intervalMillis, TimeUnit.MILLISECONDS)) break;
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
        Wal wal = walCheckpoint(c, "PASSIVE");
        if (wal.pages() < softLimitPages) return;
        roundsOverSoftLimit++;
        boolean hard = wal.pages() >= HARD_LIMIT_PAGES;
        if (!hard && roundsToSkip > 0) {
            roundsToSkip--;
            return;
        }
        writers.lock();
        try {
            if (hard) {
                walCheckpoint(c, "TRUNCATE");
            } else {
                heldRestarts++;
                gaveUp(restart(c));
            }
        } finally {
            writers.unlock();
        }
    }

    /**
     * The held catch-up: RESTART tried every {@value #RETRY_MICROS} µs until no reader is left on the old frames, for
     * at most the restart wait; whether a reader outlasted it. Not SQLite's busy handler: it sleeps 1, 2, 5, 10 … ms
     * between tries, so a reader that finished after 1.1 ms held the writers for 3 ms, one after 3 ms for 8 ms.
     */
    private boolean restart(Connection c) throws SQLException {
        busyTimeout(c, 0);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(restartWaitMillis);
            while (true) {
                if (!walCheckpoint(c, "RESTART").busy()) return false;
                if (System.nanoTime() >= deadline) return true;
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(RETRY_MICROS));
            }
        } finally {
            busyTimeout(c, BUSY_TIMEOUT_MILLIS);
        }
    }

    /**
     * After a held catch-up that a reader outlasted, the next ones wait 1, 2, 4 … 64 rounds: a reader that holds its
     * snapshot for minutes (an export) would otherwise hold up writers for the wait of every round, half their time.
     */
    private void gaveUp(boolean busy) {
        backoffRounds = busy ? Math.min(Math.max(1, backoffRounds * 2), MAX_BACKOFF_ROUNDS) : 0;
        roundsToSkip = backoffRounds;
    }

    /** Rounds that found the WAL past the soft limit, and how many of them held the writers for a restart. */
    int[] heldOfRounds() {
        return new int[] {heldRestarts, roundsOverSoftLimit};
    }

    private static void busyTimeout(Connection c, int millis) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + millis);
        }
    }

    /** What a checkpoint reports: whether readers or writers kept it from finishing, the WAL's size in pages. */
    private record Wal(boolean busy, int pages) {
    }

    private static Wal walCheckpoint(Connection c, String mode) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? new Wal(rs.getInt(1) != 0, rs.getInt(2)) : new Wal(false, 0);
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
