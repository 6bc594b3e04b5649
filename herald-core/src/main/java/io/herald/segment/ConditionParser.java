package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads API.md's condition JSON into a {@link Condition}, refusing anything it does not understand with a 400
 * that names the field at fault ({@code condition.and[2].count.op}). Bounded: depth, size and every list.
 */
public final class ConditionParser {
    static final int MAX_DEPTH = 12;
    static final int MAX_NODES = 300;
    static final int MAX_LIST = 100;
    static final int MAX_IN_VALUES = 1000;
    static final int MAX_NAME = 200;
    private static final Set<String> KINDS = Set.of("and", "or", "not", "attribute", "event", "segment", "device",
            "subscribed", "message");
    private static final Set<String> PLATFORMS = Set.of("ios", "android", "web");
    private static final Set<String> PROVIDERS = Set.of("apns", "fcm", "webpush");
    private static final Set<String> CHANNELS = Set.of("push", "in_app", "email", "sms", "whatsapp", "webhook");
    /** Delivery statuses a message condition can ask about (API.md "Admin API → People", deliveries). */
    static final Set<String> MESSAGE_STATUSES = Set.of("sent", "delivered", "shown", "opened", "clicked", "dismissed",
            "submitted", "converted", "failed", "suppressed");
    /** The event name under which a delivery's status change is recorded on the person. */
    static final String MESSAGE_EVENT_PREFIX = "message.";

    private int nodes;
    private final List<Reference> references = new ArrayList<>();

    private ConditionParser() {
    }

    /** Parses a condition; {@code field} is where it sits in the request (e.g. {@code condition}). */
    public static Condition parse(JsonNode json, String field) {
        return read(json, field).condition();
    }

    /**
     * A {@code {"segment": id}} inside a condition and the path of its {@code segment} field
     * ({@code condition.or[2].segment}), so that a reference to an unknown segment, or one making a cycle, is
     * refused naming the exact place.
     */
    record Reference(String segmentId, String field) {
    }

    /** A parsed condition and the segments it references, in the order they appear. */
    record Parsed(Condition condition, List<Reference> references) {
    }

    static Parsed read(JsonNode json, String field) {
        ConditionParser p = new ConditionParser();
        Condition c = p.condition(json, field, 0);
        return new Parsed(c, List.copyOf(p.references));
    }

    private Condition condition(JsonNode n, String f, int depth) {
        if (n == null || !n.isObject()) throw ClientError.invalid(f, f + " must be a condition object");
        if (depth > MAX_DEPTH) throw ClientError.invalid(f, "conditions may nest at most " + MAX_DEPTH + " deep");
        if (++nodes > MAX_NODES) throw ClientError.invalid(f, "a condition may have at most " + MAX_NODES + " parts");
        String kind = null;
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!KINDS.contains(name)) continue;
            if (kind != null) {
                throw ClientError.invalid(f, f + " has both \"" + kind + "\" and \"" + name
                        + "\"; combine conditions with \"and\" or \"or\"");
            }
            kind = name;
        }
        if (kind == null) {
            throw ClientError.invalid(f, f + " must have one of " + String.join(", ", KINDS.stream().sorted().toList()));
        }
        return switch (kind) {
            case "and" -> new Condition.And(list(n, f, "and", depth));
            case "or" -> new Condition.Or(list(n, f, "or", depth));
            case "not" -> {
                only(n, f, Set.of("not"));
                yield new Condition.Not(condition(n.get("not"), f + ".not", depth + 1));
            }
            case "attribute" -> attribute(n, f);
            case "event" -> event(n, f);
            case "segment" -> {
                only(n, f, Set.of("segment"));
                String id = name(n, f, "segment");
                references.add(new Reference(id, f + ".segment"));
                yield new Condition.InSegment(id);
            }
            case "device" -> device(n, f);
            case "subscribed" -> subscribed(n, f);
            case "message" -> message(n, f);
            default -> throw new IllegalStateException(kind);
        };
    }

    private List<Condition> list(JsonNode n, String f, String key, int depth) {
        only(n, f, Set.of(key));
        JsonNode a = n.get(key);
        String lf = f + "." + key;
        if (!a.isArray() || a.isEmpty()) throw ClientError.invalid(lf, lf + " must be a non-empty list of conditions");
        if (a.size() > MAX_LIST) throw ClientError.invalid(lf, lf + " may have at most " + MAX_LIST + " conditions");
        List<Condition> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) out.add(condition(a.get(i), lf + "[" + i + "]", depth + 1));
        return out;
    }

    private static Condition attribute(JsonNode n, String f) {
        only(n, f, Set.of("attribute", "op", "value"));
        String path = name(n, f, "attribute");
        Condition.Op op = op(n, f);
        return new Condition.Attribute(path, op, operand(n, f, op));
    }

    private static Condition.Op op(JsonNode n, String f) {
        JsonNode o = n.get("op");
        if (o == null) throw ClientError.missing(f + ".op");
        try {
            if (!o.isTextual()) throw new IllegalArgumentException();
            return Condition.Op.valueOf(o.textValue().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ClientError.invalid(f + ".op", "unknown op " + o + "; one of eq, neq, gt, gte, lt, lte, contains, "
                    + "not_contains, starts_with, in, not_in, exists, not_exists, before, after, within, not_within");
        }
    }

    private static Condition.Operand operand(JsonNode n, String f, Condition.Op op) {
        JsonNode v = n.get("value");
        String vf = f + ".value";
        switch (op) {
            case EXISTS, NOT_EXISTS -> {
                return new Condition.Operand.None();
            }
            case IN, NOT_IN -> {
                if (v == null) throw ClientError.missing(vf);
                if (!v.isArray() || v.isEmpty() || v.size() > MAX_IN_VALUES) {
                    throw ClientError.invalid(vf, vf + " must be a list of 1 to " + MAX_IN_VALUES + " values for " + op.apiName());
                }
                List<JsonNode> values = new ArrayList<>();
                for (int i = 0; i < v.size(); i++) values.add(scalar(v.get(i), vf + "[" + i + "]"));
                return new Condition.Operand.Values(values);
            }
            case BEFORE, AFTER -> {
                if (v == null) throw ClientError.missing(vf);
                return point(v, vf);
            }
            case WITHIN, NOT_WITHIN -> {
                if (v == null) throw ClientError.missing(vf);
                Duration d = duration(v, vf);
                if (d.isNegative() || d.isZero()) throw ClientError.invalid(vf, vf + " must be a positive duration");
                return new Condition.Operand.Ago(d);
            }
            default -> {
                if (v == null) throw ClientError.missing(vf);
                return new Condition.Operand.Value(scalar(v, vf));
            }
        }
    }

    private static JsonNode scalar(JsonNode v, String f) {
        if (v == null || !v.isValueNode() || v.isNull()) throw ClientError.invalid(f, f + " must be a string, number or boolean");
        if (v.isTextual() && v.textValue().length() > 1000) throw ClientError.invalid(f, f + " must be at most 1000 characters");
        return v;
    }

    /** An instant (ISO-8601, or a date) or a duration back from now ({@code P7D}; {@code -P3D} is in 3 days). */
    private static Condition.Operand point(JsonNode v, String f) {
        if (v.isTextual()) {
            String s = v.textValue();
            if (s.startsWith("P") || s.startsWith("-P")) return new Condition.Operand.Ago(duration(v, f));
            Long t = Values.instant(s);
            if (t != null) return new Condition.Operand.At(t);
        }
        throw ClientError.invalid(f, f + " must be an ISO-8601 instant (2026-11-22T10:00:00Z) or a duration back "
                + "from now (P7D)");
    }

    /**
     * An ISO-8601 duration: {@code PT30M}, {@code P7D}, and also weeks, months (30 days) and years (365 days),
     * which people write for segment windows.
     */
    static Duration duration(JsonNode v, String f) {
        if (v != null && v.isTextual() && v.textValue().length() <= 40) {
            String s = v.textValue().toUpperCase(Locale.ROOT);
            try {
                return Duration.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    Period p = Period.parse(s);
                    return Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays());
                } catch (DateTimeParseException e2) {
                    // reported below
                }
            }
        }
        throw ClientError.invalid(f, f + " must be an ISO-8601 duration such as P7D or PT30M");
    }

    private static Condition event(JsonNode n, String f) {
        only(n, f, Set.of("event", "count", "aggregate", "last", "within", "between", "where"));
        String event = name(n, f, "event");
        // Event names are looked up in the store, which cannot take U+0000 on PostgreSQL (and no event is named
        // with it: the tracking API refuses it). Accepted, such a condition would fail every computation of it.
        if (event.indexOf('\u0000') >= 0) {
            throw ClientError.invalid(f + ".event", f + ".event must not contain the NUL character");
        }
        List<Condition.PropertyFilter> where = where(n, f);
        return performed(n, f, event, where);
    }

    private static Condition performed(JsonNode n, String f, String event, List<Condition.PropertyFilter> where) {
        int measures = (n.has("count") ? 1 : 0) + (n.has("aggregate") ? 1 : 0) + (n.has("last") ? 1 : 0);
        if (measures > 1) throw ClientError.invalid(f, f + " may have only one of count, aggregate and last");
        Condition.Window window = window(n, f);
        String property = null;
        Condition.Measure measure;
        if (n.has("aggregate")) {
            JsonNode a = n.get("aggregate");
            String af = f + ".aggregate";
            if (!a.isObject()) throw ClientError.invalid(af, af + " must be an object {fn, property, op, value}");
            only(a, af, Set.of("fn", "property", "op", "value"));
            Condition.Fn fn = enumValue(a.get("fn"), af + ".fn", Condition.Fn.class, "sum, avg, min, max");
            property = name(a, af, "property");
            measure = new Condition.Measure.Aggregate(fn, compare(a, af));
        } else if (n.has("last")) {
            if (!(window instanceof Condition.Window.Ever)) {
                throw ClientError.invalid(f + ".last", "last cannot be combined with within or between");
            }
            JsonNode l = n.get("last");
            String lf = f + ".last";
            if (!l.isObject()) throw ClientError.invalid(lf, lf + " must be an object {op: before|after, value}");
            only(l, lf, Set.of("op", "value"));
            JsonNode op = l.get("op");
            if (op == null) throw ClientError.missing(lf + ".op");
            if (!op.isTextual() || !(op.textValue().equals("before") || op.textValue().equals("after"))) {
                throw ClientError.invalid(lf + ".op", lf + ".op must be before or after");
            }
            if (l.get("value") == null) throw ClientError.missing(lf + ".value");
            measure = new Condition.Measure.Last(op.textValue().equals("before"), point(l.get("value"), lf + ".value"));
        } else if (n.has("count")) {
            JsonNode c = n.get("count");
            String cf = f + ".count";
            if (!c.isObject()) throw ClientError.invalid(cf, cf + " must be an object {op, value}");
            only(c, cf, Set.of("op", "value"));
            Condition.Compare cmp = compare(c, cf);
            if (cmp.value() < 0 || cmp.value() != Math.rint(cmp.value())) {
                throw ClientError.invalid(cf + ".value", cf + ".value must be a whole number, 0 or more");
            }
            measure = new Condition.Measure.Count(cmp);
        } else {
            measure = new Condition.Measure.Count(new Condition.Compare(Condition.CmpOp.GTE, 1));
        }
        return new Condition.Performed(new EventFilter(event, where, property), measure, window);
    }

    private static Condition.Compare compare(JsonNode n, String f) {
        Condition.CmpOp op = enumValue(n.get("op"), f + ".op", Condition.CmpOp.class, "eq, neq, gt, gte, lt, lte");
        JsonNode v = n.get("value");
        if (v == null) throw ClientError.missing(f + ".value");
        if (!v.isNumber() || !Double.isFinite(v.doubleValue())) throw ClientError.invalid(f + ".value", f + ".value must be a number");
        return new Condition.Compare(op, v.doubleValue());
    }

    private static Condition.Window window(JsonNode n, String f) {
        if (n.has("within") && n.has("between")) throw ClientError.invalid(f, f + " may have within or between, not both");
        if (n.has("within")) {
            Duration d = duration(n.get("within"), f + ".within");
            if (d.isNegative() || d.isZero()) throw ClientError.invalid(f + ".within", f + ".within must be a positive duration");
            return new Condition.Window.Within(d);
        }
        if (n.has("between")) {
            JsonNode b = n.get("between");
            String bf = f + ".between";
            if (!b.isArray() || b.size() != 2) throw ClientError.invalid(bf, bf + " must be [from, to]");
            Condition.Operand from = point(b.get(0), bf + "[0]");
            Condition.Operand to = point(b.get(1), bf + "[1]");
            if (from instanceof Condition.Operand.At a && to instanceof Condition.Operand.At z) {
                if (a.epochMillis() >= z.epochMillis()) throw ClientError.invalid(bf, bf + ": from must be before to");
                return new Condition.Window.Between(a.epochMillis(), z.epochMillis());
            }
            if (from instanceof Condition.Operand.Ago a && to instanceof Condition.Operand.Ago z) {
                if (a.ago().compareTo(z.ago()) <= 0 || z.ago().isNegative()) {
                    throw ClientError.invalid(bf, bf + ": from must be the longer duration back from now, e.g. [\"P30D\", \"P7D\"]");
                }
                return new Condition.Window.BetweenAgo(a.ago(), z.ago());
            }
            throw ClientError.invalid(bf, bf + " must be two instants or two durations");
        }
        return new Condition.Window.Ever();
    }

    private static List<Condition.PropertyFilter> where(JsonNode n, String f) {
        JsonNode w = n.get("where");
        if (w == null) return List.of();
        String wf = f + ".where";
        if (!w.isArray() || w.size() > 20) throw ClientError.invalid(wf, wf + " must be a list of at most 20 property filters");
        List<Condition.PropertyFilter> out = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            JsonNode p = w.get(i);
            String pf = wf + "[" + i + "]";
            if (!p.isObject()) throw ClientError.invalid(pf, pf + " must be an object {property, op, value}");
            only(p, pf, Set.of("property", "op", "value"));
            Condition.Op op = op(p, pf);
            out.add(new Condition.PropertyFilter(name(p, pf, "property"), op, operand(p, pf, op)));
        }
        return out;
    }

    private static Condition device(JsonNode n, String f) {
        only(n, f, Set.of("device"));
        JsonNode d = n.get("device");
        String df = f + ".device";
        if (!d.isObject()) throw ClientError.invalid(df, df + " must be an object {platform?, provider?, appId?, pushEnabled?}");
        only(d, df, Set.of("platform", "provider", "appId", "pushEnabled"));
        JsonNode push = d.get("pushEnabled");
        if (push != null && !push.isBoolean()) throw ClientError.invalid(df + ".pushEnabled", df + ".pushEnabled must be true or false");
        return new Condition.HasDevice(oneOf(d, df, "platform", PLATFORMS), oneOf(d, df, "provider", PROVIDERS),
                d.has("appId") ? name(d, df, "appId") : null, push == null ? null : push.booleanValue());
    }

    private static Condition subscribed(JsonNode n, String f) {
        only(n, f, Set.of("subscribed"));
        JsonNode s = n.get("subscribed");
        String sf = f + ".subscribed";
        if (!s.isObject()) throw ClientError.invalid(sf, sf + " must be an object {channel, topic?}");
        only(s, sf, Set.of("channel", "topic"));
        String channel = oneOf(s, sf, "channel", CHANNELS);
        if (channel == null) throw ClientError.missing(sf + ".channel");
        return new Condition.Subscribed(channel, s.has("topic") ? name(s, sf, "topic") : null);
    }

    /**
     * Engagement with a campaign's messages: delivery status changes come back to the person as events named
     * {@code message.<status>} with the campaign's id, so this is an event condition over those.
     */
    private static Condition message(JsonNode n, String f) {
        only(n, f, Set.of("message", "status", "count", "within", "between"));
        String campaign = name(n, f, "message");
        String status = oneOf(n, f, "status", MESSAGE_STATUSES);
        if (status == null) throw ClientError.missing(f + ".status");
        var where = List.of(new Condition.PropertyFilter("campaignId", Condition.Op.EQ,
                new Condition.Operand.Value(com.fasterxml.jackson.databind.node.TextNode.valueOf(campaign))));
        return performed(n, f, MESSAGE_EVENT_PREFIX + status, where);
    }

    private static String oneOf(JsonNode n, String f, String key, Set<String> allowed) {
        JsonNode v = n.get(key);
        if (v == null) return null;
        if (!v.isTextual() || !allowed.contains(v.textValue())) {
            throw ClientError.invalid(f + "." + key, f + "." + key + " must be one of " + String.join(", ",
                    allowed.stream().sorted().toList()));
        }
        return v.textValue();
    }

    private static <E extends Enum<E>> E enumValue(JsonNode v, String f, Class<E> type, String allowed) {
        if (v == null) throw ClientError.missing(f);
        try {
            if (!v.isTextual()) throw new IllegalArgumentException();
            return Enum.valueOf(type, v.textValue().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ClientError.invalid(f, f + " must be one of " + allowed);
        }
    }

    private static String name(JsonNode n, String f, String key) {
        JsonNode v = n.get(key);
        String kf = f + "." + key;
        if (v == null) throw ClientError.missing(kf);
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > MAX_NAME) {
            throw ClientError.invalid(kf, kf + " must be a non-empty string of at most " + MAX_NAME + " characters");
        }
        return v.textValue();
    }

    private static void only(JsonNode n, String f, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw ClientError.invalid(f + "." + name, "unknown field " + f + "." + name);
            }
        }
    }
}
