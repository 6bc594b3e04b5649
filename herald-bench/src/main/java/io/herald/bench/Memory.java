package io.herald.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's memory (heap in use after a full GC, resident set size now and at peak) and its disk writes. */
final class Memory {
    private Memory() {
    }

    /** Heap in use after asking for full collections (the live set, give or take what the GC kept). */
    static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100); // let concurrent phases and reference processing finish
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    static long heapCommitted() {
        return Runtime.getRuntime().totalMemory();
    }

    /** VmRSS in bytes, or -1 where /proc is not available. */
    static long rss() {
        return procStatus("VmRSS:");
    }

    /** VmHWM (peak resident set) in bytes, or -1 where /proc is not available. */
    static long peakRss() {
        return procStatus("VmHWM:");
    }

    /**
     * Bytes this process has caused to be written to storage so far ({@code write_bytes} of /proc/self/io), or -1.
     * With SQLite that is the WAL and the checkpoints; PostgreSQL writes in its own processes, so it shows little.
     */
    static long diskWrites() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("write_bytes:")) return Long.parseLong(line.substring(12).trim());
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format("%,.0f MiB", bytes / 1048576.0);
    }
}
