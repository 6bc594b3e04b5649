package io.herald.testing;

import io.herald.store.Database;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs work while another thread keeps a write transaction open, as the person processor's batches do on SQLite's
 * one writer: for background pollers that must not queue behind it when they have nothing to write.
 */
public final class OpenWriter {
    private OpenWriter() {
    }

    /** What {@code work} returned; fails if it did not finish while the write was still open. */
    public static <T> T whileOpen(Database db, Callable<T> work) throws Exception {
        CountDownLatch open = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> db.inTransaction(c -> {
                open.countDown();
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the pool shut down: end the write
                }
                return null;
            }));
            if (!open.await(30, TimeUnit.SECONDS)) {
                if (writer.isDone()) writer.get(); // surfaces why the write failed
                throw new AssertionError("the write transaction did not begin within 30 s");
            }
            // A guard against a hang, not a wait for time: work that queued behind the writer never returns in it.
            return pool.submit(work).get(10, TimeUnit.SECONDS);
        } finally {
            finish.countDown();
            pool.shutdown();
        }
    }
}
