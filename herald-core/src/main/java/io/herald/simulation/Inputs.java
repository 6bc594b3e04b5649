package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.ingest.Ingest;
import io.herald.ingest.Limits;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a simulation request into a {@link Simulation}, checking everything before anything runs. Each timeline
 * entry is checked as the tracking API would check its call, so a mistake is refused naming the entry and field
 * ({@code timeline[3].event}) instead of surfacing half-way through a run.
 */
final class Inputs {
    private static final Set<String> TOP = Set.of("campaign", "timeline", "people", "segments", "start", "until");
    /** The fields each timeline entry type takes besides {@code at}, {@code type} and {@code userId}. */
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "track", Set.of("event", "properties", "context"),
            "identify", Set.of("traits", "context"),
            "page", Set.of("name", "properties", "context"),
            "screen", Set.of("name", "properties", "context"),
            "device", Set.of("token", "platform", "provider", "appId", "pushEnabled"),
            "trigger", Set.of("data"));
    private static final Map<String, CallKind> KINDS = Map.of("track", CallKind.TRACK, "identify", CallKind.IDENTIFY,
            "page", CallKind.PAGE, "screen", CallKind.SCREEN, "device", CallKind.DEVICE_REGISTER);
    private static final Set<String> DEVICE_FIELDS = Set.of("token", "platform", "provider", "appId", "pushEnabled");
    private static final int MAX_DEVICES = 20;
    private static final int MAX_SEGMENTS = 2000;

    private Inputs() {
    }

    static Simulation parse(JsonNode body, Instant now, Simulator.Limits limits) {
        if (body == null || !body.isObject()) throw ClientError.invalid(null, "the body must be a JSON object");
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP.contains(f)) throw ClientError.invalid(f, "unknown field " + f);
        }
        Instant start = body.hasNonNull("start") ? instant(body.get("start"), "start") : now;
        List<Simulation.PersonSeed> people = people(body.get("people"), limits);
        List<Simulation.Entry> timeline = timeline(body.get("timeline"), start, limits);
        Set<String> userIds = new LinkedHashSet<>();
        people.forEach(p -> userIds.add(p.userId()));
        timeline.forEach(e -> userIds.add(e.userId()));
        if (userIds.size() > limits.maxPeople()) {
            throw ClientError.invalid("timeline", "a simulation may follow at most " + limits.maxPeople()
                    + " people; people and timeline name " + userIds.size());
        }
        Instant until = null;
        if (body.hasNonNull("until")) {
            JsonNode u = body.get("until");
            Duration offset = u.isTextual() ? offset(u.textValue()) : null;
            until = offset != null ? start.plus(offset) : instant(u, "until");
            if (until.isBefore(start)) throw ClientError.invalid("until", "until must not be before start");
            if (until.isAfter(start.plus(limits.maxSpan()))) {
                throw ClientError.invalid("until", "a simulation may span at most " + limits.maxSpan().toDays() + " days");
            }
            for (Simulation.Entry e : timeline) {
                if (e.at().isAfter(until)) {
                    throw ClientError.invalid("timeline[" + e.index() + "].at", "timeline[" + e.index() + "].at is after until");
                }
            }
        }
        return new Simulation(null, body.get("campaign"), body.has("campaign") ? "campaign" : null,
                segments(body.get("segments")), people, timeline, start, until,
                Simulation.Lookup.NONE);
    }

    private static List<Simulation.Entry> timeline(JsonNode t, Instant start, Simulator.Limits limits) {
        if (t == null || t.isNull()) throw ClientError.missing("timeline");
        if (!t.isArray()) throw ClientError.invalid("timeline", "timeline must be an array of entries");
        if (t.size() > limits.maxEntries()) {
            throw ClientError.invalid("timeline", "a timeline may have at most " + limits.maxEntries() + " entries, it has "
                    + t.size());
        }
        List<Simulation.Entry> out = new ArrayList<>(t.size());
        for (int i = 0; i < t.size(); i++) {
            try {
                out.add(entry(i, t.get(i), start, limits));
            } catch (ClientError e) {
                throw e.under("timeline[" + i + "]");
            }
        }
        // In time order; entries at the same instant in the order given.
        out.sort(Comparator.comparing(Simulation.Entry::at));
        return out;
    }

    private static Simulation.Entry entry(int index, JsonNode n, Instant start, Simulator.Limits limits) {
        if (!n.isObject()) throw ClientError.invalid(null, "an entry must be an object {at, userId, type, …}");
        if (!n.hasNonNull("at")) throw ClientError.missing("at");
        JsonNode atNode = n.get("at");
        Duration offset = atNode.isTextual() ? offset(atNode.textValue()) : null;
        Instant at = offset != null ? start.plus(offset) : instant(atNode, "at");
        if (at.isBefore(start)) throw ClientError.invalid("at", "at is before the simulation's start " + start);
        if (at.isAfter(start.plus(limits.maxSpan()))) {
            throw ClientError.invalid("at", "at is more than " + limits.maxSpan().toDays() + " days after start");
        }
        String type = text(n, "type");
        Set<String> allowed = FIELDS.get(type);
        if (allowed == null) {
            throw ClientError.invalid("type", "type must be one of track, identify, page, screen, device, trigger");
        }
        String userId = text(n, "userId");
        if (userId.length() > Limits.MAX_ID_LENGTH) {
            throw ClientError.invalid("userId", "userId must be at most " + Limits.MAX_ID_LENGTH + " characters");
        }
        ObjectNode call = EventCodec.mapper().createObjectNode();
        call.put("userId", userId);
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            if (name.equals("at") || name.equals("type") || name.equals("userId")) continue;
            if (!allowed.contains(name)) throw ClientError.invalid(name, "unknown field " + name + " for a " + type + " entry");
            call.set(name, f.getValue());
        }
        CallKind kind = KINDS.get(type);
        if (kind == null) { // trigger: POST /campaigns/{id}/trigger {userId, data}
            JsonNode data = call.get("data");
            if (data != null && !data.isObject()) throw ClientError.invalid("data", "data must be an object");
        } else {
            if (kind != CallKind.DEVICE_REGISTER) call.put("timestamp", at.toString());
            checkCall(kind, call);
        }
        return new Simulation.Entry(index, at, type, userId, kind, call);
    }

    private static void checkCall(CallKind kind, ObjectNode call) {
        int size = call.toString().length();
        if (size > Limits.MAX_CALL_BYTES) {
            throw ClientError.invalid(null, "an entry must be at most " + Limits.MAX_CALL_BYTES + " bytes as JSON");
        }
        Ingest.check(kind, call, size);
    }

    private static List<Simulation.PersonSeed> people(JsonNode p, Simulator.Limits limits) {
        if (p == null || p.isNull()) return List.of();
        if (!p.isArray()) throw ClientError.invalid("people", "people must be an array of {userId, attributes?, devices?}");
        if (p.size() > limits.maxPeople()) {
            throw ClientError.invalid("people", "a simulation may follow at most " + limits.maxPeople() + " people");
        }
        List<Simulation.PersonSeed> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < p.size(); i++) {
            String f = "people[" + i + "]";
            try {
                Simulation.PersonSeed seed = person(p.get(i));
                if (!seen.add(seed.userId())) throw ClientError.invalid("userId", "userId " + seed.userId() + " is listed twice");
                out.add(seed);
            } catch (ClientError e) {
                throw e.under(f);
            }
        }
        return out;
    }

    private static Simulation.PersonSeed person(JsonNode n) {
        if (!n.isObject()) throw ClientError.invalid(null, "a person must be an object {userId, attributes?, devices?}");
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("userId", "attributes", "devices").contains(f)) throw ClientError.invalid(f, "unknown field " + f);
        }
        String userId = text(n, "userId");
        ObjectNode attributes = EventCodec.mapper().createObjectNode();
        if (n.hasNonNull("attributes")) {
            if (!n.get("attributes").isObject()) throw ClientError.invalid("attributes", "attributes must be an object");
            attributes = (ObjectNode) n.get("attributes");
            ObjectNode identify = EventCodec.mapper().createObjectNode().put("userId", userId);
            identify.set("traits", attributes);
            try {
                checkCall(CallKind.IDENTIFY, identify);
            } catch (ClientError e) {
                throw e.field() != null && e.field().equals("traits")
                        ? new ClientError(e.status(), e.code(), e.getMessage().replace("traits", "attributes"), "attributes") : e;
            }
        }
        List<ObjectNode> devices = new ArrayList<>();
        JsonNode d = n.get("devices");
        if (d != null && !d.isNull()) {
            if (!d.isArray() || d.size() > MAX_DEVICES) {
                throw ClientError.invalid("devices", "devices must be an array of at most " + MAX_DEVICES + " devices");
            }
            for (int i = 0; i < d.size(); i++) {
                try {
                    JsonNode dev = d.get(i);
                    if (!dev.isObject()) throw ClientError.invalid(null, "a device must be an object {token, platform, …}");
                    ObjectNode call = EventCodec.mapper().createObjectNode().put("userId", userId);
                    for (Iterator<Map.Entry<String, JsonNode>> it = dev.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> f = it.next();
                        if (!DEVICE_FIELDS.contains(f.getKey())) throw ClientError.invalid(f.getKey(), "unknown field " + f.getKey());
                        call.set(f.getKey(), f.getValue());
                    }
                    checkCall(CallKind.DEVICE_REGISTER, call);
                    devices.add(call);
                } catch (ClientError e) {
                    throw e.under("devices[" + i + "]");
                }
            }
        }
        return new Simulation.PersonSeed(userId, attributes, devices);
    }

    private static List<Simulation.SegmentDefinition> segments(JsonNode s) {
        Map<String, Simulation.SegmentDefinition> out = new LinkedHashMap<>();
        if (s == null || s.isNull()) return List.of();
        if (!s.isArray()) throw ClientError.invalid("segments", "segments must be an array of {id, name?, condition}");
        if (s.size() > MAX_SEGMENTS) throw ClientError.invalid("segments", "at most " + MAX_SEGMENTS + " segments");
        for (int i = 0; i < s.size(); i++) {
            String f = "segments[" + i + "]";
            JsonNode n = s.get(i);
            if (!n.isObject()) throw ClientError.invalid(f, f + " must be an object {id, name?, condition}");
            String id;
            try {
                id = text(n, "id");
            } catch (ClientError e) {
                throw e.under(f);
            }
            ObjectNode body = ((ObjectNode) n).deepCopy();
            body.remove("id");
            if (!body.has("name")) body.put("name", id);
            if (out.put(id, new Simulation.SegmentDefinition(id, body)) != null) {
                throw ClientError.invalid(f + ".id", "segment " + id + " is listed twice");
            }
        }
        return List.copyOf(out.values());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw ClientError.missing(field);
        if (!v.isTextual() || v.textValue().isBlank()) throw ClientError.invalid(field, field + " must be a non-empty string");
        return v.textValue();
    }

    private static Instant instant(JsonNode v, String field) {
        if (v.isTextual()) {
            try {
                return Instant.parse(v.textValue());
            } catch (DateTimeParseException e) {
                // refused below
            }
        }
        throw ClientError.invalid(field, field + " must be an ISO-8601 instant (2026-11-22T10:00:00Z) or an offset "
                + "from start (+PT30M, +P3D)");
    }

    /**
     * An offset from the start: an ISO-8601 duration, with or without a leading {@code +} ({@code +PT30M},
     * {@code P3D}; weeks, and months as 30 days, years as 365, as elsewhere in Herald). Null when the text is not one.
     */
    static Duration offset(String text) {
        String s = text.startsWith("+") ? text.substring(1) : text;
        if (s.length() > 40 || !s.toUpperCase(Locale.ROOT).startsWith("P")) return null;
        s = s.toUpperCase(Locale.ROOT);
        try {
            Duration d = Duration.parse(s);
            return d.isNegative() ? null : d;
        } catch (DateTimeParseException e) {
            try {
                Period p = Period.parse(s);
                if (p.isNegative()) return null;
                return Duration.ofDays(p.getYears() * 365L + p.getMonths() * 30L + p.getDays());
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }
}
