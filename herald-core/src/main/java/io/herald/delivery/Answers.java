package io.herald.delivery;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Waiting for a round's channel answers, and what each one means when the wait is over. */
final class Answers {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private Answers() {
    }

    /** Waits for every answer, at most half the round's lease (the lease must outlive the round). */
    static void awaitAll(Collection<CompletableFuture<Outcome>> answers, Duration lease) {
        if (answers.isEmpty()) return;
        // Channels bound their own requests (webhook: at most MAX_TIMEOUT a hop); this bounds a channel that does not.
        long waitMillis = Math.max(1000, lease.toMillis() / 2);
        try {
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // each answer is looked at on its own below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The delivery's outcome: the channel's, or unknown when it gave none in time or failed to answer. */
    static Outcome outcomeOf(Claimed d, CompletableFuture<Outcome> a) {
        if (!a.isDone()) {
            a.cancel(false);
            return new Outcome.Unknown("no_answer");
        }
        try {
            Outcome o = a.getNow(null);
            return o == null ? new Outcome.Unknown("no_answer") : o;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            log.atError().setCause(cause).addKeyValue("delivery", d.id()).log("channel failed; delivery recorded unknown");
            return new Outcome.Unknown("channel_error");
        }
    }
}
