package io.herald.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU time used by this whole process (server, client and background threads together). On a shared machine a
 * rate says how much CPU the run happened to get; CPU time per event says what the work costs, so it is reported
 * beside every rate, with the rate that cost would allow on all of the machine's cores.
 */
final class Cpu {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private Cpu() {
    }

    /** Process CPU time so far, in nanoseconds. */
    static long now() {
        return OS.getProcessCpuTime();
    }

    /** "37 µs/event → 54,000/s on 2 cores" for the CPU spent between two readings over {@code events}. */
    static String perEvent(long cpuNanos, long events, String unit) {
        if (events <= 0 || cpuNanos <= 0) return "n/a";
        double micros = cpuNanos / 1e3 / events;
        int cores = Runtime.getRuntime().availableProcessors();
        return String.format("%.1f µs CPU/%s → %,.0f/s on %d cores", micros, unit, cores * 1e6 / micros, cores);
    }
}
