package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.person.PersonCache;
import io.herald.processor.Batch;
import io.herald.store.Sql;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/** Journey time arithmetic in the person's own timezone: delays until a time of day, best send time, dates. */
final class Times {
    private Times() {
    }

    /** The person's zone: a {@code timezone} attribute, else the one their devices report, else UTC. */
    static ZoneId zoneOf(Batch batch, String personId) throws SQLException {
        return zoneOf(PersonCache.attributesOf(batch, personId), PersonCache.timezoneOf(batch, personId));
    }

    /** {@link #zoneOf(Batch, String)} from what is stored of a person: attributes and profile timezone. */
    static ZoneId zoneOf(JsonNode attributes, String profileTimezone) {
        String tz = attributes == null ? null : attributes.path("timezone").asText(null);
        if (tz == null) tz = profileTimezone;
        if (tz != null) {
            try {
                return ZoneId.of(tz);
            } catch (DateTimeException e) {
                // not a zone: fall through to UTC
            }
        }
        return ZoneOffset.UTC;
    }

    /** An attribute by dot path ({@code dates.renewal}), as segment conditions read it; null when missing. */
    static JsonNode attribute(JsonNode attributes, String path) {
        if (attributes == null) return null;
        JsonNode direct = attributes.get(path); // a flat key that itself contains dots wins
        if (direct != null) return direct.isNull() ? null : direct;
        JsonNode n = attributes;
        for (String part : path.split("\\.", -1)) {
            n = n != null && n.isObject() ? n.get(part) : null;
        }
        return n == null || n.isNull() ? null : n;
    }

    static long delayUntil(Batch batch, String personId, Journey.Step.Delay d, long now) throws SQLException {
        if ("best".equals(d.timezone())) return bestTime(batch, personId, d.duration(), now);
        if (d.duration() != null) return now + d.duration().toMillis();
        ZoneId zone = "person".equals(d.timezone()) ? zoneOf(batch, personId) : ZoneId.of(d.timezone());
        return nextTimeOfDay(d.until(), zone, now);
    }

    /** The next instant after now at which the wall clock in {@code zone} reads {@code at}. */
    static long nextTimeOfDay(LocalTime at, ZoneId zone, long now) {
        ZonedDateTime current = Instant.ofEpochMilli(now).atZone(zone);
        ZonedDateTime candidate = current.toLocalDate().atTime(at).atZone(zone);
        if (!candidate.toInstant().isAfter(current.toInstant())) candidate = current.toLocalDate().plusDays(1).atTime(at).atZone(zone);
        return candidate.toInstant().toEpochMilli();
    }

    /**
     * A local-time broadcast's moment for a person: {@code at}'s wall-clock time (read in UTC) on {@code at}'s date,
     * in the person's zone; when that moment is before {@code now}, the next time the person's clock reads it.
     */
    static long localMoment(long at, ZoneId zone, long now) {
        LocalDateTime wall = LocalDateTime.ofInstant(Instant.ofEpochMilli(at), ZoneOffset.UTC);
        long t = wall.atZone(zone).toInstant().toEpochMilli();
        return t >= now ? t : nextTimeOfDay(wall.toLocalTime(), zone, now);
    }

    /**
     * Send-time optimisation: the hour of day (in the person's zone) they were most often active at over their last
     * 500 events, at its next occurrence within the window; now when Herald knows too little about them.
     */
    static long bestTime(Batch batch, String personId, java.time.Duration window, long now) throws SQLException {
        List<Long> times = Sql.query(batch.connection(), "SELECT ts FROM person_events WHERE person_id = ? "
                + "ORDER BY ts DESC LIMIT 500", rs -> rs.getLong(1), personId);
        if (times.size() < 5) return now;
        ZoneId zone = zoneOf(batch, personId);
        int[] hours = new int[24];
        for (long t : times) hours[Instant.ofEpochMilli(t).atZone(zone).getHour()]++;
        int best = 0;
        for (int h = 1; h < 24; h++) if (hours[h] > hours[best]) best = h;
        long due = nextTimeOfDay(LocalTime.of(best, 0), zone, now);
        return due - now <= window.toMillis() ? due : now;
    }

    /**
     * The next instant a date trigger fires for a date attribute value: the date (shifted by the offset) at the
     * time of day in the person's zone; each year on that day when annual. Null when it is past or not a date.
     */
    static Long nextDate(Batch batch, String personId, Journey.Trigger.DateAttribute d, JsonNode value, long now)
            throws SQLException {
        return date(value) == null ? null : nextDate(d, value, zoneOf(batch, personId), now);
    }

    /** {@link #nextDate(Batch, String, Journey.Trigger.DateAttribute, JsonNode, long)} in a known zone. */
    static Long nextDate(Journey.Trigger.DateAttribute d, JsonNode value, ZoneId zone, long now) {
        LocalDate date = date(value);
        if (date == null) return null;
        if (!d.annual()) {
            long t = date.atTime(d.at()).atZone(zone).toInstant().toEpochMilli() + d.offset().toMillis();
            return t > now ? t : null;
        }
        MonthDay md = MonthDay.from(date);
        int year = Instant.ofEpochMilli(now).atZone(zone).getYear() - 1;
        for (int i = 0; i < 3; i++, year++) {
            long t = md.atYear(year).atTime(d.at()).atZone(zone).toInstant().toEpochMilli() + d.offset().toMillis();
            if (t > now) return t;
        }
        return null;
    }

    /** A calendar date from an attribute: {@code 1990-04-01}, an ISO instant, or epoch seconds/millis. */
    static LocalDate date(JsonNode v) {
        if (v == null || v.isNull()) return null;
        try {
            if (v.isTextual()) {
                String s = v.textValue();
                if (s.length() == 10) return LocalDate.parse(s);
                return Instant.parse(s).atZone(ZoneOffset.UTC).toLocalDate();
            }
            if (v.isNumber()) {
                long n = v.longValue();
                long ms = Math.abs(n) < 100_000_000_000L ? n * 1000 : n;
                return Instant.ofEpochMilli(ms).atZone(ZoneOffset.UTC).toLocalDate();
            }
        } catch (DateTimeException e) {
            return null;
        }
        return null;
    }
}
