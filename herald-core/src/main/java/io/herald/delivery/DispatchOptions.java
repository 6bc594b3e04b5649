package io.herald.delivery;

import java.time.Duration;

/**
 * How a {@link Dispatcher} runs its rounds.
 *
 * @param batchSize   deliveries per round
 * @param lease       how long a round holds its deliveries; longer than a round can take (channel timeouts
 *                    included), since a delivery whose lease ran out mid-send is recorded unknown
 * @param maxAttempts sends before a transient failure becomes {@code failed}
 * @param retryBase   the first retry's delay (doubled each time, with jitter) up to {@code retryCap}
 * @param seed        the jitter's
 * @param rounds      rounds in flight at once (background threads): one round's render, send and record
 *                    overlap the next one's claim and gate; two did 11,656–13,069 deliveries/s to a no-op channel
 *                    where one did 9,178–11,560 (docs/benchmarks.md, issue 5)
 */
public record DispatchOptions(int batchSize, Duration lease, int maxAttempts, Duration retryBase, Duration retryCap,
                              long seed, int rounds) {
    public DispatchOptions {
        if (batchSize < 1 || batchSize > 5000) {
            throw new IllegalArgumentException("batchSize must be from 1 to 5000, was " + batchSize);
        }
        if (rounds < 1 || rounds > 16) {
            throw new IllegalArgumentException("rounds must be from 1 to 16, was " + rounds);
        }
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, was " + lease);
        }
    }

    public static DispatchOptions defaults() {
        return new DispatchOptions(500, Duration.ofMinutes(5), 8, Duration.ofSeconds(10), Duration.ofHours(1),
                System.nanoTime(), 2);
    }

    public DispatchOptions withBatchSize(int n) {
        return new DispatchOptions(n, lease, maxAttempts, retryBase, retryCap, seed, rounds);
    }

    public DispatchOptions withMaxAttempts(int n) {
        return new DispatchOptions(batchSize, lease, n, retryBase, retryCap, seed, rounds);
    }

    public DispatchOptions withRounds(int n) {
        return new DispatchOptions(batchSize, lease, maxAttempts, retryBase, retryCap, seed, n);
    }
}
