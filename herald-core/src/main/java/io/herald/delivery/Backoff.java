package io.herald.delivery;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * When to try a delivery again after a transient failure: exponential (base, 2×base, 4×base, ... up to a cap) with
 * "equal jitter" (half the step fixed, half random) so that many deliveries failing together against one provider do
 * not all come back at the same instant; never sooner than the provider's {@code Retry-After}.
 */
final class Backoff {
    private final Duration base;
    private final Duration cap;
    private final SplittableRandom random;

    Backoff(Duration base, Duration cap, long seed) {
        if (base.isNegative() || base.isZero()) throw new IllegalArgumentException("retry base must be positive, was " + base);
        if (cap.compareTo(base) < 0) throw new IllegalArgumentException("retry cap must be at least the base, was " + cap);
        this.base = base;
        this.cap = cap;
        this.random = new SplittableRandom(seed);
    }

    /**
     * @param attempt    the attempt that just failed, 1 for the first
     * @param retryAfter what the provider asked for, or null
     * @return milliseconds to wait
     */
    synchronized long delayMillis(int attempt, Duration retryAfter) {
        long step = base.toMillis();
        for (int i = 1; i < attempt && step < cap.toMillis(); i++) step *= 2;
        step = Math.min(step, cap.toMillis());
        long delay = step / 2 + random.nextLong(step / 2 + 1);
        if (retryAfter != null) delay = Math.max(delay, Math.min(retryAfter.toMillis(), Duration.ofDays(1).toMillis()));
        return delay;
    }
}
