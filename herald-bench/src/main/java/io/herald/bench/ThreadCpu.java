package io.herald.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time per group of OS threads of this process, from {@code /proc/self/task}: shows whether the request
 * threads (virtual threads run on the {@code ForkJoinPool} carriers), the log writer, the person processors, the
 * client or the JIT compiler used the CPU during a phase. Linux only; elsewhere it reports nothing.
 */
final class ThreadCpu {
    private static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every mainstream Linux build

    private final Map<String, Long> ticksByThread;

    private ThreadCpu(Map<String, Long> ticksByThread) {
        this.ticksByThread = ticksByThread;
    }

    static ThreadCpu snapshot() {
        Map<String, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    String stat = Files.readString(task.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command name
                    ticks.put(task.getFileName() + "/" + name, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException e) {
                    // the thread ended between listing and reading: it no longer counts
                }
            }
        } catch (IOException e) {
            return new ThreadCpu(Map.of());
        }
        return new ThreadCpu(ticks);
    }

    /** "herald-processor 41% · C2 CompilerThread 32% · …" of the CPU used since {@code earlier}, largest first. */
    String since(ThreadCpu earlier, double wallSeconds) {
        Map<String, Long> byGroup = new HashMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : ticksByThread.entrySet()) {
            long used = e.getValue() - earlier.ticksByThread.getOrDefault(e.getKey(), 0L);
            String group = e.getKey().substring(e.getKey().indexOf('/') + 1).replaceAll("[-#0-9]+$", "");
            byGroup.merge(group, used, Long::sum);
            total += used;
        }
        if (total == 0) return "n/a";
        long all = total;
        Map<String, Long> top = byGroup.entrySet().stream().filter(e -> e.getValue() * 50 >= all)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        String parts = top.entrySet().stream().map(e -> String.format("%s %.0f%%", e.getKey(), 100.0 * e.getValue() / all))
                .collect(Collectors.joining(" · "));
        return String.format("%.2f cores used: %s", all / TICKS_PER_SECOND / wallSeconds, parts);
    }
}
