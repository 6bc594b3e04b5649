package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Evaluates a condition for one person at one instant, and says when its answer could next change by the mere
 * passing of time (so a timer can wake the person then instead of a periodic recompute).
 */
final class Evaluator {
    /** No change expected from time alone. */
    static final long NEVER = Long.MAX_VALUE;

    private Evaluator() {
    }

    static boolean matches(Condition c, Facts f, long now) {
        return switch (c) {
            case Condition.And a -> {
                for (Condition x : a.all()) if (!matches(x, f, now)) yield false;
                yield true;
            }
            case Condition.Or o -> {
                for (Condition x : o.any()) if (matches(x, f, now)) yield true;
                yield false;
            }
            case Condition.Not n -> !matches(n.condition(), f, now);
            case Condition.Attribute a -> Values.test(Values.at(f.attributes(), a.path()), a.op(), a.operand(), now);
            case Condition.Performed p -> performed(p, f.tally(p), now);
            case Condition.InSegment s -> f.inSegment(s.segmentId());
            case Condition.HasDevice d -> {
                for (Facts.DeviceFact x : f.devices()) {
                    if ((d.platform() == null || d.platform().equals(x.platform()))
                            && (d.provider() == null || d.provider().equals(x.provider()))
                            && (d.appId() == null || d.appId().equals(x.appId()))
                            && (d.pushEnabled() == null || d.pushEnabled() == x.pushEnabled())) yield true;
                }
                yield false;
            }
            case Condition.Subscribed s -> f.subscribed(s.channel(), s.topic());
        };
    }

    private static boolean performed(Condition.Performed p, Tally t, long now) {
        if (p.measure() instanceof Condition.Measure.Last l) {
            if (t == null || t.count == 0) return false;
            long point = Values.point(l.point(), now);
            return l.before() ? t.last < point : t.last > point;
        }
        long count;
        long valued = 0;
        double sum = 0;
        double min = Double.NaN;
        double max = Double.NaN;
        switch (p.window()) {
            case Condition.Window.Ever e -> {
                if (t != null) {
                    count = t.count;
                    valued = t.valued;
                    sum = t.sum;
                    min = t.min;
                    max = t.max;
                } else {
                    count = 0;
                }
            }
            case Condition.Window.Between b -> { // the tally itself holds only the range's events
                if (t != null) {
                    count = t.count;
                    valued = t.valued;
                    sum = t.sum;
                    min = t.min;
                    max = t.max;
                } else {
                    count = 0;
                }
            }
            default -> {
                count = 0;
                if (t != null) {
                    int from;
                    int to;
                    if (p.window() instanceof Condition.Window.Within w) {
                        from = t.from(now - w.duration().toMillis());
                        to = t.size();
                    } else {
                        Condition.Window.BetweenAgo b = (Condition.Window.BetweenAgo) p.window();
                        from = t.from(now - b.from().toMillis());
                        to = t.to(now - b.to().toMillis());
                    }
                    if (p.measure() instanceof Condition.Measure.Count c) {
                        // a count needs only the times: the values are another array, cold in the cache
                        return c.compare().test(Math.max(0, to - from));
                    }
                    for (int i = from; i < to; i++) {
                        count++;
                        double v = t.value(i);
                        if (Double.isNaN(v)) continue;
                        valued++;
                        sum += v;
                        min = Double.isNaN(min) ? v : Math.min(min, v);
                        max = Double.isNaN(max) ? v : Math.max(max, v);
                    }
                }
            }
        }
        return switch (p.measure()) {
            case Condition.Measure.Count c -> c.compare().test(count);
            case Condition.Measure.Aggregate a -> switch (a.fn()) {
                case SUM -> a.compare().test(sum);
                case AVG -> valued > 0 && a.compare().test(sum / valued);
                case MIN -> valued > 0 && a.compare().test(min);
                case MAX -> valued > 0 && a.compare().test(max);
            };
            case Condition.Measure.Last l -> throw new IllegalStateException("handled above");
        };
    }

    /** The earliest instant after {@code now} at which the answer could change with no new event; {@link #NEVER}. */
    static long nextChange(Condition c, Facts f, long now) {
        return switch (c) {
            case Condition.And a -> {
                long m = NEVER;
                for (Condition x : a.all()) m = Math.min(m, nextChange(x, f, now));
                yield m;
            }
            case Condition.Or o -> {
                long m = NEVER;
                for (Condition x : o.any()) m = Math.min(m, nextChange(x, f, now));
                yield m;
            }
            case Condition.Not n -> nextChange(n.condition(), f, now);
            case Condition.Attribute a -> attributeChange(a, f, now);
            case Condition.Performed p -> performedChange(p, f.tally(p), now);
            // another segment's changes re-evaluate this one when they happen; devices and subscriptions change by events
            case Condition.InSegment s -> NEVER;
            case Condition.HasDevice d -> NEVER;
            case Condition.Subscribed s -> NEVER;
        };
    }

    /** Whether time alone can change the answer for anyone (the segment needs timers at all). */
    static boolean timeDependent(Condition c) {
        return switch (c) {
            case Condition.And a -> a.all().stream().anyMatch(Evaluator::timeDependent);
            case Condition.Or o -> o.any().stream().anyMatch(Evaluator::timeDependent);
            case Condition.Not n -> timeDependent(n.condition());
            case Condition.Attribute a -> a.operand() instanceof Condition.Operand.Ago;
            case Condition.Performed p -> p.window() instanceof Condition.Window.Within
                    || p.window() instanceof Condition.Window.BetweenAgo
                    || p.measure() instanceof Condition.Measure.Last l && l.point() instanceof Condition.Operand.Ago;
            case Condition.InSegment s -> false;
            case Condition.HasDevice d -> false;
            case Condition.Subscribed s -> false;
        };
    }

    private static long attributeChange(Condition.Attribute a, Facts f, long now) {
        if (!(a.operand() instanceof Condition.Operand.Ago ago)) return NEVER;
        JsonNode v = Values.at(f.attributes(), a.path());
        Long t = Values.instant(v);
        if (t == null) return NEVER;
        long d = ago.ago().toMillis();
        return switch (a.op()) {
            // within: true for now in [t, t + d)
            case WITHIN, NOT_WITHIN -> after(now, t, t + d);
            // before: t < now - d, true from now = t + d + 1
            case BEFORE -> after(now, t + d + 1);
            // after: t > now - d, false from now = t + d
            case AFTER -> after(now, t + d);
            default -> NEVER;
        };
    }

    private static long performedChange(Condition.Performed p, Tally t, long now) {
        if (t == null || t.count == 0) return NEVER;
        if (p.measure() instanceof Condition.Measure.Last l) {
            if (!(l.point() instanceof Condition.Operand.Ago ago)) return NEVER;
            long d = ago.ago().toMillis();
            return l.before() ? after(now, t.last + d + 1) : after(now, t.last + d);
        }
        switch (p.window()) {
            case Condition.Window.Within w -> {
                // An entry counts while now < ts + d; the first one still counted leaves first.
                long d = w.duration().toMillis();
                int i = t.from(now - d);
                return i < t.size() ? t.time(i) + d : NEVER;
            }
            case Condition.Window.BetweenAgo b -> {
                // An entry counts while ts + to <= now < ts + from: it enters at ts + to, leaves at ts + from.
                long from = b.from().toMillis();
                long to = b.to().toMillis();
                int leaving = t.from(now - from);
                int entering = t.from(now - to);
                long m = NEVER;
                if (leaving < t.size()) m = t.time(leaving) + from;
                if (entering < t.size()) m = Math.min(m, t.time(entering) + to);
                return m;
            }
            default -> {
                return NEVER;
            }
        }
    }

    private static long after(long now, long... candidates) {
        long m = NEVER;
        for (long c : candidates) if (c > now) m = Math.min(m, c);
        return m;
    }
}
