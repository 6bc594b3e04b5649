package io.herald.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hand-written timestamp reader against the oracle it replaces: {@code OffsetDateTime.parse}, then
 * {@code Instant.parse}. Same instant, or refused by both.
 */
class IsoInstantsTest {

    /** What tracking calls did before the fast path: an epoch ms, or the name of the exception. */
    private static String oracle(String text) {
        try {
            try {
                return Long.toString(OffsetDateTime.parse(text).toInstant().toEpochMilli());
            } catch (DateTimeParseException e) {
                return Long.toString(Instant.parse(text).toEpochMilli());
            }
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static String fast(String text) {
        try {
            return Long.toString(IsoInstants.toEpochMilli(text));
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // What Segment clients send.
            "2026-11-22T10:15:00Z", "2026-11-22T10:15:00.123Z", "2026-11-22T10:15:00.1Z", "2026-11-22T10:15:00.12Z",
            "2026-11-22T10:15:00.1234Z", "2026-11-22T10:15:00.123456789Z", "2026-11-22T10:15:00.999999999Z",
            "2026-11-22T11:15:00+01:00", "2026-11-22T05:15:00.5-05:00", "2026-11-22T15:45:00+05:30",
            "2026-11-22T10:15:00-00:00", "2026-11-22T10:15:00+00:00", "2026-11-22T10:15:00+18:00",
            "2026-11-22T10:15:00-18:00", "2026-11-22T10:15:00+14:45",
            // Calendar edges.
            "2024-02-29T00:00:00Z", "2000-02-29T23:59:59.999Z", "1900-02-28T12:00:00Z", "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z",
            "1969-12-31T23:59:59.9995Z", "0001-03-01T00:00:00+01:00", "2026-12-31T23:30:00-01:00",
            // Valid, but not the common shape: the general parsers answer.
            "2026-11-22t10:15:00z", "2026-11-22T10:15Z", "2026-11-22T10:15:00.Z", "2026-11-22T10:15:00+0100",
            "2026-11-22T10:15:00+01", "2026-11-22T10:15:00+01:00:30", "+12026-11-22T10:15:00Z", "-0001-11-22T10:15:00Z",
            "2026-12-31T23:59:60Z", "2026-11-22T10:15:00.1234567891Z",
            // Invalid.
            "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:60:00Z",
            "2026-11-22T10:15:00+18:01", "2026-11-22T10:15:00+19:00", "2026-11-22T10:15:00+01:60",
            "2026-11-22T10:15:00", "2026-11-22 10:15:00Z", "2026-11-22T10:15:00ZZ", "2026-11-22T10:15:00.12a4Z",
            "2026-11-22T10:15:00.Z1", "2O26-11-22T10:15:00Z", "2026-1a-22T10:15:00Z", "2026-11-22T10:15:0xZ",
            "２０２６-11-22T10:15:00Z", "yesterday", "", "2026-11-22T10:15:00.000000000000000000000Z"})
    void readsEveryFormAsOffsetDateTimeThenInstantDo(String text) {
        assertThat(fast(text)).as(text).isEqualTo(oracle(text));
    }

    @Test
    void readsRandomTimestampsAndNearMissesAsTheGeneralParsersDo() {
        SplittableRandom random = new SplittableRandom(20261122);
        List<String> mismatches = new ArrayList<>();
        int valid = 0;
        for (int i = 0; i < 50_000; i++) {
            String text = random.nextInt(4) == 0 ? mutate(timestamp(random), random) : timestamp(random);
            String expected = oracle(text);
            String actual = fast(text);
            if (!actual.equals(expected) && mismatches.size() < 20) mismatches.add(text + " -> " + actual + ", expected " + expected);
            if (!expected.endsWith("Exception")) valid++;
        }
        assertThat(mismatches).isEmpty();
        assertThat(valid).as("a good part of the sample must be valid timestamps").isGreaterThan(20_000);
    }

    /** A timestamp of the common shape, its fields mostly in range and sometimes just out of it. */
    private static String timestamp(SplittableRandom r) {
        int year = switch (r.nextInt(4)) {
            case 0 -> r.nextInt(10_000);
            case 1 -> 1900 + r.nextInt(2) * 100 + r.nextInt(4) * 4; // leap and non-leap centuries
            default -> 1960 + r.nextInt(100);
        };
        int month = r.nextInt(20) == 0 ? r.nextInt(14) : 1 + r.nextInt(12);
        int day = r.nextInt(3) == 0 ? 27 + r.nextInt(6) : (r.nextInt(20) == 0 ? 0 : 1 + r.nextInt(28));
        int hour = r.nextInt(30) == 0 ? 24 : r.nextInt(24);
        int minute = r.nextInt(30) == 0 ? 60 : r.nextInt(60);
        int second = r.nextInt(30) == 0 ? 60 : r.nextInt(60);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second));
        int digits = r.nextInt(12) - 1; // -1: no fraction; 0: a bare point; 10 and 11: too many digits
        if (digits >= 0) {
            sb.append('.');
            for (int d = 0; d < digits; d++) sb.append((char) ('0' + r.nextInt(10)));
        }
        switch (r.nextInt(5)) {
            case 0, 1 -> sb.append('Z');
            case 2 -> {
                int hours = r.nextInt(20);
                int minutes = r.nextInt(8) == 0 ? 59 + r.nextInt(2) : r.nextInt(4) * 15;
                sb.append(r.nextBoolean() ? '+' : '-').append(String.format("%02d:%02d", hours, minutes));
            }
            case 3 -> sb.append(String.format("%s%02d:%02d", r.nextBoolean() ? "+" : "-", r.nextInt(15), r.nextInt(2) * 30));
            default -> sb.append(r.nextBoolean() ? "z" : "+0100");
        }
        return sb.toString();
    }

    /** The timestamp with one character replaced, inserted or removed. */
    private static String mutate(String s, SplittableRandom r) {
        String alphabet = "0123456789-:.TZtz+ 9\u0660";
        int at = r.nextInt(s.length());
        char c = alphabet.charAt(r.nextInt(alphabet.length()));
        return switch (r.nextInt(3)) {
            case 0 -> s.substring(0, at) + c + s.substring(at + 1);
            case 1 -> s.substring(0, at) + c + s.substring(at);
            default -> s.substring(0, at) + s.substring(at + 1);
        };
    }
}
