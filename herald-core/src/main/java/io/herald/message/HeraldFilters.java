package io.herald.message;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import liqp.TemplateContext;
import liqp.filters.Default;
import liqp.filters.Filter;

/**
 * The filters Herald adds to (or changes in) Liqp's: {@code date} in the person's timezone and locale,
 * {@code default} that forgives the undefined variable it replaced, {@code pluralize}, {@code number},
 * {@code number_with_delimiter}, {@code number_with_precision}, {@code money}. Liqp's own {@code url_encode},
 * {@code escape}, {@code append}… stay as they are.
 */
final class HeraldFilters {
    private static final Map<String, NumberFormat> CURRENCY_FORMATS = new ConcurrentHashMap<>();
    private static final Map<Locale, NumberFormat> NUMBER_FORMATS = new ConcurrentHashMap<>();

    private HeraldFilters() {
    }

    static List<Filter> all() {
        return List.of(new TrackedDefault(), new DateFilter(), new Pluralize(), new NumberFilter(), new Delimiter(),
                new Precision(), new Money());
    }

    private static RenderState state(TemplateContext c) {
        return (RenderState) c.getEnvironmentMap().get(Liquid.STATE);
    }

    /** Liquid's default, and what it replaced is not reported as undefined. */
    static final class TrackedDefault extends Filter {
        private static final Default LIQP = new Default();

        TrackedDefault() {
            super("default");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            Object out = LIQP.apply(value, context, params);
            if (out != value) {
                RenderState s = state(context);
                if (s != null) s.forgive();
            }
            return out;
        }
    }

    /**
     * {@code {{ event.at | date: "%b %-d, %Y %H:%M" }}}: strftime in the person's timezone and language. Takes ISO
     * instants, offset or local date-times, dates ({@code 2026-11-22}), Unix seconds, {@code now} and {@code today};
     * anything else is printed as it is (Liquid's way).
     */
    static final class DateFilter extends Filter {
        DateFilter() {
            super("date");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            RenderState s = state(context);
            ZonedDateTime t = time(value, s);
            if (t == null) return value;
            if (params.length == 0 || params[0] == null || String.valueOf(params[0]).isEmpty()) {
                return t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            }
            return Strftime.format(t, String.valueOf(params[0]), s.locale);
        }

        static ZonedDateTime time(Object v, RenderState s) {
            if (v == null) return null;
            if (v instanceof ZonedDateTime z) return z.withZoneSameInstant(s.zone);
            if (v instanceof TemporalAccessor ta && !(v instanceof LocalDate)) {
                try {
                    return ZonedDateTime.ofInstant(Instant.from(ta), s.zone);
                } catch (RuntimeException e) {
                    return null;
                }
            }
            if (v instanceof LocalDate d) return d.atStartOfDay(s.zone);
            if (v instanceof Number n) return ZonedDateTime.ofInstant(Instant.ofEpochSecond(n.longValue()), s.zone);
            String text = String.valueOf(v).trim();
            if (text.isEmpty()) return null;
            if (text.equals("now") || text.equals("today")) return ZonedDateTime.ofInstant(s.now, s.zone);
            Instant fast = utc(text);
            if (fast != null) return ZonedDateTime.ofInstant(fast, s.zone);
            try {
                if (text.chars().allMatch(Character::isDigit) && text.length() <= 12) {
                    return ZonedDateTime.ofInstant(Instant.ofEpochSecond(Long.parseLong(text)), s.zone);
                }
                if (text.length() == 10) return LocalDate.parse(text).atStartOfDay(s.zone);
                if (hasOffset(text)) {
                    return OffsetDateTime.parse(text).atZoneSameInstant(s.zone);
                }
                return LocalDateTime.parse(text).atZone(s.zone);
            } catch (DateTimeParseException | NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * {@code 2026-11-30T09:15:00Z} and {@code 2026-11-30T09:15:00.123Z}, the form Herald stores times in, read
     * without the general parser (which costs more than the rest of a short render); null for any other form.
     */
    static Instant utc(String t) {
        int n = t.length();
        if ((n != 20 && n != 24) || t.charAt(n - 1) != 'Z' || t.charAt(4) != '-' || t.charAt(7) != '-'
                || t.charAt(10) != 'T' || t.charAt(13) != ':' || t.charAt(16) != ':') {
            return null;
        }
        int year = digits(t, 0, 4), month = digits(t, 5, 2), day = digits(t, 8, 2);
        int hour = digits(t, 11, 2), minute = digits(t, 14, 2), second = digits(t, 17, 2);
        int milli = 0;
        if (n == 24) {
            if (t.charAt(19) != '.') return null;
            milli = digits(t, 20, 3);
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || milli < 0) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, milli * 1_000_000).toInstant(java.time.ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Ends in Z, or in an offset such as +01:00 or -0500 after the time. */
    static boolean hasOffset(String t) {
        char last = t.charAt(t.length() - 1);
        if (last == 'Z' || last == 'z') return true;
        int n = t.length();
        for (int back = 5; back <= 6 && back < n; back++) {
            char sign = t.charAt(n - back);
            if ((sign == '+' || sign == '-') && t.indexOf('T') > 0 && t.indexOf('T') < n - back) return true;
        }
        return false;
    }

    /** {@code {{ n | pluralize: "item", "items" }}} → {@code item} when n is 1, else {@code items}. */
    static final class Pluralize extends Filter {
        Pluralize() {
            super("pluralize");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            if (params.length < 2) return value;
            BigDecimal n = decimal(value);
            return n != null && n.compareTo(BigDecimal.ONE) == 0 ? params[0] : params[1];
        }
    }

    /** {@code {{ 1234567.891 | number }}} → {@code 1,234,567.891} (en) / {@code 1.234.567,891} (de); {@code number: 2} rounds. */
    static final class NumberFilter extends Filter {
        NumberFilter() {
            super("number");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            BigDecimal n = decimal(value);
            if (n == null) return value;
            Integer precision = params.length > 0 ? whole(params[0]) : null;
            NumberFormat f = (NumberFormat) NUMBER_FORMATS.computeIfAbsent(state(context).locale,
                    NumberFormat::getNumberInstance).clone();
            if (precision != null) {
                f.setMinimumFractionDigits(precision);
                f.setMaximumFractionDigits(precision);
            } else {
                f.setMaximumFractionDigits(Math.max(0, n.stripTrailingZeros().scale()));
            }
            f.setRoundingMode(RoundingMode.HALF_UP);
            return f.format(n);
        }
    }

    /** {@code {{ 1234567 | number_with_delimiter }}} → {@code 1,234,567}; {@code number_with_delimiter: "."} picks the mark. */
    static final class Delimiter extends Filter {
        Delimiter() {
            super("number_with_delimiter");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            BigDecimal n = decimal(value);
            if (n == null) return value;
            String mark = params.length > 0 && params[0] != null ? String.valueOf(params[0]) : ",";
            String plain = n.toPlainString();
            int dot = plain.indexOf('.');
            String whole = dot < 0 ? plain : plain.substring(0, dot);
            String fraction = dot < 0 ? "" : plain.substring(dot);
            boolean negative = whole.startsWith("-");
            if (negative) whole = whole.substring(1);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < whole.length(); i++) {
                if (i > 0 && (whole.length() - i) % 3 == 0) b.append(mark);
                b.append(whole.charAt(i));
            }
            return (negative ? "-" : "") + b + fraction;
        }
    }

    /** {@code {{ 3.14159 | number_with_precision: 2 }}} → {@code 3.14} (half up; 3 places when not given). */
    static final class Precision extends Filter {
        Precision() {
            super("number_with_precision");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            BigDecimal n = decimal(value);
            if (n == null) return value;
            Integer p = params.length > 0 ? whole(params[0]) : null;
            return n.setScale(p == null ? 3 : p, RoundingMode.HALF_UP).toPlainString();
        }
    }

    /** {@code {{ 12.5 | money: "EUR" }}} → {@code €12.50} (en), {@code 12,50 €} (de), in the person's locale. */
    static final class Money extends Filter {
        Money() {
            super("money");
        }

        @Override
        public Object apply(Object value, TemplateContext context, Object... params) {
            BigDecimal n = decimal(value);
            if (n == null) return value;
            Locale locale = state(context).locale;
            String code = params.length > 0 && params[0] != null ? String.valueOf(params[0]).toUpperCase(Locale.ROOT) : null;
            Currency currency = null;
            if (code != null) {
                try {
                    currency = Currency.getInstance(code);
                } catch (IllegalArgumentException e) {
                    return n.setScale(2, RoundingMode.HALF_UP).toPlainString() + " " + code;
                }
            }
            String key = locale.toLanguageTag() + "/" + (currency == null ? "" : currency.getCurrencyCode());
            Currency c = currency;
            NumberFormat f = (NumberFormat) CURRENCY_FORMATS.computeIfAbsent(key, k -> {
                NumberFormat nf = c == null ? NumberFormat.getNumberInstance(locale) : NumberFormat.getCurrencyInstance(locale);
                if (c != null) {
                    nf.setCurrency(c);
                    if (nf instanceof DecimalFormat df) {
                        DecimalFormatSymbols sy = df.getDecimalFormatSymbols();
                        sy.setCurrency(c);
                        df.setDecimalFormatSymbols(sy);
                    }
                    nf.setMinimumFractionDigits(c.getDefaultFractionDigits());
                    nf.setMaximumFractionDigits(c.getDefaultFractionDigits());
                } else {
                    nf.setMinimumFractionDigits(2);
                    nf.setMaximumFractionDigits(2);
                }
                nf.setRoundingMode(RoundingMode.HALF_UP);
                return nf;
            }).clone();
            return f.format(n);
        }
    }

    static BigDecimal decimal(Object v) {
        if (v == null) return null;
        if (v instanceof BigDecimal b) return b;
        if (v instanceof Long || v instanceof Integer || v instanceof Short) return BigDecimal.valueOf(((Number) v).longValue());
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? new BigDecimal(String.valueOf(n)) : null;
        }
        String s = String.valueOf(v).trim();
        if (s.isEmpty() || s.length() > 60) return null;
        try {
            return new BigDecimal(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Integer whole(Object p) {
        BigDecimal d = decimal(p);
        if (d == null) return null;
        int i = d.intValue();
        return Math.max(0, Math.min(i, 12));
    }
}
