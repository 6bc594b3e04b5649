package io.herald.server.cli;

import io.herald.simulation.SimulationResult;
import java.io.PrintWriter;
import java.util.List;

/** {@code herald simulate}'s readable report: per person, each run's path with times, refusals, deliveries. */
final class SimulationReport {
    /** A delivery's message is shown on one line, cut here. */
    private static final int MESSAGE_WIDTH = 100;

    private SimulationReport() {
    }

    static void print(SimulationResult r, PrintWriter out) {
        out.printf("%s (%s), %s to %s%n", r.campaignName(), r.campaignId(), r.start(), r.until());
        out.printf("%d events, %d timers, simulated in %d ms%n", r.stats().events(), r.stats().timersFired(),
                r.stats().wallMillis());
        for (String w : r.warnings()) out.println("warning: " + w);
        for (SimulationResult.PersonResult p : r.people()) {
            out.println();
            out.println(p.userId());
            if (p.runs().isEmpty() && p.refused().isEmpty()) out.println("  not triggered");
            int n = 1;
            for (SimulationResult.RunResult run : p.runs()) printRun(n++, run, out);
            if (!p.refused().isEmpty()) {
                out.println("  not entered");
                for (SimulationResult.Refusal x : p.refused()) out.printf("    %s  %s%n", x.at(), x.reason());
            }
            if (!p.deliveries().isEmpty()) {
                out.println("  deliveries");
                int step = width(p.deliveries().stream().map(SimulationResult.Delivery::step).toList());
                int channel = width(p.deliveries().stream().map(SimulationResult.Delivery::channel).toList());
                for (SimulationResult.Delivery d : p.deliveries()) {
                    out.printf("    %s  %-" + step + "s  %-" + channel + "s  %s%n", d.at(), d.step(), d.channel(),
                            cut(d.message().toString()));
                }
            }
        }
        out.flush();
    }

    private static void printRun(int n, SimulationResult.RunResult run, PrintWriter out) {
        StringBuilder head = new StringBuilder("  run " + n + " (version " + run.version());
        if (run.holdout()) head.append(", holdout");
        else if (run.variant() != null) head.append(", split path ").append(run.variant());
        head.append("): ").append(run.status());
        if (run.exitReason() != null && !run.exitReason().equals(run.status())) head.append(" (").append(run.exitReason()).append(')');
        if (run.convertedAt() != null) head.append(", converted ").append(run.convertedAt());
        out.println(head);
        int step = width(run.path().stream().map(SimulationResult.PathStep::step).toList());
        int outcome = width(run.path().stream().map(SimulationResult.PathStep::outcome).toList());
        for (SimulationResult.PathStep s : run.path()) {
            String line = String.format("    %s  %-" + step + "s  %-" + outcome + "s  %s", s.at(), s.step(), s.outcome(),
                    s.detail() == null ? "" : s.detail());
            out.println(line.stripTrailing());
        }
    }

    private static int width(List<String> values) {
        return Math.max(1, values.stream().mapToInt(String::length).max().orElse(1));
    }

    private static String cut(String s) {
        return s.length() <= MESSAGE_WIDTH ? s : s.substring(0, MESSAGE_WIDTH - 1) + "…";
    }
}
