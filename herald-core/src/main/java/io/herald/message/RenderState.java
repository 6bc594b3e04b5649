package io.herald.message;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * What one message's render knows beside its variables: the person's timezone and locale (for the date, number and
 * money filters), the time, the budget (deadline, output size) and the undefined variables met so far.
 *
 * <p>Undefined counts only what an output tag ({@code {{ }}}) printed: a condition testing whether a variable
 * exists ({@code {% if person.plan %}}) is not a mistake, and a {@code default} filter forgives what it replaced.
 */
final class RenderState {
    /** A render went over its budget; turned into {@code RenderFailure("render_limit")}. */
    static final class Limit extends RuntimeException {
        Limit(String message) {
            super(message, null, false, false);
        }
    }

    final ZoneId zone;
    /** Liqp's context for this message, made by the first template that renders. */
    liqp.TemplateContext context;
    final Locale locale;
    final Instant now;
    private final long deadline;
    private final long maxMillis;
    private final int maxOutput;
    private int output;
    private int ticks;
    private int depth;
    private int mark;
    private final List<String> missing = new ArrayList<>(4);

    RenderState(ZoneId zone, Locale locale, Instant now, long maxMillis, int maxOutput) {
        this.zone = zone;
        this.locale = locale;
        this.now = now;
        this.maxMillis = maxMillis;
        this.deadline = System.nanoTime() + maxMillis * 1_000_000L;
        this.maxOutput = maxOutput;
    }

    int enterOutput() {
        int previous = mark;
        mark = missing.size();
        depth++;
        return previous;
    }

    void leaveOutput(int previous) {
        depth--;
        mark = previous;
    }

    /** A variable an output read was not there. */
    void missing(String path) {
        if (depth > 0) missing.add(path);
    }

    /** The {@code default} filter replaced what the current output read: nothing it met counts as undefined. */
    void forgive() {
        while (missing.size() > mark) missing.remove(missing.size() - 1);
    }

    List<String> undefined() {
        return missing.isEmpty() ? List.of() : List.copyOf(new LinkedHashSet<>(missing));
    }

    /** Called on every piece of output a template appends (loops and blocks append once per piece). */
    void tick(Object piece) {
        // One template's output is bounded by Liqp as it appends; the message's total is counted per template.
        if ((++ticks & 31) == 0) checkTime();
    }

    void output(int chars) {
        output += chars;
        if (output > maxOutput) throw new Limit("the message rendered more than " + maxOutput + " characters");
    }

    void checkTime() {
        if (System.nanoTime() - deadline > 0) throw new Limit("the message took more than " + maxMillis + " ms to render");
    }
}
