package io.herald.simulation;

import io.herald.campaign.Journey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** How long a journey can keep a person waiting, along its longest path: what a simulation must run on for. */
final class Waits {
    private Waits() {
    }

    static Duration longestPath(Journey j) {
        return from(j.start(), j, new HashMap<>());
    }

    // A journey never loops (JourneyParser refuses it), so the recursion ends; memoised, each step is seen once.
    private static Duration from(String stepId, Journey j, Map<String, Duration> memo) {
        Duration known = memo.get(stepId);
        if (known != null) return known;
        Journey.Step s = j.steps().get(stepId);
        Duration after = Duration.ZERO;
        for (String next : s.nexts()) {
            Duration d = from(next, j, memo);
            if (d.compareTo(after) > 0) after = d;
        }
        Duration total = waitAt(s).plus(after);
        memo.put(stepId, total);
        return total;
    }

    private static Duration waitAt(Journey.Step s) {
        return switch (s) {
            // a time of day comes round within a day; "bestTime" keeps its window in duration
            case Journey.Step.Delay d -> d.duration() != null ? d.duration() : Duration.ofDays(1);
            case Journey.Step.WaitUntil w -> w.timeout() != null ? w.timeout() : Duration.ZERO;
            case Journey.Step.Message m -> Duration.ZERO;
            case Journey.Step.Branch b -> Duration.ZERO;
            case Journey.Step.Split sp -> Duration.ZERO;
            case Journey.Step.Update u -> Duration.ZERO;
            case Journey.Step.Webhook w -> Duration.ZERO;
            case Journey.Step.Exit x -> Duration.ZERO;
        };
    }
}
