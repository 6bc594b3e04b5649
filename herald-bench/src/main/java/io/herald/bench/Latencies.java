package io.herald.bench;

import java.util.Arrays;

/**
 * Recorded latencies in nanoseconds and their percentiles. A growable array sorted once at the end: runs record at
 * most a few hundred thousand samples, so HdrHistogram would buy nothing here. Thread-safe.
 */
final class Latencies {
    private long[] samples = new long[1024];
    private int size;
    private long[] sorted;

    synchronized void record(long nanos) {
        if (size == samples.length) samples = Arrays.copyOf(samples, size * 2);
        samples[size++] = nanos;
        sorted = null;
    }

    /** Forgets every sample (after a warm-up). */
    synchronized void clear() {
        size = 0;
        sorted = null;
    }

    synchronized int count() {
        return size;
    }

    /** The smallest sample that at least {@code p} of the samples do not exceed, in ms; NaN when empty. */
    synchronized double percentileMillis(double p) {
        if (size == 0) return Double.NaN;
        if (sorted == null) {
            sorted = Arrays.copyOf(samples, size);
            Arrays.sort(sorted);
        }
        int index = (int) Math.ceil(p * size) - 1;
        return sorted[Math.clamp(index, 0, size - 1)] / 1e6;
    }

    /** "p50 / p99 / p99.9 / max" in ms, e.g. for a table cell. */
    String summary() {
        if (count() == 0) return "n/a";
        return String.format("%.1f / %.1f / %.1f / %.1f ms", percentileMillis(0.50), percentileMillis(0.99),
                percentileMillis(0.999), percentileMillis(1.0));
    }
}
