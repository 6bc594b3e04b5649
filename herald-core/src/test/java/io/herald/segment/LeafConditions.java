package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The leaves of generated segment conditions, as API JSON: attribute comparisons and event conditions (counts,
 * aggregates, last, windows, where filters). Operands are mostly of the attribute's own kind and sometimes of
 * another, because the cross-kind comparisons (a date against a number, a boolean against its text) are the
 * edge cases the docs define.
 */
final class LeafConditions {
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    private static final List<String> COMPARE_OPS = List.of("eq", "neq", "gt", "gte", "lt", "lte");

    private LeafConditions() {
    }

    // ---- attributes ------------------------------------------------------------------------------------------

    static Arbitrary<ObjectNode> attribute() {
        Arbitrary<String> path = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("plan")),
                Tuple.of(3, Arbitraries.just("seats")), Tuple.of(3, Arbitraries.just("signed_up_at")),
                Tuple.of(2, Arbitraries.just("vip")), Tuple.of(2, Arbitraries.just("tags")),
                Tuple.of(1, Arbitraries.just("nickname"))); // never set
        return path.flatMap(p -> ops(p).flatMap(op -> operand(p, op).map(v -> {
            ObjectNode o = J.objectNode().put("attribute", p).put("op", op);
            if (v != null) o.set("value", v);
            return o;
        })));
    }

    private static Arbitrary<String> ops(String path) {
        // contains and starts_with are about text and lists: asked of the attributes that hold those
        boolean textual = path.equals("plan") || path.equals("tags") || path.equals("nickname");
        Arbitrary<String> common = Arbitraries.of("eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "exists",
                "not_exists", "before", "after", "within", "not_within");
        if (!textual) return common;
        return Arbitraries.frequencyOf(Tuple.of(3, common),
                Tuple.of(1, Arbitraries.of("contains", "not_contains", "starts_with")));
    }

    /** The value an op compares with; null for exists/not_exists, which take none. */
    private static Arbitrary<JsonNode> operand(String path, String op) {
        return switch (op) {
            case "exists", "not_exists" -> Arbitraries.just(null);
            case "in", "not_in" -> scalar(path).list().ofMinSize(1).ofMaxSize(3).map(l -> {
                ArrayNode a = J.arrayNode();
                l.forEach(a::add);
                return a;
            });
            case "before", "after" -> MembershipScenarios.point();
            case "within", "not_within" -> MembershipScenarios.duration().map(J::textNode);
            case "contains", "not_contains", "starts_with" -> Arbitraries.of("tri", "pro", "Tr", "beta", "adm")
                    .map(J::textNode);
            default -> scalar(path);
        };
    }

    private static Arbitrary<JsonNode> scalar(String path) {
        Arbitrary<JsonNode> any = Arbitraries.oneOf(ownKind("plan"), ownKind("seats"), ownKind("signed_up_at"),
                ownKind("vip"));
        return Arbitraries.frequencyOf(Tuple.of(8, ownKind(path)), Tuple.of(1, any));
    }

    private static Arbitrary<JsonNode> ownKind(String path) {
        return switch (path) {
            case "plan", "nickname" -> Arbitraries.of(J.textNode("trial"), J.textNode("pro"), J.textNode("Trial"),
                    J.textNode("free"), J.textNode("pro-plus"), J.textNode("p"));
            case "seats" -> Arbitraries.of(J.numberNode(3), J.numberNode(12), J.textNode("12"), J.numberNode(7.5),
                    J.numberNode(10), J.textNode("many"));
            case "signed_up_at" -> Arbitraries.frequencyOf(Tuple.of(2, MembershipScenarios.instant()),
                    Tuple.of(1, MembershipScenarios.instant().map(t -> J.numberNode(epochMillis(t) / 1000))),
                    Tuple.of(1, MembershipScenarios.instant().map(t -> J.numberNode(epochMillis(t)))));
            case "vip" -> Arbitraries.of(J.booleanNode(true), J.booleanNode(false), J.textNode("true"),
                    J.textNode("TRUE"), J.textNode("yes"));
            case "tags" -> Arbitraries.of(J.textNode("beta"), J.textNode("admin"), J.textNode("csv"));
            default -> throw new IllegalArgumentException(path);
        };
    }

    private static long epochMillis(JsonNode isoInstant) {
        return BruteForceMembership.date(isoInstant.textValue());
    }

    // ---- events ----------------------------------------------------------------------------------------------

    /**
     * An event condition: mostly over one of the scenario's {@code common} event filters, so that segments often
     * share a tally (same event and where list) as the engine does for them; sharing is where a new segment's
     * computation meets the older segments' live counting.
     */
    static Arbitrary<ObjectNode> event(List<ObjectNode> common) {
        Arbitrary<ObjectNode> base = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(common)),
                Tuple.of(1, eventFilter()));
        return Combinators.combine(base, measure(), window()).as((filter, measure, window) -> {
            ObjectNode o = filter.deepCopy();
            o.setAll(measure);
            if (!measure.has("last")) o.setAll(window); // last takes no window
            return o;
        });
    }

    /** What an event condition looks at: the event's name and where filters (no measure, no window). */
    static Arbitrary<ObjectNode> eventFilter() {
        Arbitrary<List<ObjectNode>> where = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(List.of())),
                Tuple.of(1, propertyFilter().list().ofMinSize(1).ofMaxSize(2)));
        return Combinators.combine(Arbitraries.of(MembershipScenarios.EVENTS), where).as((name, filters) -> {
            ObjectNode o = J.objectNode().put("event", name);
            if (!filters.isEmpty()) filters.forEach(o.putArray("where")::add);
            return o;
        });
    }

    private static Arbitrary<ObjectNode> propertyFilter() {
        Arbitrary<ObjectNode> format = Combinators.combine(
                Arbitraries.of("eq", "neq", "in", "not_in", "exists", "not_exists", "contains", "not_contains",
                        "starts_with", "gt", "lt"),
                Arbitraries.of("csv", "pdf", "CSV", "c", "x").list().ofMinSize(1).ofMaxSize(2))
                .as((op, values) -> filter("format", op, values.stream().map(v -> (JsonNode) J.textNode(v)).toList()));
        Arbitrary<ObjectNode> amount = Combinators.combine(
                Arbitraries.of("eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "not_exists"),
                Arbitraries.<JsonNode>of(J.numberNode(10), J.numberNode(12), J.textNode("12"), J.numberNode(7.5),
                        J.numberNode(0), J.numberNode(50)).list().ofMinSize(1).ofMaxSize(2))
                .as((op, values) -> filter("amount", op, values));
        // relative dates in a filter are measured from the event's own timestamp
        Arbitrary<ObjectNode> due = Arbitraries.of("before", "after", "within", "not_within", "exists")
                .flatMap(op -> (op.contains("within") ? MembershipScenarios.duration().map(d -> (JsonNode) J.textNode(d))
                        : MembershipScenarios.point()).map(v -> filter("due_at", op, List.of(v))));
        return Arbitraries.frequencyOf(Tuple.of(3, format), Tuple.of(3, amount), Tuple.of(1, due));
    }

    private static ObjectNode filter(String property, String op, List<JsonNode> values) {
        ObjectNode o = J.objectNode().put("property", property).put("op", op);
        if (op.equals("in") || op.equals("not_in")) {
            values.forEach(o.putArray("value")::add);
        } else if (!op.endsWith("exists")) {
            o.set("value", values.get(0));
        }
        return o;
    }

    /** count, aggregate or last, as the fields to add to the condition (none: the default count gte 1). */
    private static Arbitrary<ObjectNode> measure() {
        Arbitrary<ObjectNode> count = Combinators.combine(Arbitraries.of(COMPARE_OPS), Arbitraries.integers().between(0, 4))
                .as((op, n) -> {
                    ObjectNode o = J.objectNode();
                    o.putObject("count").put("op", op).put("value", n);
                    return o;
                });
        Arbitrary<ObjectNode> aggregate = Combinators.combine(Arbitraries.of("sum", "avg", "min", "max"),
                Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.just("amount")), Tuple.of(1, Arbitraries.just("format"))),
                Arbitraries.of(COMPARE_OPS), Arbitraries.of(0.0, 7.5, 10.0, 12.0, 20.0, 50.0, 60.0))
                .as((fn, property, op, value) -> {
                    ObjectNode o = J.objectNode();
                    o.putObject("aggregate").put("fn", fn).put("property", property).put("op", op).put("value", value);
                    return o;
                });
        Arbitrary<ObjectNode> last = Combinators.combine(Arbitraries.of("before", "after"), MembershipScenarios.point())
                .as((op, point) -> {
                    ObjectNode o = J.objectNode();
                    o.putObject("last").put("op", op).set("value", point);
                    return o;
                });
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(J.objectNode())), Tuple.of(3, count),
                Tuple.of(2, aggregate), Tuple.of(1, last)).map(ObjectNode::deepCopy);
    }

    /** within, between two instants, between two durations back from now, or no window (fields to add). */
    private static Arbitrary<ObjectNode> window() {
        Arbitrary<ObjectNode> within = MembershipScenarios.duration().map(d -> J.objectNode().put("within", d));
        Arbitrary<ObjectNode> instants = Combinators.combine(MembershipScenarios.instant(), MembershipScenarios.instant())
                .filter((a, b) -> epochMillis(a) != epochMillis(b))
                .as((a, b) -> {
                    boolean ordered = epochMillis(a) < epochMillis(b);
                    ObjectNode o = J.objectNode();
                    o.putArray("between").add(ordered ? a : b).add(ordered ? b : a);
                    return o;
                });
        Arbitrary<ObjectNode> durations = Combinators.combine(MembershipScenarios.duration(),
                        Arbitraries.of("P0D", "PT12H", "P1D", "P3D", "P7D"))
                .filter((from, to) -> BruteForceMembership.duration(from) > BruteForceMembership.duration(to))
                .as((from, to) -> {
                    ObjectNode o = J.objectNode();
                    o.putArray("between").add(from).add(to);
                    return o;
                });
        return Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(J.objectNode())), Tuple.of(3, within),
                Tuple.of(1, instants), Tuple.of(2, durations)).map(ObjectNode::deepCopy);
    }
}
