package io.herald.simulation;

import io.herald.error.ClientError;
import java.time.Duration;

/**
 * The wall-clock time a simulation may take (not virtual time: how long the machine works on it). Past it the
 * simulation stops with a 413 saying so; the request asked for more work than one simulation may do.
 */
final class Deadline {
    private final long endNanos;
    private final Duration budget;

    Deadline(Duration budget) {
        this.budget = budget;
        this.endNanos = System.nanoTime() + budget.toNanos();
    }

    void check() {
        if (System.nanoTime() - endNanos > 0) {
            throw new ClientError(413, "simulation_too_long", "the simulation did not finish within "
                    + budget.toMillis() + " ms of computing; simulate fewer people, fewer events or a shorter span", null);
        }
    }
}
