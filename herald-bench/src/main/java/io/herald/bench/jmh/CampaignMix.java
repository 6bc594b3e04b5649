package io.herald.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.campaign.TriggerMatching;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A workspace's campaigns and the events they see, for {@link TriggerMatchingBenchmark}; deterministic for a seed.
 *
 * <p>Campaigns: 70% start on an event, over {@value #EVENT_NAMES} event names, with 0–3 {@code where} filters drawn
 * from eq, gte, in, contains, starts_with, exists and within on the properties below; 10% on entering a segment and
 * 5% on leaving one (of {@value #SEGMENTS}); 10% on an attribute changing (of {@value #ATTRIBUTES}, half to a given
 * value); 5% on the API, a date attribute or a broadcast (never matched by an event). 90% are active, 7% paused, 3%
 * archived (the active check drops them). Each has a message step and an exit.
 *
 * <p>Events: 80% track events named uniformly over the same names with seven properties (plan, amount, country,
 * source, path, coupon on a third of them, signup_at in the last 30 days) and a browser's context; 10% identify
 * calls changing 1–3 attributes; 10% segment entered/exited timers.
 */
final class CampaignMix {
    static final int EVENT_NAMES = 200;
    static final int SEGMENTS = 50;
    static final int ATTRIBUTES = 30;
    private static final String[] PLANS = {"free", "pro", "team", "enterprise"};
    private static final String[] COUNTRIES = {"PT", "BR", "US", "DE", "FR", "JP", "GB", "ES", "IT", "IN"};
    private static final String[] SOURCES = {"google_ads", "newsletter", "organic", "facebook_ads", "referral"};
    private static final String[] PATHS = {"/app/settings", "/app/billing", "/pricing", "/docs/start", "/app/home"};

    private final SplittableRandom random;
    private final long now = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();

    CampaignMix(long seed) {
        this.random = new SplittableRandom(seed);
    }

    static String eventName(int i) {
        return String.format("event_%03d", i);
    }

    List<TriggerMatching.Campaign> campaigns(int n) {
        List<TriggerMatching.Campaign> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ObjectNode c = EventCodec.mapper().createObjectNode();
            c.put("name", "campaign " + i);
            c.set("trigger", trigger());
            c.put("start", "m");
            ObjectNode steps = c.putObject("steps");
            steps.putObject("m").put("type", "message").put("channel", "in_app").put("next", "x")
                    .putObject("message").put("title", "Hello");
            steps.putObject("x").put("type", "exit");
            int s = random.nextInt(100);
            out.add(new TriggerMatching.Campaign("cmp_" + i, s < 90 ? "active" : s < 97 ? "paused" : "archived", c));
        }
        return out;
    }

    private ObjectNode trigger() {
        ObjectNode t = EventCodec.mapper().createObjectNode();
        int kind = random.nextInt(100);
        if (kind < 70) {
            t.put("event", eventName(random.nextInt(EVENT_NAMES)));
            int filters = random.nextInt(4);
            if (filters > 0) {
                ArrayNode where = t.putArray("where");
                for (int f = 0; f < filters; f++) where.add(filter());
            }
        } else if (kind < 80) {
            t.put("segmentEntered", "seg_" + random.nextInt(SEGMENTS));
        } else if (kind < 85) {
            t.put("segmentExited", "seg_" + random.nextInt(SEGMENTS));
        } else if (kind < 95) {
            t.put("attributeChanged", "attr_" + random.nextInt(ATTRIBUTES));
            if (random.nextBoolean()) t.put("to", "v" + random.nextInt(3));
        } else if (kind < 97) {
            t.put("api", true);
        } else if (kind < 99) {
            t.putObject("date").put("attribute", "trial_ends_at").put("at", "09:00");
        } else {
            t.putObject("broadcast").put("segment", "seg_" + random.nextInt(SEGMENTS));
        }
        return t;
    }

    private ObjectNode filter() {
        ObjectNode f = EventCodec.mapper().createObjectNode();
        switch (random.nextInt(7)) {
            case 0 -> f.put("property", "plan").put("op", "eq").put("value", pick(PLANS));
            case 1 -> f.put("property", "amount").put("op", "gte").put("value", random.nextInt(500));
            case 2 -> {
                f.put("property", "country").put("op", "in");
                ArrayNode values = f.putArray("value");
                for (int k = 2 + random.nextInt(3); k > 0; k--) values.add(pick(COUNTRIES));
            }
            case 3 -> f.put("property", "source").put("op", "contains").put("value", "ads");
            case 4 -> f.put("property", "path").put("op", "starts_with").put("value", "/app");
            case 5 -> f.put("property", "coupon").put("op", "exists");
            default -> f.put("property", "signup_at").put("op", "within").put("value", "P7D");
        }
        return f;
    }

    /** One event of the mix, with the attributes it changed (what the profile stage would report). */
    record Sample(Event event, Map<String, JsonNode> changed) {
    }

    List<Sample> events(int n) {
        List<Sample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(100);
            if (kind < 80) {
                out.add(new Sample(track(i, eventName(random.nextInt(EVENT_NAMES))), Map.of()));
            } else if (kind < 90) {
                ObjectNode traits = EventCodec.mapper().createObjectNode();
                Map<String, JsonNode> changed = new LinkedHashMap<>();
                for (int k = 1 + random.nextInt(3); k > 0; k--) {
                    String name = "attr_" + random.nextInt(ATTRIBUTES);
                    traits.put(name, "v" + random.nextInt(3));
                    changed.put(name, traits.get(name));
                }
                out.add(new Sample(event(i, new Payload.Identify(traits)), changed));
            } else {
                ObjectNode data = EventCodec.mapper().createObjectNode().put("segmentId", "seg_" + random.nextInt(SEGMENTS));
                String kindName = random.nextBoolean() ? "segment.entered" : "segment.exited";
                out.add(new Sample(event(i, new Payload.TimerFired("p_" + i, "t_" + i, kindName, data)), Map.of()));
            }
        }
        return out;
    }

    /** A track event with the mix's properties and a browser's context, as ingest stores it. */
    Event track(int i, String name) {
        ObjectNode p = EventCodec.mapper().createObjectNode();
        p.put("plan", pick(PLANS));
        p.put("amount", random.nextInt(1000) / 2.0);
        p.put("country", pick(COUNTRIES));
        p.put("source", pick(SOURCES));
        p.put("path", pick(PATHS));
        if (random.nextInt(3) == 0) p.put("coupon", "WINTER" + random.nextInt(10));
        p.put("signup_at", Instant.ofEpochMilli(now).minus(random.nextInt(30 * 24), ChronoUnit.HOURS).toString());
        return event(i, new Payload.Track(name, p));
    }

    private Event event(int i, Payload payload) {
        ObjectNode context = EventCodec.mapper().createObjectNode();
        context.putObject("library").put("name", "analytics.js").put("version", "5.2.0");
        context.put("locale", "en-US").put("timezone", "Europe/Lisbon").put("ip", "203.0.113." + (i % 250));
        context.put("userAgent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15");
        return new Event("ws", 0, i + 1, "msg-" + i, "user-" + i, "anon-" + i, now - random.nextInt(60_000), now,
                context, payload);
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }
}
