package io.herald.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table of figures: what was measured, the figure, the target it is held against, and a note. */
final class Report {
    private final String title;
    private final List<String[]> rows = new ArrayList<>();

    Report(String title) {
        this.title = title;
    }

    Report row(String what, String value, String target, String note) {
        rows.add(new String[] {what, value, target, note});
        return this;
    }

    Report row(String what, String value) {
        return row(what, value, "", "");
    }

    static String rate(double perSecond) {
        return String.format("%,.0f/s", perSecond);
    }

    static String ratio(double a, double b) {
        return b > 0 ? String.format("%.2f", a / b) : "n/a";
    }

    /** "met" or "MISSED" for a figure held against a floor or a ceiling. */
    static String verdict(boolean met) {
        return met ? "met" : "MISSED";
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("### ").append(title).append("\n\n");
        sb.append("| measure | figure | target | note |\n|---|---:|---|---|\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return sb.toString();
    }
}
