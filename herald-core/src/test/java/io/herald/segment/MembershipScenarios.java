package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Generators for {@link SegmentMembershipProperties}: people's track and identify calls, clock moves, and segment
 * conditions as API JSON.
 *
 * <p>Times sit on a grid of whole hours around {@link #START} (with an occasional ±1 ms), and so do condition
 * instants and durations, so that events, checkpoints and window edges often coincide exactly: the boundaries are
 * where incremental bookkeeping goes wrong. {@link Step.EdgeCheckpoint} aims at them on purpose.
 */
final class MembershipScenarios {
    static final Instant START = Instant.parse("2026-11-20T00:00:00Z");
    static final long HOUR = 3_600_000L;
    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    static final List<String> USERS = List.of("u1", "u2", "u3", "u4", "u5", "u6");
    static final List<String> EVENTS = List.of("export", "purchase", "login");
    static final List<String> DURATIONS = List.of("PT30M", "PT12H", "P1D", "P1DT12H", "P3D", "P7D", "P2W", "P1M");
    /** Durations ahead of now, for before/after. */
    static final List<String> AHEAD = List.of("-PT12H", "-P1D", "-P3D");

    /** One thing the property does, in order. */
    sealed interface Step {
        /** Creates a segment (the background computation covers the people who already exist). */
        record CreateSegment(ObjectNode condition) implements Step {
        }

        /** Replaces the condition of the {@code which}-th segment created so far (modulo their number). */
        record EditSegment(int which, ObjectNode condition) implements Step {
        }

        /** A track call stamped {@code offsetMillis} from the clock's now (negative: backfilled). */
        record Track(String userId, String event, ObjectNode properties, long offsetMillis) implements Step {
        }

        record Identify(String userId, ObjectNode traits) implements Step {
        }

        /** Moves the clock forward, settles the pipeline, and compares everyone's membership with the oracle. */
        record Checkpoint(long advanceMillis) implements Step {
        }

        /**
         * A checkpoint at an edge, {@code deltaMillis} off the {@code pick}-th next instant at which the oracle says
         * someone's answer flips by time alone (an event's or a date's time plus a window). Plain clock moves
         * rarely land on an edge to the millisecond, and edges are where off-by-ones live.
         */
        record EdgeCheckpoint(int pick, long deltaMillis) implements Step {
        }
    }

    /** Segments created before any call (live from everyone's first event), then the calls and checkpoints. */
    record Scenario(List<ObjectNode> initialSegments, List<Step> steps) {
    }

    private MembershipScenarios() {
    }

    /**
     * A scenario: its event conditions mostly draw on 1 to 3 common event filters, and most of its track calls are
     * of those events, so that people have enough matching events for windows and thresholds to matter.
     */
    static Arbitrary<Scenario> scenarios() {
        return LeafConditions.eventFilter().list().ofMinSize(1).ofMaxSize(3).flatMap(common -> {
            Arbitrary<ObjectNode> condition = condition(2, common);
            Arbitrary<Step> step = Arbitraries.frequencyOf(
                    Tuple.of(6, track(common)),
                    Tuple.of(2, identify()),
                    Tuple.of(2, checkpoint()),
                    Tuple.of(3, edgeCheckpoint()),
                    Tuple.of(2, condition.map(Step.CreateSegment::new)),
                    Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 5), condition)
                            .as(Step.EditSegment::new)));
            return Combinators.combine(condition.list().ofMinSize(1).ofMaxSize(3), step.list().ofMinSize(8).ofMaxSize(36))
                    .as(Scenario::new);
        });
    }

    // ---- calls and clock -------------------------------------------------------------------------------------

    /** A track call, mostly of an event the scenario's conditions look at. */
    private static Arbitrary<Step> track(List<ObjectNode> common) {
        Arbitrary<JsonNode> amount = Arbitraries.of(J.numberNode(10), J.numberNode(12), J.numberNode(7.5),
                J.numberNode(0), J.numberNode(50), J.textNode("12"), J.textNode("2.5"), J.textNode("lots"));
        Arbitrary<JsonNode> format = Arbitraries.of(J.textNode("csv"), J.textNode("pdf"), J.textNode("CSV"),
                J.textNode("xlsx"));
        Arbitrary<ObjectNode> properties = Combinators.combine(amount.injectNull(0.3), format.injectNull(0.3),
                instant().injectNull(0.7)).as((a, f, due) -> {
                    ObjectNode o = J.objectNode();
                    if (a != null) o.set("amount", a);
                    if (f != null) o.set("format", f);
                    if (due != null) o.set("due_at", due);
                    return o;
                });
        // mostly recent, some backfilled weeks ago, some a little in the future
        Arbitrary<Long> offsetHours = Arbitraries.frequencyOf(
                Tuple.of(5, hours(-72, 0)),
                Tuple.of(3, hours(-40 * 24, -72)),
                Tuple.of(1, hours(1, 48)));
        Arbitrary<Long> offset = Combinators.combine(offsetHours, jitter()).as((h, j) -> h * HOUR + j);
        Arbitrary<String> event = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(common).map(f -> f.get("event").textValue())), Tuple.of(1, Arbitraries.of(EVENTS)));
        return Combinators.combine(user(), event, properties, offset).as(Step.Track::new);
    }

    /** Some people are busier than others: enough events on one person for windows and thresholds to matter. */
    private static Arbitrary<String> user() {
        return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(USERS.get(0))), Tuple.of(3, Arbitraries.just(USERS.get(1))),
                Tuple.of(2, Arbitraries.just(USERS.get(2))), Tuple.of(1, Arbitraries.of(USERS.subList(3, USERS.size()))));
    }

    private static Arbitrary<Step> identify() {
        // a null trait removes the attribute
        Arbitrary<ObjectNode> traits = Arbitraries.of("plan", "seats", "signed_up_at", "vip", "tags")
                .flatMap(name -> traitValue(name).injectNull(0.15).map(v -> {
                    ObjectNode o = J.objectNode();
                    o.set(name, v == null ? J.nullNode() : v);
                    return o;
                }));
        return Combinators.combine(user(), traits.list().ofMinSize(1).ofMaxSize(2))
                .as((user, parts) -> {
                    ObjectNode o = J.objectNode();
                    parts.forEach(o::setAll);
                    return new Step.Identify(user, o);
                });
    }

    private static Arbitrary<Step> checkpoint() {
        Arbitrary<Long> advanceHours = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(0L)),
                Tuple.of(4, hours(1, 36)),
                Tuple.of(2, hours(36, 9 * 24)));
        return Combinators.combine(advanceHours, jitter()).as((h, j) -> new Step.Checkpoint(Math.max(0, h * HOUR + j)));
    }

    private static Arbitrary<Step> edgeCheckpoint() {
        Arbitrary<Integer> pick = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(0, 3)),
                Tuple.of(1, Arbitraries.integers().between(0, 40)));
        return Combinators.combine(pick, Arbitraries.of(-1L, 0L, 0L, 1L)).as(Step.EdgeCheckpoint::new);
    }

    private static Arbitrary<Long> jitter() {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(0L)), Tuple.of(1, Arbitraries.just(1L)),
                Tuple.of(1, Arbitraries.just(-1L)));
    }

    /** The value of a trait: each attribute has its usual kind, with the odd one out a client might send. */
    private static Arbitrary<JsonNode> traitValue(String name) {
        return switch (name) {
            case "plan" -> Arbitraries.of(J.textNode("trial"), J.textNode("pro"), J.textNode("Trial"),
                    J.textNode("free"), J.textNode("pro-plus"));
            case "seats" -> Arbitraries.of(J.numberNode(3), J.numberNode(12), J.textNode("12"), J.numberNode(7.5),
                    J.textNode("7.5"), J.textNode("many"));
            case "signed_up_at" -> Arbitraries.frequencyOf(Tuple.of(6, date()), Tuple.of(1, Arbitraries.just(J.textNode("soon"))));
            case "vip" -> Arbitraries.of(J.booleanNode(true), J.booleanNode(false), J.textNode("true"),
                    J.textNode("False"), J.textNode("yes"));
            case "tags" -> Arbitraries.of("beta", "admin", "csv").set().ofMaxSize(3).map(s -> {
                ArrayNode a = J.arrayNode();
                s.stream().sorted().forEach(a::add);
                return a;
            });
            default -> throw new IllegalArgumentException(name);
        };
    }

    // ---- times -----------------------------------------------------------------------------------------------

    /**
     * Whole hours in a range, spread evenly: jqwik's default leans towards 0, which would stamp most events within
     * an hour or two of each other and of the start.
     */
    private static Arbitrary<Long> hours(long min, long max) {
        return Arbitraries.longs().between(min, max).withDistribution(RandomDistribution.uniform());
    }

    /** An instant on the hour grid, from 40 days before the start to 20 days after. */
    private static Arbitrary<Long> millis() {
        return hours(-40 * 24, 20 * 24).map(h -> START.toEpochMilli() + h * HOUR);
    }

    /** An instant written as ISO-8601: UTC, with an offset, or as a calendar date (that day's midnight UTC). */
    static Arbitrary<JsonNode> instant() {
        return Combinators.combine(millis(), Arbitraries.of(0, 1, 2)).as((t, style) -> {
            Instant i = Instant.ofEpochMilli(t);
            if (style == 1) return J.textNode(i.atOffset(ZoneOffset.ofHours(2)).toString());
            if (style == 2) return J.textNode(i.atOffset(ZoneOffset.UTC).toLocalDate().toString());
            return J.textNode(i.toString());
        });
    }

    /** A date attribute in any form the docs accept: ISO-8601, a calendar date, epoch seconds or milliseconds. */
    private static Arbitrary<JsonNode> date() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, instant()),
                Tuple.of(1, millis().map(t -> J.numberNode(t / 1000))),
                Tuple.of(1, millis().map(J::numberNode)));
    }

    static Arbitrary<String> duration() {
        return Arbitraries.of(DURATIONS);
    }

    /** A point for before/after: an instant, or a duration back from now (negative: ahead). */
    static Arbitrary<JsonNode> point() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, instant()),
                Tuple.of(1, duration().map(J::textNode)),
                Tuple.of(1, Arbitraries.of(AHEAD).map(J::textNode)));
    }

    // ---- conditions ------------------------------------------------------------------------------------------

    /**
     * A condition with at most {@code depth} levels of and/or/not above its leaves; event leaves mostly over the
     * {@code common} event filters.
     */
    static Arbitrary<ObjectNode> condition(int depth, List<ObjectNode> common) {
        Arbitrary<ObjectNode> leaf = Arbitraries.frequencyOf(
                Tuple.of(2, LeafConditions.attribute()), Tuple.of(3, LeafConditions.event(common)));
        if (depth == 0) return leaf;
        Arbitrary<ObjectNode> inner = condition(depth - 1, common);
        Arbitrary<ObjectNode> list = Combinators.combine(Arbitraries.of("and", "or"), inner.list().ofMinSize(1).ofMaxSize(3))
                .as((kind, parts) -> {
                    ObjectNode o = J.objectNode();
                    parts.forEach(o.putArray(kind)::add);
                    return o;
                });
        Arbitrary<ObjectNode> not = inner.map(c -> {
            ObjectNode o = J.objectNode();
            o.set("not", c);
            return o;
        });
        return Arbitraries.frequencyOf(Tuple.of(5, leaf), Tuple.of(2, list), Tuple.of(1, not));
    }
}
