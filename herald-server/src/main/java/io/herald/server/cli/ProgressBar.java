package io.herald.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Draws a segment's computation progress as text from the {@code status} and {@code progress} of its API view.
 * On a terminal the bar is redrawn in place (carriage return); otherwise, for logs and pipes, a line is printed per
 * change and nothing when nothing changed.
 */
final class ProgressBar {
    static final int WIDTH = 30;

    private final PrintWriter out;
    private final boolean terminal;
    private String last;
    private int drawnWidth;

    ProgressBar(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** Shows the segment's state; returns whether it is ready. */
    boolean show(JsonNode segment) {
        String line = line(segment);
        boolean ready = "ready".equals(segment.path("status").asText());
        if (!line.equals(last)) {
            if (terminal) {
                // Pad over what the previous, possibly longer, line left on screen.
                out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
                drawnWidth = line.length();
            } else {
                out.println(line);
            }
            last = line;
        }
        if (ready && terminal) out.println();
        out.flush();
        return ready;
    }

    static String line(JsonNode segment) {
        String status = segment.path("status").asText("?");
        JsonNode p = segment.path("progress");
        long done = p.path("done").asLong();
        long total = p.path("total").asLong();
        double percent = p.path("percent").asDouble();
        int filled = (int) Math.min(WIDTH, Math.floor(percent / 100 * WIDTH));
        return String.format(Locale.ROOT, "%-9s [%s%s] %5.1f%%  %d/%d people", status, "#".repeat(filled),
                "-".repeat(WIDTH - filled), percent, done, total);
    }
}
