package io.herald.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background threads that each run a task, then wait an interval or until woken, until stopped: the dispatcher's
 * rounds and the in-app expiry sweep. A failed run is logged and the thread goes on (the next run retries it); a
 * stop lets the run in flight finish, since cutting one in the middle would leave its work half recorded.
 */
public final class Pollers {
    private static final Logger log = LoggerFactory.getLogger(Pollers.class);

    private final List<Thread> threads;
    /** Which thread {@link #wake} unparks next. */
    private final AtomicLong wakes = new AtomicLong();
    private volatile boolean stopping;

    private Pollers(String name, int count, long intervalMillis, String failure, Runnable task) {
        List<Thread> made = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            made.add(Thread.ofPlatform().name(count == 1 ? name : name + "-" + (i + 1)).daemon(true).unstarted(() -> {
                while (!stopping) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.atError().setCause(e).log(failure + "; will retry");
                    }
                    if (!stopping) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(intervalMillis));
                }
            }));
        }
        this.threads = List.copyOf(made);
    }

    /**
     * Starts {@code count} daemon threads named {@code name} (numbered when several) running {@code task} every
     * {@code intervalMillis}; {@code failure} is what the log says when a run throws.
     */
    public static Pollers start(String name, int count, long intervalMillis, String failure, Runnable task) {
        Pollers p = new Pollers(name, count, intervalMillis, failure, task);
        p.threads.forEach(Thread::start);
        return p;
    }

    /**
     * Runs the task now rather than at the next interval: unparks the threads in turn, one per call and never the
     * caller (a thread that finds more work wakes another), so a trickle of work does not send every thread to it.
     * Never blocks.
     */
    public void wake() {
        int n = threads.size();
        long turn = wakes.getAndIncrement();
        Thread t = threads.get((int) (turn % n));
        if (t == Thread.currentThread()) t = threads.get((int) ((turn + 1) % n));
        LockSupport.unpark(t);
    }

    /** Stops after the runs in flight, waiting for them at most {@code wait} in all. */
    public void stop(Duration wait) {
        stopping = true;
        threads.forEach(LockSupport::unpark);
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread t : threads) {
            try {
                t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
