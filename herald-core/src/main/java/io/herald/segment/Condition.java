package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * What a person must satisfy to be in a segment (API.md "Segment condition"), parsed and validated by
 * {@link ConditionParser}. Sealed: every evaluator handles every kind, so adding one is a compile error until
 * each does.
 */
public sealed interface Condition {

    record And(List<Condition> all) implements Condition {
        public And {
            all = List.copyOf(all);
        }
    }

    record Or(List<Condition> any) implements Condition {
        public Or {
            any = List.copyOf(any);
        }
    }

    record Not(Condition condition) implements Condition {
    }

    /** An attribute (dot path into nested objects) compared with {@code op}. */
    record Attribute(String path, Op op, Operand operand) implements Condition {
    }

    /**
     * The person performed an event (matching {@code filter}) so many times, or with such a sum/avg/min/max of a
     * property, in a window; or last did it before/after a point.
     */
    record Performed(EventFilter filter, Measure measure, Window window) implements Condition {
    }

    /** Member of another segment. */
    record InSegment(String segmentId) implements Condition {
    }

    /** Has at least one device matching every given field (null fields match anything). */
    record HasDevice(String platform, String provider, String appId, Boolean pushEnabled) implements Condition {
    }

    /** Subscribed to a channel, and to a topic on it when one is named. */
    record Subscribed(String channel, String topic) implements Condition {
    }

    /** The comparison an attribute or event property is put to. */
    enum Op {
        EQ, NEQ, GT, GTE, LT, LTE, CONTAINS, NOT_CONTAINS, STARTS_WITH, IN, NOT_IN, EXISTS, NOT_EXISTS,
        BEFORE, AFTER, WITHIN, NOT_WITHIN;

        String apiName() {
            return name().toLowerCase();
        }

        /** The op whose exact negation this is, or null for the positive ops. */
        Op negated() {
            return switch (this) {
                case NEQ -> EQ;
                case NOT_CONTAINS -> CONTAINS;
                case NOT_IN -> IN;
                case NOT_EXISTS -> EXISTS;
                case NOT_WITHIN -> WITHIN;
                default -> null;
            };
        }
    }

    /**
     * The right-hand side of a comparison, pre-parsed for its op: a JSON value, a list, an instant, or a duration
     * back from now (for before/after/within).
     */
    sealed interface Operand {
        record Value(JsonNode value) implements Operand {
        }

        record Values(List<JsonNode> values) implements Operand {
            public Values {
                values = List.copyOf(values);
            }
        }

        record At(long epochMillis) implements Operand {
        }

        /** A point {@code ago} before now (negative: in the future). */
        record Ago(Duration ago) implements Operand {
        }

        record None() implements Operand {
        }
    }

    /** A test of one event property, with the attribute ops. */
    record PropertyFilter(String path, Op op, Operand operand) {
    }

    /** How the events are measured. */
    sealed interface Measure {
        /** How many matching events. */
        record Count(Compare compare) implements Measure {
        }

        /** A sum/avg/min/max of a numeric property of the matching events. */
        record Aggregate(Fn fn, Compare compare) implements Measure {
        }

        /** When the last matching event happened: {@code before} (longer ago than) or {@code after} the point. */
        record Last(boolean before, Operand point) implements Measure {
        }
    }

    enum Fn { SUM, AVG, MIN, MAX }

    /** A numeric comparison. */
    record Compare(CmpOp op, double value) {
        boolean test(double actual) {
            return switch (op) {
                case EQ -> actual == value;
                case NEQ -> actual != value;
                case GT -> actual > value;
                case GTE -> actual >= value;
                case LT -> actual < value;
                case LTE -> actual <= value;
            };
        }
    }

    enum CmpOp { EQ, NEQ, GT, GTE, LT, LTE }

    /**
     * Which events count, by their timestamp: all of them; those in the last {@code within}; those between two
     * instants; or those between two points back from now.
     */
    sealed interface Window {
        record Ever() implements Window {
        }

        /** Events with {@code timestamp > now - duration}. */
        record Within(Duration duration) implements Window {
        }

        /** Events with {@code from <= timestamp < to}. */
        record Between(long from, long to) implements Window {
        }

        /** Events with {@code now - from < timestamp <= now - to} (from is the longer duration). */
        record BetweenAgo(Duration from, Duration to) implements Window {
        }
    }
}
