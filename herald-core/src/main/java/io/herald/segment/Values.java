package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * How attribute and property values compare (docs/concepts.md "Comparing values"). Numbers compare as numbers
 * (a numeric string counts as one), dates as instants, everything else as text. Every negative op ({@code neq},
 * {@code not_in}, {@code not_contains}, {@code not_exists}, {@code not_within}) is the exact negation of its
 * positive op, so it also holds when the value is missing.
 */
final class Values {
    /** Below this, a number read as a date is in seconds (Unix time); above, in milliseconds. */
    private static final double SECONDS_LIMIT = 1e11;

    private Values() {
    }

    /** Follows a dot path into nested objects; null when any step is missing or JSON null. */
    static JsonNode at(JsonNode root, String path) {
        if (root == null) return null;
        JsonNode direct = root.get(path); // a flat key that itself contains dots wins
        if (direct != null) return direct.isNull() ? null : direct;
        JsonNode n = root;
        int start = 0;
        while (n != null) {
            int dot = path.indexOf('.', start);
            String part = dot < 0 ? path.substring(start) : path.substring(start, dot);
            n = n.isObject() ? n.get(part) : null;
            if (dot < 0) break;
            start = dot + 1;
        }
        return n == null || n.isNull() ? null : n;
    }

    static boolean test(JsonNode actual, Condition.Op op, Condition.Operand operand, long now) {
        Condition.Op positive = op.negated();
        if (positive != null) return !test(actual, positive, operand, now);
        if (op == Condition.Op.EXISTS) return actual != null;
        if (actual == null) return false;
        return switch (op) {
            case EQ -> equal(actual, value(operand));
            case GT -> order(actual, value(operand)) instanceof Integer o && o > 0;
            case GTE -> order(actual, value(operand)) instanceof Integer o && o >= 0;
            case LT -> order(actual, value(operand)) instanceof Integer o && o < 0;
            case LTE -> order(actual, value(operand)) instanceof Integer o && o <= 0;
            case CONTAINS -> contains(actual, value(operand));
            case STARTS_WITH -> actual.isValueNode() && actual.asText().startsWith(value(operand).asText());
            case IN -> in(actual, ((Condition.Operand.Values) operand).values());
            case BEFORE -> {
                Long t = instant(actual);
                yield t != null && t < point(operand, now);
            }
            case AFTER -> {
                Long t = instant(actual);
                yield t != null && t > point(operand, now);
            }
            case WITHIN -> {
                Long t = instant(actual);
                yield t != null && within(t, ((Condition.Operand.Ago) operand).ago().toMillis(), now);
            }
            default -> throw new IllegalStateException("negative op handled above: " + op);
        };
    }

    /** A date "in the last D": not in the future, and less than D ago. */
    static boolean within(long t, long durationMillis, long now) {
        return t <= now && t > now - durationMillis;
    }

    /** The instant an operand names: fixed, or a duration back from now. */
    static long point(Condition.Operand operand, long now) {
        return switch (operand) {
            case Condition.Operand.At at -> at.epochMillis();
            case Condition.Operand.Ago ago -> now - ago.ago().toMillis();
            default -> throw new IllegalStateException("not a point in time: " + operand);
        };
    }

    private static JsonNode value(Condition.Operand operand) {
        return ((Condition.Operand.Value) operand).value();
    }

    private static boolean equal(JsonNode a, JsonNode b) {
        if (a.isArray()) {
            for (JsonNode e : a) if (equal(e, b)) return true; // a list attribute "equals" any of its items
            return false;
        }
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) return x.compareTo(y) == 0;
        if (a.isBoolean() || b.isBoolean()) {
            // "true" sent as text by one client and as a boolean by another is the same answer
            return (a.isBoolean() || a.isTextual()) && (b.isBoolean() || b.isTextual())
                    && a.asText().equalsIgnoreCase(b.asText());
        }
        if (!a.isValueNode() || !b.isValueNode()) return a.equals(b);
        return a.asText().equals(b.asText());
    }

    /**
     * The order of two scalars: as numbers when both are, as instants when both are dates, as text when both are
     * text; null when they do not compare (a number and a word, a boolean, an object).
     *
     * <p>A JSON number is also a date (epoch seconds or ms), so a date attribute sent as ISO-8601 compares with an
     * epoch number, and the other way round, as instants: clients send dates both ways.
     */
    private static Integer order(JsonNode a, JsonNode b) {
        if (!a.isValueNode() || !b.isValueNode() || a.isBoolean() || b.isBoolean()) return null;
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) return x.compareTo(y);
        Long s = instant(a);
        Long t = instant(b);
        if (s != null && t != null) return Long.compare(s, t);
        if (x != null || y != null) return null;
        return a.asText().compareTo(b.asText());
    }

    private static boolean contains(JsonNode actual, JsonNode needle) {
        if (actual.isArray()) {
            for (JsonNode e : actual) if (equal(e, needle)) return true;
            return false;
        }
        return actual.isValueNode() && actual.asText().contains(needle.asText());
    }

    private static boolean in(JsonNode actual, List<JsonNode> values) {
        for (JsonNode v : values) if (equal(actual, v)) return true;
        return false;
    }

    /** A JSON number, or a string holding one; else null. */
    static BigDecimal number(JsonNode n) {
        if (n.isNumber()) return n.decimalValue();
        if (n.isTextual()) {
            String s = n.textValue();
            if (s.isEmpty() || s.length() > 40) return null;
            char c = s.charAt(0);
            if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))) return null;
            try {
                return new BigDecimal(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** A double for aggregates; NaN when the value is missing or not numeric. */
    static double numeric(JsonNode n) {
        if (n == null) return Double.NaN;
        if (n.isNumber()) return n.doubleValue();
        BigDecimal d = number(n);
        return d == null ? Double.NaN : d.doubleValue();
    }

    /**
     * A date value as epoch ms: an ISO-8601 instant or offset date-time, a calendar date (midnight UTC), or a
     * number of seconds (below 1e11) or milliseconds since the epoch.
     */
    static Long instant(JsonNode n) {
        if (n == null) return null;
        if (n.isNumber()) {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || Math.abs(d) > 1e16) return null;
            return Math.abs(d) < SECONDS_LIMIT ? (long) (d * 1000) : (long) d;
        }
        if (!n.isTextual()) return null;
        return instant(n.textValue());
    }

    static Long instant(String s) {
        if (s.length() < 10 || s.length() > 40) return null;
        try {
            if (s.length() == 10) return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            if (s.endsWith("Z") || s.endsWith("z")) return Instant.parse(s.toUpperCase()).toEpochMilli();
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }
}
