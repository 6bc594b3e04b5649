package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The oracle of {@link SegmentMembershipProperties}: whether a person satisfies a segment condition, computed the
 * slow, obvious way from the condition's API JSON, the raw list of the person's track events and their attributes,
 * following docs/concepts.md "Exact meaning" line by line.
 *
 * <p>Written apart from the engine on purpose (nothing here calls Evaluator, Tally, Values or the parser): a shared
 * helper would make a bug agree with itself. It covers the condition kinds the property generates (and/or/not,
 * attribute, event); anything else is a generator mistake and throws.
 */
final class BruteForceMembership {
    /** One track event as sent: its name, properties and own timestamp (epoch ms). */
    record SentEvent(String event, JsonNode properties, long timestamp) {
    }

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern DURATION = Pattern.compile(
            "P(?:(\\d+)Y)?(?:(\\d+)M)?(?:(\\d+)W)?(?:(\\d+)D)?(?:T(?:(\\d+)H)?(?:(\\d+)M)?(?:(\\d+)S)?)?");
    private static final long DAY = 86_400_000L;

    private BruteForceMembership() {
    }

    static boolean holds(JsonNode c, JsonNode attributes, List<SentEvent> events, long now) {
        if (c.has("and")) {
            for (JsonNode x : c.get("and")) if (!holds(x, attributes, events, now)) return false;
            return true;
        }
        if (c.has("or")) {
            for (JsonNode x : c.get("or")) if (holds(x, attributes, events, now)) return true;
            return false;
        }
        if (c.has("not")) return !holds(c.get("not"), attributes, events, now);
        if (c.has("attribute")) {
            JsonNode v = attributes == null ? null : attributes.get(c.get("attribute").textValue());
            return test(v, c.get("op").textValue(), c.get("value"), now);
        }
        if (c.has("event")) return performed(c, events, now);
        throw new IllegalArgumentException("the oracle does not know this condition: " + c);
    }

    // ---- event conditions ------------------------------------------------------------------------------------

    private static boolean performed(JsonNode c, List<SentEvent> events, long now) {
        List<SentEvent> matching = new ArrayList<>();
        for (SentEvent e : events) {
            if (e.event().equals(c.get("event").textValue()) && passesWhere(c.get("where"), e) && inWindow(c, e, now)) {
                matching.add(e);
            }
        }
        if (c.has("last")) { // "never did it: fails"
            if (matching.isEmpty()) return false;
            long last = Long.MIN_VALUE;
            for (SentEvent e : matching) last = Math.max(last, e.timestamp());
            long point = point(c.get("last").get("value").textValue(), now);
            return c.get("last").get("op").textValue().equals("before") ? last < point : last > point;
        }
        if (c.has("aggregate")) {
            JsonNode a = c.get("aggregate");
            List<Double> values = new ArrayList<>();
            for (SentEvent e : matching) {
                JsonNode v = e.properties() == null ? null : e.properties().get(a.get("property").textValue());
                BigDecimal n = v == null ? null : number(v);
                if (n != null) values.add(n.doubleValue());
            }
            String fn = a.get("fn").textValue();
            if (fn.equals("sum")) {
                double sum = 0;
                for (double v : values) sum += v;
                return compare(sum, a);
            }
            if (values.isEmpty()) return false; // avg/min/max of nothing fail
            double r = switch (fn) {
                case "avg" -> values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
                case "min" -> values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                case "max" -> values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                default -> throw new IllegalArgumentException(fn);
            };
            return compare(r, a);
        }
        if (c.has("count")) return compare(matching.size(), c.get("count"));
        return !matching.isEmpty(); // count defaults to gte 1
    }

    private static boolean passesWhere(JsonNode where, SentEvent e) {
        if (where == null) return true;
        for (JsonNode f : where) {
            JsonNode v = e.properties() == null ? null : e.properties().get(f.get("property").textValue());
            // relative dates in a filter are measured from the event's own timestamp
            if (!test(v, f.get("op").textValue(), f.get("value"), e.timestamp())) return false;
        }
        return true;
    }

    private static boolean inWindow(JsonNode c, SentEvent e, long now) {
        long ts = e.timestamp();
        if (c.has("within")) return ts > now - duration(c.get("within").textValue());
        if (c.has("between")) {
            String from = c.get("between").get(0).textValue();
            String to = c.get("between").get(1).textValue();
            if (isDuration(from)) return now - duration(from) < ts && ts <= now - duration(to);
            return date(from) <= ts && ts < date(to);
        }
        return true;
    }

    private static boolean compare(double actual, JsonNode cmp) {
        double v = cmp.get("value").doubleValue();
        return switch (cmp.get("op").textValue()) {
            case "eq" -> actual == v;
            case "neq" -> actual != v;
            case "gt" -> actual > v;
            case "gte" -> actual >= v;
            case "lt" -> actual < v;
            case "lte" -> actual <= v;
            default -> throw new IllegalArgumentException(cmp.toString());
        };
    }

    // ---- comparing values ------------------------------------------------------------------------------------

    /** An attribute or property (null: missing) put to an op; {@code now} is the evaluation's, or the event's. */
    static boolean test(JsonNode v, String op, JsonNode operand, long now) {
        switch (op) { // every negative op is the exact negation of its positive one
            case "neq" -> {
                return !test(v, "eq", operand, now);
            }
            case "not_in" -> {
                return !test(v, "in", operand, now);
            }
            case "not_contains" -> {
                return !test(v, "contains", operand, now);
            }
            case "not_exists" -> {
                return !test(v, "exists", operand, now);
            }
            case "not_within" -> {
                return !test(v, "within", operand, now);
            }
            default -> { }
        }
        if (v != null && v.isNull()) v = null;
        if (op.equals("exists")) return v != null;
        if (v == null) return false; // a missing value fails every positive op
        switch (op) {
            case "eq":
                return equal(v, operand);
            case "in":
                for (JsonNode x : operand) if (equal(v, x)) return true;
                return false;
            case "gt", "gte", "lt", "lte": {
                Integer o = order(v, operand);
                if (o == null) return false;
                return switch (op) {
                    case "gt" -> o > 0;
                    case "gte" -> o >= 0;
                    case "lt" -> o < 0;
                    default -> o <= 0;
                };
            }
            case "contains":
                if (v.isArray()) {
                    for (JsonNode x : v) if (equal(x, operand)) return true;
                    return false;
                }
                return v.isTextual() && v.textValue().contains(operand.asText());
            case "starts_with":
                return v.isTextual() && v.textValue().startsWith(operand.asText());
            case "before", "after": {
                Long d = date(v);
                if (d == null) return false;
                long x = point(operand.textValue(), now);
                return op.equals("before") ? d < x : d > x;
            }
            case "within": {
                Long d = date(v);
                return d != null && now - duration(operand.textValue()) < d && d <= now;
            }
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    /**
     * eq: numbers (or numeric strings) as numbers; a boolean only with the same boolean or its text in any case;
     * everything else as text; a list when one of its items is equal.
     */
    private static boolean equal(JsonNode a, JsonNode b) {
        if (a.isArray()) {
            for (JsonNode x : a) if (equal(x, b)) return true;
            return false;
        }
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) return x.compareTo(y) == 0;
        if (a.isBoolean() || b.isBoolean()) {
            String s = booleanText(a);
            return s != null && s.equals(booleanText(b));
        }
        if (!a.isValueNode() || !b.isValueNode()) return false;
        return a.asText().equals(b.asText());
    }

    private static String booleanText(JsonNode n) {
        if (n.isBoolean()) return String.valueOf(n.booleanValue());
        if (n.isTextual() && (n.textValue().equalsIgnoreCase("true") || n.textValue().equalsIgnoreCase("false"))) {
            return n.textValue().toLowerCase();
        }
        return null;
    }

    /**
     * gt/gte/lt/lte: both numbers (or numeric strings) numerically; both dates as instants; both text
     * lexicographically; anything else (a number against a word, booleans, lists, objects) does not compare.
     */
    private static Integer order(JsonNode a, JsonNode b) {
        if (!a.isValueNode() || !b.isValueNode() || a.isBoolean() || b.isBoolean()) return null;
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) return x.compareTo(y);
        Long s = date(a);
        Long t = date(b);
        if (s != null && t != null) return Long.compare(s, t);
        if (a.isTextual() && b.isTextual() && x == null && y == null) return a.textValue().compareTo(b.textValue());
        return null;
    }

    private static BigDecimal number(JsonNode n) {
        if (n.isNumber()) return n.decimalValue();
        if (n.isTextual() && NUMBER.matcher(n.textValue()).matches()) return new BigDecimal(n.textValue());
        return null;
    }

    /** A date: an ISO-8601 instant (offsets allowed), a calendar date (midnight UTC), or epoch seconds/ms. */
    static Long date(JsonNode n) {
        if (n.isNumber()) {
            double d = n.doubleValue();
            return d < 1e11 ? (long) (d * 1000) : (long) d;
        }
        return n.isTextual() ? date(n.textValue()) : null;
    }

    static Long date(String s) {
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /** A point in time: an instant, or a duration back from now ({@code -P3D} is 3 days ahead). */
    private static long point(String s, long now) {
        if (isDuration(s)) return now - duration(s);
        Long d = date(s);
        if (d == null) throw new IllegalArgumentException("not a point in time: " + s);
        return d;
    }

    private static boolean isDuration(String s) {
        return s.startsWith("P") || s.startsWith("-P");
    }

    /** Durations as the docs define them: a week is 7 days, a month 30, a year 365. */
    static long duration(String s) {
        boolean negative = s.startsWith("-");
        Matcher m = DURATION.matcher(negative ? s.substring(1) : s);
        if (!m.matches()) throw new IllegalArgumentException("not a duration: " + s);
        long days = 365 * part(m, 1) + 30 * part(m, 2) + 7 * part(m, 3) + part(m, 4);
        long ms = days * DAY + part(m, 5) * 3_600_000L + part(m, 6) * 60_000L + part(m, 7) * 1000L;
        return negative ? -ms : ms;
    }

    private static long part(Matcher m, int group) {
        return m.group(group) == null ? 0 : Long.parseLong(m.group(group));
    }
}
