package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.segment.Condition;
import io.herald.segment.ConditionParser;
import io.herald.segment.EventMatcher;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a campaign's JSON (API.md "Campaign") into a {@link Journey}. Every refusal is a 400 naming
 * the step and field at fault: {@code steps.s2.onTimeout}, {@code steps.s5} (unreachable), {@code steps.s3.paths}
 * (weights not summing to 100).
 */
public final class JourneyParser {
    static final int MAX_STEPS = 200;
    private static final Pattern STEP_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern TIME_OF_DAY = Pattern.compile("([01]\\d|2[0-3]):[0-5]\\d");
    static final Set<String> CHANNELS = Set.of("push", "in_app", "email", "sms", "whatsapp");
    static final int MAX_DESCRIPTION = 2000;
    /** Ten years (as durations count them): longer waits and windows are mistakes, and past this ms overflow. */
    static final Duration MAX_DURATION = Duration.ofDays(3650);
    private static final Set<String> TOP = Set.of("name", "description", "key", "trigger", "audience", "entry",
            "exitWhen", "goal", "policies", "start", "steps");

    private JourneyParser() {
    }

    public static Journey parse(JsonNode n) {
        if (n == null || !n.isObject()) throw ClientError.invalid(null, "the campaign must be a JSON object");
        only(n, null, TOP);
        String name = text(n, null, "name", 200, true);
        text(n, null, "description", MAX_DESCRIPTION, false);
        Journey.Trigger trigger = trigger(n.get("trigger"));
        Condition audience = n.has("audience") ? ConditionParser.parse(n.get("audience"), "audience") : null;
        Journey.Entry entry = entry(n.get("entry"));
        Journey.Exit exit = n.has("exitWhen") ? exit(n.get("exitWhen")) : null;
        Journey.Goal goal = n.has("goal") ? goal(n.get("goal")) : null;
        Journey.Policies policies = policies(n.get("policies"));
        String start = text(n, null, "start", 64, true);
        Map<String, Journey.Step> steps = steps(n.get("steps"));
        if (!steps.containsKey(start)) throw ClientError.invalid("start", "start names unknown step '" + start + "'");
        checkGraph(start, steps);
        return new Journey(name, trigger, audience, entry, exit, goal, policies, start, steps);
    }

    private static Journey.Trigger trigger(JsonNode t) {
        if (t == null) throw ClientError.missing("trigger");
        if (!t.isObject()) throw ClientError.invalid("trigger", "trigger must be an object");
        List<String> kinds = new ArrayList<>();
        for (String k : List.of("event", "segmentEntered", "segmentExited", "attributeChanged", "date", "broadcast", "api")) {
            if (t.has(k)) kinds.add(k);
        }
        if (kinds.size() != 1) {
            throw ClientError.invalid("trigger", "trigger must have exactly one of event, segmentEntered, segmentExited, "
                    + "attributeChanged, date, broadcast, api");
        }
        return switch (kinds.get(0)) {
            case "event" -> {
                only(t, "trigger", EventMatcher.FIELDS);
                yield new Journey.Trigger.OnEvent(EventMatcher.parse(t, "trigger"));
            }
            case "segmentEntered" -> {
                only(t, "trigger", Set.of("segmentEntered"));
                yield new Journey.Trigger.SegmentEntered(text(t, "trigger", "segmentEntered", 200, true));
            }
            case "segmentExited" -> {
                only(t, "trigger", Set.of("segmentExited"));
                yield new Journey.Trigger.SegmentExited(text(t, "trigger", "segmentExited", 200, true));
            }
            case "attributeChanged" -> {
                only(t, "trigger", Set.of("attributeChanged", "to"));
                JsonNode to = t.get("to");
                if (to != null && !to.isValueNode()) throw ClientError.invalid("trigger.to", "trigger.to must be a value");
                yield new Journey.Trigger.AttributeChanged(text(t, "trigger", "attributeChanged", 200, true), to);
            }
            case "date" -> date(t);
            case "broadcast" -> broadcast(t);
            case "api" -> {
                only(t, "trigger", Set.of("api"));
                if (!t.get("api").isBoolean() || !t.get("api").booleanValue()) {
                    throw ClientError.invalid("trigger.api", "trigger.api must be true");
                }
                yield new Journey.Trigger.Api();
            }
            default -> throw new IllegalStateException();
        };
    }

    private static Journey.Trigger date(JsonNode t) {
        only(t, "trigger", Set.of("date"));
        JsonNode d = t.get("date");
        String f = "trigger.date";
        if (!d.isObject()) throw ClientError.invalid(f, f + " must be an object {attribute, offset?, at, annual?}");
        only(d, f, Set.of("attribute", "offset", "at", "annual"));
        String attribute = text(d, f, "attribute", 200, true);
        Duration offset = d.has("offset") ? duration(d.get("offset"), f + ".offset", true) : Duration.ZERO;
        LocalTime at = d.has("at") ? timeOfDay(d.get("at"), f + ".at") : LocalTime.of(9, 0);
        JsonNode annual = d.get("annual");
        if (annual != null && !annual.isBoolean()) throw ClientError.invalid(f + ".annual", f + ".annual must be true or false");
        return new Journey.Trigger.DateAttribute(attribute, offset, at, annual != null && annual.booleanValue());
    }

    private static Journey.Trigger broadcast(JsonNode t) {
        only(t, "trigger", Set.of("broadcast"));
        JsonNode b = t.get("broadcast");
        String f = "trigger.broadcast";
        if (!b.isObject()) throw ClientError.invalid(f, f + " must be an object {segment, at?, localTime?, perSecond?}");
        only(b, f, Set.of("segment", "at", "localTime", "perSecond"));
        String segment = text(b, f, "segment", 200, true);
        Long at = null;
        if (b.has("at")) {
            try {
                at = Instant.parse(b.get("at").asText()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw ClientError.invalid(f + ".at", f + ".at must be an ISO-8601 instant");
            }
        }
        JsonNode local = b.get("localTime");
        if (local != null && !local.isBoolean()) throw ClientError.invalid(f + ".localTime", f + ".localTime must be true or false");
        if (local != null && local.booleanValue() && at == null) {
            throw ClientError.invalid(f + ".localTime", f + ".localTime needs at: its time of day is used in each person's timezone");
        }
        int perSecond = 1000;
        if (b.has("perSecond")) {
            JsonNode r = b.get("perSecond");
            if (!r.canConvertToInt() || !r.isIntegralNumber() || r.intValue() < 1 || r.intValue() > 100_000) {
                throw ClientError.invalid(f + ".perSecond", f + ".perSecond must be a whole number from 1 to 100000");
            }
            perSecond = r.intValue();
        }
        return new Journey.Trigger.Broadcast(segment, at, local != null && local.booleanValue(), perSecond);
    }

    private static Journey.Entry entry(JsonNode e) {
        if (e == null) return new Journey.Entry(Journey.Reentry.ONCE, null);
        if (!e.isObject()) throw ClientError.invalid("entry", "entry must be an object {reentry, after?}");
        only(e, "entry", Set.of("reentry", "after"));
        String r = text(e, "entry", "reentry", 10, true);
        return switch (r) {
            case "once", "always" -> {
                if (e.has("after")) throw ClientError.invalid("entry.after", "entry.after applies only with reentry after");
                yield new Journey.Entry(r.equals("once") ? Journey.Reentry.ONCE : Journey.Reentry.ALWAYS, null);
            }
            case "after" -> {
                if (!e.has("after")) throw ClientError.missing("entry.after");
                yield new Journey.Entry(Journey.Reentry.AFTER, duration(e.get("after"), "entry.after", false));
            }
            default -> throw ClientError.invalid("entry.reentry", "entry.reentry must be once, always or after");
        };
    }

    private static Journey.Exit exit(JsonNode x) {
        if (x != null && x.isObject() && x.has("event") && EventMatcher.FIELDS.containsAll(names(x))) {
            return new Journey.Exit.OnEvent(EventMatcher.parse(x, "exitWhen"));
        }
        return new Journey.Exit.When(ConditionParser.parse(x, "exitWhen"));
    }

    private static Journey.Goal goal(JsonNode g) {
        if (!g.isObject()) throw ClientError.invalid("goal", "goal must be an object {event, where?, within, from?}");
        only(g, "goal", Set.of("event", "where", "within", "from"));
        if (!g.has("within")) throw ClientError.missing("goal.within");
        Duration within = duration(g.get("within"), "goal.within", false);
        String from = g.has("from") ? text(g, "goal", "from", 20, true) : "entry";
        if (!from.equals("entry") && !from.equals("last_message")) {
            throw ClientError.invalid("goal.from", "goal.from must be entry or last_message");
        }
        return new Journey.Goal(EventMatcher.parse(g, "goal"), within, from.equals("last_message"));
    }

    private static Journey.Policies policies(JsonNode p) {
        if (p == null) return Journey.Policies.DEFAULT;
        if (!p.isObject()) throw ClientError.invalid("policies", "policies must be an object");
        only(p, "policies", Set.of("quietHours", "frequencyCap", "priority"));
        boolean quiet = bool(p, "policies", "quietHours", true);
        boolean cap = bool(p, "policies", "frequencyCap", true);
        int priority = 50;
        if (p.has("priority")) {
            JsonNode v = p.get("priority");
            if (!wholeNumber(v) || v.intValue() < 0 || v.intValue() > 100) {
                throw ClientError.invalid("policies.priority", "policies.priority must be a whole number from 0 to 100");
            }
            priority = v.intValue();
        }
        return new Journey.Policies(quiet, cap, priority);
    }

    private static Map<String, Journey.Step> steps(JsonNode s) {
        if (s == null) throw ClientError.missing("steps");
        if (!s.isObject() || s.isEmpty()) throw ClientError.invalid("steps", "steps must be an object of steps by id");
        if (s.size() > MAX_STEPS) throw ClientError.invalid("steps", "a campaign may have at most " + MAX_STEPS + " steps");
        Map<String, Journey.Step> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = "steps." + e.getKey();
            if (!STEP_ID.matcher(e.getKey()).matches()) {
                throw ClientError.invalid(f, "step ids are 1 to 64 letters, digits, - or _");
            }
            out.put(e.getKey(), Steps.parse(e.getValue(), f));
        }
        return out;
    }

    /** Every next names a step; every step is reachable from start; no step leads back to itself. */
    private static void checkGraph(String start, Map<String, Journey.Step> steps) {
        for (Map.Entry<String, Journey.Step> e : steps.entrySet()) {
            List<String> nexts = e.getValue().nexts();
            List<String> fields = Steps.nextFields(e.getValue());
            for (int i = 0; i < nexts.size(); i++) {
                if (!steps.containsKey(nexts.get(i))) {
                    throw ClientError.invalid("steps." + e.getKey() + "." + fields.get(i),
                            "steps." + e.getKey() + "." + fields.get(i) + " names unknown step '" + nexts.get(i) + "'");
                }
            }
        }
        Set<String> reached = new HashSet<>();
        Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
        visit(start, steps, reached, state);
        for (String id : steps.keySet()) {
            if (!reached.contains(id)) throw ClientError.invalid("steps." + id, "step " + id + " cannot be reached from start");
        }
    }

    private static void visit(String id, Map<String, Journey.Step> steps, Set<String> reached, Map<String, Integer> state) {
        reached.add(id);
        state.put(id, 1);
        Journey.Step s = steps.get(id);
        List<String> nexts = s.nexts();
        List<String> fields = Steps.nextFields(s);
        for (int i = 0; i < nexts.size(); i++) {
            String n = nexts.get(i);
            Integer st = state.get(n);
            if (st != null && st == 1) {
                throw ClientError.invalid("steps." + id + "." + fields.get(i), "steps." + id + "." + fields.get(i)
                        + " leads back to step " + n + ": a journey must not loop");
            }
            if (st == null) visit(n, steps, reached, state);
        }
        state.put(id, 2);
    }

    // ---- small readers shared with Steps ----

    static void only(JsonNode n, String f, Set<String> allowed) {
        for (String name : names(n)) {
            if (!allowed.contains(name)) {
                String path = f == null ? name : f + "." + name;
                throw ClientError.invalid(path, "unknown field " + path);
            }
        }
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static String text(JsonNode n, String f, String key, int max, boolean required) {
        JsonNode v = n.get(key);
        String path = f == null ? key : f + "." + key;
        if (v == null || v.isNull()) {
            if (required) throw ClientError.missing(path);
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > max) {
            throw ClientError.invalid(path, path + " must be a non-empty string of at most " + max + " characters");
        }
        return v.textValue();
    }

    static boolean bool(JsonNode n, String f, String key, boolean dflt) {
        JsonNode v = n.get(key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw ClientError.invalid(f + "." + key, f + "." + key + " must be true or false");
        return v.booleanValue();
    }

    /** An ISO-8601 duration (P7D, PT30M; weeks, months as 30 days); negative only where {@code signed}. */
    static Duration duration(JsonNode v, String f, boolean signed) {
        if (v != null && v.isTextual() && v.textValue().length() <= 40) {
            String s = v.textValue().toUpperCase(Locale.ROOT);
            Duration d = null;
            try {
                d = Duration.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    Period p = Period.parse(s);
                    d = Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays());
                } catch (DateTimeParseException e2) {
                    // reported below
                }
            }
            if (d != null && d.abs().compareTo(MAX_DURATION) > 0) {
                throw ClientError.invalid(f, f + " must be at most P10Y (3650 days)");
            }
            if (d != null && (signed || (!d.isNegative() && !d.isZero()))) return d;
            if (d != null) throw ClientError.invalid(f, f + " must be a positive duration");
        }
        throw ClientError.invalid(f, f + " must be an ISO-8601 duration such as P7D or PT30M");
    }

    /** A JSON whole number that fits an int (a bigger one must not wrap around into range). */
    static boolean wholeNumber(JsonNode v) {
        return v != null && v.isIntegralNumber() && v.canConvertToInt();
    }

    static LocalTime timeOfDay(JsonNode v, String f) {
        if (v == null || !v.isTextual() || !TIME_OF_DAY.matcher(v.textValue()).matches()) {
            throw ClientError.invalid(f, f + " must be a time of day HH:MM (24-hour)");
        }
        return LocalTime.parse(v.textValue());
    }

    static String zone(JsonNode v, String f) {
        if (v == null) return "person";
        if (!v.isTextual()) throw ClientError.invalid(f, f + " must be \"person\" or a timezone such as Europe/Lisbon");
        if (v.textValue().equals("person")) return "person";
        try {
            return ZoneId.of(v.textValue()).getId();
        } catch (java.time.DateTimeException e) {
            throw ClientError.invalid(f, f + " must be \"person\" or a timezone such as Europe/Lisbon");
        }
    }

    static ObjectNode object(JsonNode n, String f, String key) {
        JsonNode v = n.get(key);
        String path = f + "." + key;
        if (v == null) throw ClientError.missing(path);
        if (!v.isObject()) throw ClientError.invalid(path, path + " must be an object");
        return (ObjectNode) v;
    }
}
