package io.herald.campaign;

import io.herald.segment.Condition;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** The conditions a journey holds, by the field they sit in, and the segments they name. */
final class JourneyConditions {
    private JourneyConditions() {
    }

    /** Field path ({@code audience}, {@code steps.s3.condition}, ...) → condition. */
    static Map<String, Condition> of(Journey j) {
        Map<String, Condition> out = new LinkedHashMap<>();
        if (j.audience() != null) out.put("audience", j.audience());
        if (j.exitWhen() instanceof Journey.Exit.When w) out.put("exitWhen", w.condition());
        for (var e : j.steps().entrySet()) {
            String f = "steps." + e.getKey();
            Journey.Step s = e.getValue();
            if (s.when() != null) out.put(f + ".when", s.when());
            switch (s) {
                case Journey.Step.Branch b -> out.put(f + ".condition", b.condition());
                case Journey.Step.WaitUntil w when w.condition() != null -> out.put(f + ".condition", w.condition());
                default -> { }
            }
        }
        return out;
    }

    static Set<String> segments(Condition c) {
        Set<String> out = new LinkedHashSet<>();
        collect(c, out);
        return out;
    }

    private static void collect(Condition c, Set<String> out) {
        switch (c) {
            case Condition.And a -> a.all().forEach(x -> collect(x, out));
            case Condition.Or o -> o.any().forEach(x -> collect(x, out));
            case Condition.Not n -> collect(n.condition(), out);
            case Condition.InSegment s -> out.add(s.segmentId());
            case Condition.Attribute a -> { }
            case Condition.Performed p -> { }
            case Condition.HasDevice d -> { }
            case Condition.Subscribed s -> { }
        }
    }
}
