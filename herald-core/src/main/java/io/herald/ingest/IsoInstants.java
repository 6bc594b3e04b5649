package io.herald.ingest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.format.DateTimeParseException;

/**
 * Reads the ISO-8601 timestamps of tracking calls as epoch milliseconds, exactly as
 * {@code OffsetDateTime.parse(text)} reads them, with {@code Instant.parse(text)} as the second chance.
 *
 * <p>Why a hand parser: every call of a batch carries a timestamp and a sentAt, and java.time's general parser costs
 * about a microsecond each, more than all the rest of a call's validation. Segment clients send one shape,
 * {@code 2026-11-22T10:15:00.123Z} (or with a {@code ±HH:MM} offset). The fast path reads only that shape, with every
 * field in range, and leaves everything else (other shapes, lowercase {@code t}/{@code z}, leap seconds, Feb 30, long
 * years, 10+ fraction digits) to the general parsers, so it never answers where they would answer differently.
 * {@code IsoInstantsTest} holds it to them on a large random sample.
 */
final class IsoInstants {
    /** No 4-digit-year instant is this far back, so it can say "not the common shape". */
    private static final long NOT_FAST = Long.MIN_VALUE;

    private IsoInstants() {
    }

    /**
     * The instant in {@code text}, in epoch ms.
     *
     * @throws DateTimeParseException when neither {@code OffsetDateTime.parse} nor {@code Instant.parse} reads it
     */
    static long toEpochMilli(String text) {
        long fast = fast(text);
        return fast != NOT_FAST ? fast : general(text);
    }

    /** The general parsers, as tracking calls were always read. */
    private static long general(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return Instant.parse(text).toEpochMilli();
        }
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)} with every field in range, else {@link #NOT_FAST}. */
    private static long fast(String s) {
        int n = s.length();
        // 20 = "2026-11-22T10:15:00Z"; 35 = nine fraction digits and an offset.
        if (n < 20 || n > 35 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return NOT_FAST;
        }
        int century = twoDigits(s, 0);
        int yearOfCentury = twoDigits(s, 2);
        int year = century * 100 + yearOfCentury;
        int month = twoDigits(s, 5);
        int day = twoDigits(s, 8);
        int hour = twoDigits(s, 11);
        int minute = twoDigits(s, 14);
        int second = twoDigits(s, 17);
        // twoDigits answers -1 for a non-digit, which fails these range checks.
        if (century < 0 || yearOfCentury < 0 || month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return NOT_FAST;
        }
        int i = 19;
        int millis = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && isDigit(s.charAt(i))) i++;
            int digits = i - start;
            if (digits < 1 || digits > 9) return NOT_FAST;
            // Instant.toEpochMilli truncates the nanoseconds: only the first three digits count.
            for (int k = 0; k < 3; k++) millis = millis * 10 + (k < digits ? s.charAt(start + k) - '0' : 0);
        }
        if (i >= n) return NOT_FAST;
        char sign = s.charAt(i);
        int offsetSeconds;
        if (sign == 'Z' && i + 1 == n) {
            offsetSeconds = 0;
        } else if ((sign == '+' || sign == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
            int offsetHours = twoDigits(s, i + 1);
            int offsetMinutes = twoDigits(s, i + 4);
            // ZoneOffset's range is ±18:00.
            if (offsetHours < 0 || offsetMinutes < 0 || offsetMinutes > 59 || offsetHours > 18
                    || (offsetHours == 18 && offsetMinutes != 0)) {
                return NOT_FAST;
            }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == '-' ? -1 : 1);
        } else {
            return NOT_FAST;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        long epochSecond = epochDay * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
        return epochSecond * 1000 + millis;
    }

    private static int twoDigits(String s, int at) {
        char a = s.charAt(at);
        char b = s.charAt(at + 1);
        return isDigit(a) && isDigit(b) ? (a - '0') * 10 + (b - '0') : -1;
    }

    /** ASCII digits only: java.time's ISO formatters read no other digits either. */
    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> Year.isLeap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }
}
