package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.segment.Condition;
import io.herald.segment.EventMatcher;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;

/**
 * A campaign's definition as one version of it runs (API.md "Campaign"): trigger, audience, entry and exit rules,
 * goal, and the graph of steps. Parsed and validated by {@link JourneyParser}; immutable.
 */
public record Journey(String name, Trigger trigger, Condition audience, Entry entry, Exit exitWhen, Goal goal,
                      Policies policies, String start, Map<String, Step> steps) {

    /** What starts a run. */
    public sealed interface Trigger {
        record OnEvent(EventMatcher event) implements Trigger {
        }

        record SegmentEntered(String segmentId) implements Trigger {
        }

        record SegmentExited(String segmentId) implements Trigger {
        }

        /** An attribute changed (to a given value, when {@code to} is set). */
        record AttributeChanged(String attribute, JsonNode to) implements Trigger {
        }

        /** A date attribute, shifted by {@code offset}, at a time of day in the person's timezone. */
        record DateAttribute(String attribute, Duration offset, LocalTime at, boolean annual) implements Trigger {
        }

        /** Everyone in a segment, at a time (or now), optionally at that time of day in each person's timezone. */
        record Broadcast(String segmentId, Long at, boolean localTime, int perSecond) implements Trigger {
        }

        /** {@code POST /campaigns/{id}/trigger {userId, data}}. */
        record Api() implements Trigger {
        }
    }

    /** Who may enter again: never (once), always, or after a period since their last entry. */
    public record Entry(Reentry reentry, Duration after) {
    }

    public enum Reentry { ONCE, ALWAYS, AFTER }

    /** Ends a run early: an event happens, or a condition holds (checked on every event of the person). */
    public sealed interface Exit {
        record OnEvent(EventMatcher event) implements Exit {
        }

        record When(Condition condition) implements Exit {
        }
    }

    /** A run converts when this event happens within {@code within} of entry (or of the last message sent). */
    public record Goal(EventMatcher event, Duration within, boolean fromLastMessage) {
    }

    public record Policies(boolean quietHours, boolean frequencyCap, int priority) {
        static final Policies DEFAULT = new Policies(true, true, 50);
    }

    /** One node of the journey graph; {@code when} (may be null) skips it for people who don't match. */
    public sealed interface Step {
        Condition when();

        /** The steps this one can go to. */
        List<String> nexts();

        record Message(Condition when, String channel, ObjectNode message, String next) implements Step {
            public List<String> nexts() {
                return List.of(next);
            }
        }

        /** Waits a duration, or until a time of day (in the person's timezone, or a named one). */
        record Delay(Condition when, Duration duration, LocalTime until, String timezone, String next) implements Step {
            public List<String> nexts() {
                return List.of(next);
            }
        }

        /** Waits for an event or a condition; after {@code timeout} (if any) goes to {@code onTimeout}. */
        record WaitUntil(Condition when, EventMatcher event, Condition condition, Duration timeout, String next,
                         String onTimeout) implements Step {
            public List<String> nexts() {
                return onTimeout == null ? List.of(next) : List.of(next, onTimeout);
            }
        }

        record Branch(Condition when, Condition condition, String yes, String no) implements Step {
            public List<String> nexts() {
                return List.of(yes, no);
            }
        }

        /** Deterministic per person: paths by weight, and a holdout share that is recorded and never messaged. */
        record Split(Condition when, List<Path> paths, int holdout) implements Step {
            public List<String> nexts() {
                return paths.stream().map(Path::next).toList();
            }
        }

        record Path(int weight, String next) {
        }

        /** Sets attributes on the person (values may be Liquid templates over person, event and journey). */
        record Update(Condition when, Map<String, JsonNode> set, String next) implements Step {
            public List<String> nexts() {
                return List.of(next);
            }
        }

        record Webhook(Condition when, ObjectNode request, String next) implements Step {
            public List<String> nexts() {
                return List.of(next);
            }
        }

        record Exit(Condition when) implements Step {
            public List<String> nexts() {
                return List.of();
            }
        }
    }
}
