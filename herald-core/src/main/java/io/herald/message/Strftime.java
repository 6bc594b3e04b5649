package io.herald.message;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * strftime as Liquid's {@code date} filter knows it (Ruby's directives), for a time already in the person's zone:
 * {@code %Y %y %m %B %b %h %d %e %j %H %I %M %S %L %p %P %A %a %u %w %Z %z %s %F %T %D %R %c %x %X %%}, with the
 * flags {@code -} (no padding) and {@code ^} (upper case). Month and day names follow the person's language.
 */
final class Strftime {
    private static final java.time.format.DateTimeFormatter ZONE_NAME = java.time.format.DateTimeFormatter.ofPattern("zzz");

    private Strftime() {
    }

    static String format(ZonedDateTime t, String pattern, Locale locale) {
        StringBuilder out = new StringBuilder(pattern.length() + 16);
        int n = pattern.length();
        for (int i = 0; i < n; i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= n) {
                out.append(c);
                continue;
            }
            char d = pattern.charAt(++i);
            boolean pad = true;
            boolean upper = false;
            while ((d == '-' || d == '^') && i + 1 < n) {
                if (d == '-') pad = false;
                else upper = true;
                d = pattern.charAt(++i);
            }
            String piece = directive(t, d, pad, locale);
            if (piece == null) {
                out.append('%').append(d);
            } else {
                out.append(upper ? piece.toUpperCase(locale) : piece);
            }
        }
        return out.toString();
    }

    private static String directive(ZonedDateTime t, char d, boolean pad, Locale l) {
        return switch (d) {
            case 'Y' -> String.valueOf(t.getYear());
            case 'y' -> two(t.getYear() % 100, pad);
            case 'm' -> two(t.getMonthValue(), pad);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL_STANDALONE, l);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT_STANDALONE, l);
            case 'd' -> two(t.getDayOfMonth(), pad);
            case 'e' -> pad && t.getDayOfMonth() < 10 ? " " + t.getDayOfMonth() : String.valueOf(t.getDayOfMonth());
            case 'j' -> pad ? String.format("%03d", t.getDayOfYear()) : String.valueOf(t.getDayOfYear());
            case 'H' -> two(t.getHour(), pad);
            case 'k' -> pad && t.getHour() < 10 ? " " + t.getHour() : String.valueOf(t.getHour());
            case 'I' -> two(twelve(t.getHour()), pad);
            case 'l' -> pad && twelve(t.getHour()) < 10 ? " " + twelve(t.getHour()) : String.valueOf(twelve(t.getHour()));
            case 'M' -> two(t.getMinute(), pad);
            case 'S' -> two(t.getSecond(), pad);
            case 'L' -> String.format("%03d", t.getNano() / 1_000_000);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, l);
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, l);
            case 'u' -> String.valueOf(t.getDayOfWeek().getValue());
            case 'w' -> String.valueOf(t.getDayOfWeek().getValue() % 7);
            case 'Z' -> t.format(ZONE_NAME.withLocale(l));
            case 'z' -> {
                int s = t.getOffset().getTotalSeconds();
                int a = Math.abs(s);
                yield (s < 0 ? "-" : "+") + two(a / 3600, true) + two(a / 60 % 60, true);
            }
            case 's' -> String.valueOf(t.toEpochSecond());
            case 'F' -> t.getYear() + "-" + two(t.getMonthValue(), true) + "-" + two(t.getDayOfMonth(), true);
            case 'T', 'X' -> two(t.getHour(), true) + ":" + two(t.getMinute(), true) + ":" + two(t.getSecond(), true);
            case 'R' -> two(t.getHour(), true) + ":" + two(t.getMinute(), true);
            case 'D', 'x' -> two(t.getMonthValue(), true) + "/" + two(t.getDayOfMonth(), true) + "/" + two(t.getYear() % 100, true);
            case 'c' -> directive(t, 'a', true, l) + " " + directive(t, 'b', true, l) + " " + directive(t, 'e', true, l) + " "
                    + directive(t, 'T', true, l) + " " + t.getYear();
            case '%' -> "%";
            default -> null;
        };
    }

    private static int twelve(int hour) {
        int h = hour % 12;
        return h == 0 ? 12 : h;
    }

    private static String two(int v, boolean pad) {
        if (!pad || v >= 10) return String.valueOf(v);
        return "0" + v;
    }
}
