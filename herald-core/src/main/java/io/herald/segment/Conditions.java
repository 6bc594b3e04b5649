package io.herald.segment;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What a condition reads: its behavioral parts, attributes, referenced segments, devices, subscriptions. */
final class Conditions {
    private Conditions() {
    }

    static List<Condition.Performed> performed(Condition c) {
        List<Condition.Performed> out = new ArrayList<>();
        walk(c, x -> {
            if (x instanceof Condition.Performed p) out.add(p);
        });
        return out;
    }

    static Set<String> attributes(Condition c) {
        Set<String> out = new LinkedHashSet<>();
        walk(c, x -> {
            if (x instanceof Condition.Attribute a) out.add(a.path());
        });
        return out;
    }

    static Set<String> segments(Condition c) {
        Set<String> out = new LinkedHashSet<>();
        walk(c, x -> {
            if (x instanceof Condition.InSegment s) out.add(s.segmentId());
        });
        return out;
    }

    static boolean usesDevices(Condition c) {
        boolean[] found = {false};
        walk(c, x -> found[0] |= x instanceof Condition.HasDevice);
        return found[0];
    }

    static boolean usesSubscriptions(Condition c) {
        boolean[] found = {false};
        walk(c, x -> found[0] |= x instanceof Condition.Subscribed);
        return found[0];
    }

    /** The topics a condition's subscriptions name. */
    static Set<String> topics(Condition c) {
        Set<String> out = new LinkedHashSet<>();
        walk(c, x -> {
            if (x instanceof Condition.Subscribed s && s.topic() != null) out.add(s.topic());
        });
        return out;
    }

    private static void walk(Condition c, java.util.function.Consumer<Condition> visit) {
        visit.accept(c);
        switch (c) {
            case Condition.And a -> a.all().forEach(x -> walk(x, visit));
            case Condition.Or o -> o.any().forEach(x -> walk(x, visit));
            case Condition.Not n -> walk(n.condition(), visit);
            case Condition.Attribute a -> { }
            case Condition.Performed p -> { }
            case Condition.InSegment s -> { }
            case Condition.HasDevice d -> { }
            case Condition.Subscribed s -> { }
        }
    }
}
