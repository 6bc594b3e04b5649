package io.herald.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Realistic segment conditions, over what {@link Workload} sends so that its traffic enters and leaves them.
 *
 * <p>The mix, by position: 30% attribute conditions (text, numbers, dates), 35% event counts (1–5 times, ever or
 * within a minute to 30 days, 60% with a {@code where} filter on a property), 10% aggregates (sum, avg or max of the
 * price, within 30 or 90 days), 5% last-occurrence conditions, and 20% nested {@code and}/{@code or}/{@code not} of
 * two to four of those, a quarter of them also using an earlier segment. Deterministic per seed.
 *
 * <p>What they read depends on the {@link Vocabulary}: only the workload's 8 event names and the traits its
 * {@code identify} calls set, or a workspace's wider one in which those are the most popular.
 */
public final class SegmentMix {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] WINDOWS = {"PT1M", "PT10M", "PT1H", "P1D", "P7D", "P30D"};
    /** Attributes the workload never sets, for the wide vocabulary: text, number or date ones. */
    private static final String[] OTHER_TEXT = {"country", "role", "industry", "language", "utm_source", "os"};
    private static final String[] OTHER_NUMBERS = {"seats", "lifetime_value", "age", "app_build", "company.size"};
    private static final String[] OTHER_DATES = {"signed_up_at", "trial_ends_at", "last_order_at"};

    /** Which events and attributes the segments read. */
    public enum Vocabulary {
        /**
         * Only what the workload sends: its 8 event names and 5 of its traits (and one date it never sets). Every
         * workload event concerns many segments: the worst case, and what a load test needs to see entries and exits.
         */
        WORKLOAD,
        /**
         * A workspace's: 64 event names and 19 attributes, each drawn with Zipf weights (the k-th most popular 1/k),
         * the workload's events and traits being the most popular. Segments share popular events, as real ones do.
         */
        WIDE
    }

    private final SplittableRandom random;
    private final String[] events;
    private final double[] eventWeights;
    private final boolean wide;

    private SegmentMix(long seed, Vocabulary vocabulary) {
        this.random = new SplittableRandom(seed);
        this.wide = vocabulary == Vocabulary.WIDE;
        List<String> names = new ArrayList<>(List.of(Workload.EVENTS));
        if (wide) for (int k = names.size(); k < 64; k++) names.add("Feature " + k + " Used");
        this.events = names.toArray(String[]::new);
        this.eventWeights = wide ? zipf(events.length) : uniform(events.length);
    }

    /**
     * {@code n} conditions; the one at position {@code i} may use the segment of an earlier position {@code j}, named
     * by {@code idOf.apply(j)} (so segments must be created in order when ids are given out by the server).
     */
    public static List<ObjectNode> conditions(int n, long seed, Vocabulary vocabulary, IntFunction<String> idOf) {
        SegmentMix mix = new SegmentMix(seed, vocabulary);
        List<ObjectNode> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(mix.condition(i, idOf));
        return out;
    }

    private ObjectNode condition(int i, IntFunction<String> idOf) {
        int slot = i % 20;
        if (slot < 6) return attribute();
        if (slot < 13) return count();
        if (slot < 15) return aggregate();
        if (slot < 16) return last();
        return nested(i, idOf);
    }

    private ObjectNode attribute() {
        // The wide vocabulary: half the attribute conditions read the workload's traits (the most popular), half
        // the 14 others, by Zipf weight among them.
        if (wide && random.nextBoolean()) return otherAttribute();
        ObjectNode c = JSON.objectNode();
        switch (random.nextInt(9)) {
            case 0 -> c.put("attribute", "plan").put("op", "eq").put("value", pick(Workload.PLANS));
            case 1 -> {
                c.put("attribute", "plan").put("op", "in");
                c.putArray("value").add(pick(Workload.PLANS)).add(pick(Workload.PLANS));
            }
            case 2 -> c.put("attribute", "logins").put("op", "gte").put("value", random.nextInt(500));
            case 3 -> c.put("attribute", "logins").put("op", "lt").put("value", random.nextInt(500));
            case 4 -> c.put("attribute", "newsletter").put("op", "eq").put("value", random.nextBoolean());
            case 5 -> c.put("attribute", "company").put("op", "starts_with").put("value", "Company " + (1 + random.nextInt(9)));
            case 6 -> c.put("attribute", "email").put("op", "contains").put("value", "@example.com");
            case 7 -> c.put("attribute", "company").put("op", random.nextBoolean() ? "exists" : "not_exists");
            default -> c.put("attribute", "signed_up_at").put("op", "within").put("value", "P14D");
        }
        return c;
    }

    private ObjectNode otherAttribute() {
        int k = pickIndex(zipf(OTHER_TEXT.length + OTHER_NUMBERS.length + OTHER_DATES.length));
        ObjectNode c = JSON.objectNode();
        if (k < OTHER_TEXT.length) {
            String name = OTHER_TEXT[k];
            if (random.nextBoolean()) c.put("attribute", name).put("op", "eq").put("value", name + "-" + random.nextInt(5));
            else c.put("attribute", name).put("op", random.nextBoolean() ? "exists" : "not_exists");
        } else if (k < OTHER_TEXT.length + OTHER_NUMBERS.length) {
            c.put("attribute", OTHER_NUMBERS[k - OTHER_TEXT.length]).put("op", random.nextBoolean() ? "gte" : "lt")
                    .put("value", random.nextInt(100));
        } else {
            String name = OTHER_DATES[k - OTHER_TEXT.length - OTHER_NUMBERS.length];
            switch (random.nextInt(3)) {
                case 0 -> c.put("attribute", name).put("op", "within").put("value", "P14D");
                case 1 -> c.put("attribute", name).put("op", "before").put("value", "P3D");
                default -> c.put("attribute", name).put("op", "after").put("value", "-P7D");
            }
        }
        return c;
    }

    private ObjectNode count() {
        ObjectNode c = JSON.objectNode().put("event", event());
        int times = 1 + random.nextInt(5);
        if (times > 1) c.putObject("count").put("op", "gte").put("value", times);
        if (random.nextInt(6) > 0) c.put("within", pick(WINDOWS));
        if (random.nextInt(10) < 6) where(c);
        return c;
    }

    private void where(ObjectNode c) {
        ArrayNode w = c.putArray("where");
        switch (random.nextInt(4)) {
            case 0 -> w.addObject().put("property", "category").put("op", "eq").put("value", pick(Workload.CATEGORIES));
            case 1 -> w.addObject().put("property", "price").put("op", "gte").put("value", 10 * (1 + random.nextInt(15)));
            case 2 -> w.addObject().put("property", "currency").put("op", "eq").put("value", "EUR");
            default -> w.addObject().put("property", "quantity").put("op", "gte").put("value", 2);
        }
    }

    private ObjectNode aggregate() {
        ObjectNode c = JSON.objectNode().put("event", event());
        String fn = new String[] {"sum", "avg", "max"}[random.nextInt(3)];
        c.putObject("aggregate").put("fn", fn).put("property", "price").put("op", "gte")
                .put("value", fn.equals("sum") ? 100 * (1 + random.nextInt(10)) : 50 + random.nextInt(100));
        c.put("within", random.nextBoolean() ? "P30D" : "P90D");
        if (random.nextInt(4) == 0) where(c);
        return c;
    }

    private ObjectNode last() {
        ObjectNode c = JSON.objectNode().put("event", event());
        if (random.nextBoolean()) c.putObject("last").put("op", "before").put("value", "P7D");
        else c.putObject("last").put("op", "after").put("value", "PT1H");
        return c;
    }

    private ObjectNode nested(int i, IntFunction<String> idOf) {
        int parts = 2 + random.nextInt(3);
        ArrayNode list = JSON.arrayNode();
        for (int k = 0; k < parts; k++) {
            ObjectNode part = switch (random.nextInt(4)) {
                case 0 -> attribute();
                case 1, 2 -> count();
                default -> aggregate();
            };
            if (random.nextInt(4) == 0) part = JSON.objectNode().set("not", part);
            list.add(part);
        }
        if (i > 0 && random.nextInt(4) == 0) list.addObject().put("segment", idOf.apply(random.nextInt(i)));
        ObjectNode c = JSON.objectNode();
        c.set(random.nextInt(3) == 0 ? "or" : "and", list);
        return c;
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }

    private String event() {
        return events[pickIndex(eventWeights)];
    }

    /** An index drawn with the given cumulative weights (the last is 1). */
    private int pickIndex(double[] cumulative) {
        double x = random.nextDouble();
        for (int i = 0; i < cumulative.length; i++) if (x < cumulative[i]) return i;
        return cumulative.length - 1;
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        for (int k = 1; k <= n; k++) w[k - 1] = (double) k / n;
        return w;
    }

    /** Cumulative Zipf weights over n ranks: the k-th (from 1) has weight 1/k. */
    private static double[] zipf(int n) {
        double[] w = new double[n];
        double total = 0;
        for (int k = 1; k <= n; k++) total += 1.0 / k;
        double sum = 0;
        for (int k = 1; k <= n; k++) {
            sum += 1.0 / k / total;
            w[k - 1] = sum;
        }
        return w;
    }
}
