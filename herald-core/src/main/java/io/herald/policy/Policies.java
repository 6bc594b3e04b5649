package io.herald.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workspace's guard rails (API.md "Settings": {@code /settings/policies}): frequency caps, quiet hours and the
 * timezone of people whose own is unknown. Unset, a workspace has no caps, no quiet hours and UTC.
 */
public record Policies(List<FrequencyCap> frequencyCaps, QuietHours quietHours, ZoneId defaultTimezone) {
    /** The channels a cap can name; {@code any} counts every channel a person hears on, in-app included. */
    public static final List<String> CAP_CHANNELS = List.of("in_app", "push", "email", "sms", "whatsapp", "any");
    static final ZoneId UTC = ZoneId.of("UTC");
    public static final Policies DEFAULT = new Policies(List.of(), null, UTC);
    static final int MAX_CAPS = 20;
    static final int MAX_PER_CAP = 1_000_000;
    static final Duration MIN_WINDOW = Duration.ofMinutes(1);
    /** The gate reads the person's deliveries over the longest window on every send; 90 days bounds that read. */
    static final Duration MAX_WINDOW = Duration.ofDays(90);
    private static final Set<String> FIELDS = Set.of("frequencyCaps", "quietHours", "defaultTimezone");
    private static final Set<String> CAP_FIELDS = Set.of("channel", "max", "per");
    private static final Set<String> QUIET_FIELDS = Set.of("start", "end", "action");
    private static final Pattern TIME_OF_DAY = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
    private static final Pattern WEEKS = Pattern.compile("P([0-9]{1,3})W");

    public Policies {
        frequencyCaps = List.copyOf(frequencyCaps);
    }

    /** At most {@code max} deliveries to a person on {@code channel} ({@code any}: all channels) per rolling {@code per}. */
    public record FrequencyCap(String channel, int max, Duration per) {
        /** Whether a delivery on {@code deliveryChannel} counts against this cap (and is held to it). */
        public boolean covers(String deliveryChannel) {
            return channel.equals("any") ? CAP_CHANNELS.contains(deliveryChannel) : channel.equals(deliveryChannel);
        }
    }

    /** Quiet hours from {@code start} to {@code end} in the person's local time (crossing midnight when end < start). */
    public record QuietHours(LocalTime start, LocalTime end, QuietHoursAction action) {
    }

    /** The policies in {@code body}, or a 400 naming the first field at fault; absent fields take their defaults. */
    public static Policies parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the body must be a JSON object {frequencyCaps, quietHours, "
                    + "defaultTimezone}", null);
        }
        only(body, null, FIELDS);
        return new Policies(caps(body.get("frequencyCaps")), quietHours(body.get("quietHours")),
                zone(body.get("defaultTimezone")));
    }

    /** The document as the API shows it and the store keeps it. */
    public ObjectNode toJson() {
        ObjectNode doc = EventCodec.mapper().createObjectNode();
        var caps = doc.putArray("frequencyCaps");
        for (FrequencyCap c : frequencyCaps) {
            caps.addObject().put("channel", c.channel()).put("max", c.max()).put("per", iso(c.per()));
        }
        if (quietHours == null) {
            doc.putNull("quietHours");
        } else {
            doc.putObject("quietHours").put("start", quietHours.start().toString()).put("end", quietHours.end().toString())
                    .put("action", quietHours.action().json());
        }
        doc.put("defaultTimezone", defaultTimezone.getId());
        return doc;
    }

    /** Whole days as days (P1D, not java.time's PT24H), as people write caps; other windows in hours and minutes. */
    static String iso(Duration d) {
        return d.toHoursPart() == 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0 && d.toNanosPart() == 0
                ? "P" + d.toDays() + "D" : d.toString();
    }

    private static List<FrequencyCap> caps(JsonNode v) {
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw ClientError.invalid("frequencyCaps", "frequencyCaps must be an array of {channel, max, per}");
        if (v.size() > MAX_CAPS) throw ClientError.invalid("frequencyCaps", "a workspace may have at most " + MAX_CAPS + " frequency caps");
        List<FrequencyCap> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            String f = "frequencyCaps[" + i + "]";
            JsonNode c = v.get(i);
            if (!c.isObject()) throw ClientError.invalid(f, f + " must be an object {channel, max, per}");
            only(c, f, CAP_FIELDS);
            JsonNode ch = c.get("channel");
            if (ch == null || ch.isNull()) throw ClientError.missing(f + ".channel");
            if (!ch.isTextual() || !CAP_CHANNELS.contains(ch.textValue())) {
                throw ClientError.invalid(f + ".channel", f + ".channel must be one of " + String.join(", ", CAP_CHANNELS));
            }
            JsonNode max = c.get("max");
            if (max == null || max.isNull()) throw ClientError.missing(f + ".max");
            if (!max.isIntegralNumber() || !max.canConvertToInt() || max.intValue() < 1 || max.intValue() > MAX_PER_CAP) {
                throw ClientError.invalid(f + ".max", f + ".max must be a whole number from 1 to " + MAX_PER_CAP);
            }
            Duration per = window(c.get("per"), f + ".per");
            if (!seen.add(ch.textValue() + "/" + per)) {
                throw ClientError.invalid(f, f + " repeats the cap on " + ch.textValue() + " per " + per
                        + ": keep one (the lower max)");
            }
            out.add(new FrequencyCap(ch.textValue(), max.intValue(), per));
        }
        return out;
    }

    /** A rolling window: an ISO-8601 duration of days, hours, minutes (or weeks, {@code P2W}), PT1M to P90D. */
    private static Duration window(JsonNode v, String f) {
        if (v == null || v.isNull()) throw ClientError.missing(f);
        String msg = f + " must be an ISO-8601 duration from PT1M to P90D, such as PT1H, P1D or P7D";
        if (!v.isTextual() || v.textValue().length() > 40) throw ClientError.invalid(f, msg);
        String s = v.textValue().toUpperCase(Locale.ROOT);
        Duration d;
        Matcher weeks = WEEKS.matcher(s);
        try {
            d = weeks.matches() ? Duration.ofDays(7L * Integer.parseInt(weeks.group(1))) : Duration.parse(s);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw ClientError.invalid(f, msg);
        }
        if (d.compareTo(MIN_WINDOW) < 0 || d.compareTo(MAX_WINDOW) > 0) throw ClientError.invalid(f, msg);
        return d;
    }

    private static QuietHours quietHours(JsonNode v) {
        if (v == null || v.isNull()) return null;
        if (!v.isObject()) throw ClientError.invalid("quietHours", "quietHours must be an object {start, end, action} or null");
        only(v, "quietHours", QUIET_FIELDS);
        LocalTime start = timeOfDay(v.get("start"), "quietHours.start");
        LocalTime end = timeOfDay(v.get("end"), "quietHours.end");
        if (start.equals(end)) {
            throw ClientError.invalid("quietHours.end", "quietHours.end must differ from quietHours.start");
        }
        JsonNode a = v.get("action");
        QuietHoursAction action = QuietHoursAction.DEFER;
        if (a != null && !a.isNull()) {
            action = a.isTextual() ? QuietHoursAction.parse(a.textValue()) : null;
            if (action == null) throw ClientError.invalid("quietHours.action", "quietHours.action must be defer or skip");
        }
        return new QuietHours(start, end, action);
    }

    private static LocalTime timeOfDay(JsonNode v, String f) {
        if (v == null || v.isNull()) throw ClientError.missing(f);
        if (!v.isTextual() || !TIME_OF_DAY.matcher(v.textValue()).matches()) {
            throw ClientError.invalid(f, f + " must be a time of day HH:mm (24-hour), such as 22:00");
        }
        return LocalTime.parse(v.textValue());
    }

    private static ZoneId zone(JsonNode v) {
        if (v == null || v.isNull()) return UTC;
        String msg = "defaultTimezone must be an IANA timezone such as Europe/Lisbon or UTC";
        if (!v.isTextual() || v.textValue().isEmpty() || v.textValue().length() > 64) {
            throw ClientError.invalid("defaultTimezone", msg);
        }
        try {
            return ZoneId.of(v.textValue());
        } catch (DateTimeException e) {
            throw ClientError.invalid("defaultTimezone", msg);
        }
    }

    private static void only(JsonNode n, String f, Set<String> allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String path = f == null ? k : f + "." + k;
                throw ClientError.invalid(path, "unknown field " + path + "; expected " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }
}
