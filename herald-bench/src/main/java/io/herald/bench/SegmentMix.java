package io.herald.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Realistic segment conditions over what {@link Workload} sends, so that its traffic enters and leaves them: the
 * workload's event names and properties, and the traits its {@code identify} calls set.
 *
 * <p>The mix, by position: 30% attribute conditions (plan, logins, company, newsletter, email, a date), 35% event
 * counts (1–5 times, ever or within a minute to 30 days, 60% with a {@code where} filter on a property), 10%
 * aggregates (sum, avg or max of the price, within 30 or 90 days), 5% last-occurrence conditions, and 20% nested
 * {@code and}/{@code or}/{@code not} of two to four of those, a quarter of them also using an earlier segment. With
 * 8 event names, segments share events (and, with equal filters, tallies) as real ones do. Deterministic per seed.
 */
public final class SegmentMix {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] WINDOWS = {"PT1M", "PT10M", "PT1H", "P1D", "P7D", "P30D"};

    private final SplittableRandom random;

    private SegmentMix(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * {@code n} conditions; the one at position {@code i} may use the segment of an earlier position {@code j}, named
     * by {@code idOf.apply(j)} (so segments must be created in order when ids are given out by the server).
     */
    public static List<ObjectNode> conditions(int n, long seed, IntFunction<String> idOf) {
        SegmentMix mix = new SegmentMix(seed);
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

    private ObjectNode count() {
        ObjectNode c = JSON.objectNode().put("event", pick(Workload.EVENTS));
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
        ObjectNode c = JSON.objectNode().put("event", pick(Workload.EVENTS));
        String fn = new String[] {"sum", "avg", "max"}[random.nextInt(3)];
        c.putObject("aggregate").put("fn", fn).put("property", "price").put("op", "gte")
                .put("value", fn.equals("sum") ? 100 * (1 + random.nextInt(10)) : 50 + random.nextInt(100));
        c.put("within", random.nextBoolean() ? "P30D" : "P90D");
        if (random.nextInt(4) == 0) where(c);
        return c;
    }

    private ObjectNode last() {
        ObjectNode c = JSON.objectNode().put("event", pick(Workload.EVENTS));
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
}
