package io.herald.bench;

import java.util.List;
import java.util.Map;

/** Figures the campaign benchmarks ({@link TimersBench}, {@link BroadcastBench}) share. */
final class CampaignBench {
    private CampaignBench() {
    }

    /** Events per second over sorted instants (ms): how many, over the time from the first to the last. */
    static double rate(long[] sortedInstants) {
        if (sortedInstants.length < 2) return Double.NaN;
        long span = sortedInstants[sortedInstants.length - 1] - sortedInstants[0];
        return span <= 0 ? Double.NaN : (sortedInstants.length - 1) * 1000.0 / span;
    }

    /** The store's size as seeded, and what the campaign tables cost per person. */
    static void storeRows(Report report, BenchStore store, long storeBytes, Map<String, Long> tables, int people) {
        long campaignBytes = 0;
        StringBuilder parts = new StringBuilder();
        for (String t : List.of("campaign_runs", "run_steps", "timers")) {
            long b = tables.getOrDefault(t, 0L);
            campaignBytes += b;
            parts.append(parts.isEmpty() ? "" : " · ").append(t).append(' ').append(Memory.mib(b));
        }
        long personBytes = tables.getOrDefault("persons", 0L) + tables.getOrDefault("identities", 0L);
        report.row("store on disk as seeded (" + store.engineName() + ")", Memory.mib(storeBytes), "",
                String.format("%,d people", people));
        if (tables.isEmpty()) return;
        report.row("  runs, their paths and timers (with indexes)", Memory.mib(campaignBytes), "",
                String.format("%,.0f bytes per waiting person: %s", (double) campaignBytes / people, parts));
        report.row("  the people themselves (persons + identities)", Memory.mib(personBytes), "",
                String.format("%,.0f bytes per person", (double) personBytes / people));
    }
}
