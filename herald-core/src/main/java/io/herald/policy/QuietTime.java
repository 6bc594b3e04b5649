package io.herald.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.util.List;

/**
 * Quiet hours as intervals of instants in a person's zone.
 *
 * <p>The night that starts on local date D runs from D at {@code start} to {@code end} on D (when end is after
 * start) or on D+1 (a window crossing midnight). Each end is turned into an instant with the zone's rules of that
 * date, so a window over a DST change is as long as the wall clock says: 22:00–08:00 across the spring change is 9
 * hours, across the autumn change 11. A wall time the clock skips (in the spring gap) is reached when the clock
 * jumps past it, at the transition; one it shows twice (the autumn overlap) is taken at its first occurrence.
 */
final class QuietTime {
    private QuietTime() {
    }

    /** When the quiet hours that hold {@code now} end (epoch ms), or null when {@code now} is not in quiet hours. */
    static Long endIfQuiet(LocalTime start, LocalTime end, ZoneId zone, long now) {
        Instant at = Instant.ofEpochMilli(now);
        LocalDate today = LocalDate.ofInstant(at, zone);
        // The night that started yesterday may still be running (a window crossing midnight); otherwise today's.
        for (LocalDate night : new LocalDate[] {today.minusDays(1), today}) {
            Instant from = instant(night, start, zone);
            Instant to = instant(end.isAfter(start) ? night : night.plusDays(1), end, zone);
            if (!at.isBefore(from) && at.isBefore(to)) return to.toEpochMilli();
        }
        return null;
    }

    /** The instant the zone's wall clock first shows {@code time} on {@code date}, or jumps past it. */
    static Instant instant(LocalDate date, LocalTime time, ZoneId zone) {
        LocalDateTime local = LocalDateTime.of(date, time);
        ZoneRules rules = zone.getRules();
        List<ZoneOffset> offsets = rules.getValidOffsets(local);
        if (offsets.isEmpty()) return rules.getTransition(local).getInstant();
        return local.toInstant(offsets.get(0));
    }
}
