package io.herald.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;

/**
 * Realistic Segment {@code /v1/batch} bodies, as analytics.js or analytics-java would send them.
 *
 * <p>The mix: 60% track (3–5 properties), 15% identify (4–6 traits), 25% page. Each call carries its own context
 * (library, locale, timezone, ip, user agent) and an ISO timestamp; the batch carries {@code sentAt}. Calls come from
 * a population of {@code people} people drawn uniformly; 10% are pre-login calls with only the person's anonymousId,
 * the rest carry the userId and the anonymousId (so identity resolution links, but never merges, people). Every
 * messageId is unique within a run. Not thread-safe: give each sending thread its own.
 *
 * <p>{@link Traits}: by default every {@code identify} draws the plan, the login count and the newsletter choice
 * afresh, which keeps the store busy rewriting profiles. With {@link Traits#STABLE} they are each person's own and
 * change the way real ones do, seldom (a plan changes in 2% of identify calls, and changes back with the next), so
 * segments over them see a realistic rate of entries and exits.
 */
public final class Workload {
    static final String[] EVENTS = {"Product Viewed", "Product Added", "Checkout Started", "Order Completed",
            "Signed Up", "Video Played", "Search Performed", "Coupon Applied"};
    private static final String[] PAGES = {"Home", "Pricing", "Docs", "Blog", "Checkout", "Account"};
    private static final String[] ZONES = {"Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London",
            "America/Los_Angeles", "Australia/Sydney"};
    private static final String[] LOCALES = {"en-US", "de-DE", "ja-JP", "en-GB", "fr-FR"};
    static final String[] PLANS = {"free", "pro", "team", "enterprise"};
    static final String[] CATEGORIES = {"shoes", "books", "garden", "toys", "music"};
    private static final String USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            + "(KHTML, like Gecko) Version/17.1 Safari/605.1.15";

    /** How identify calls set the plan, logins and newsletter traits. */
    public enum Traits {
        /** Drawn afresh on every call. */
        RANDOM,
        /** Each person's own, the plan changing in 2% of calls. */
        STABLE
    }

    private final int people;
    private final Traits traits;
    private final String idPrefix;
    private final SplittableRandom random;
    private long sequence;

    /**
     * @param idPrefix makes messageIds unique across the workloads of a run (e.g. run id and thread number)
     */
    public Workload(int people, String idPrefix, long seed) {
        this(people, idPrefix, seed, Traits.RANDOM);
    }

    public Workload(int people, String idPrefix, long seed, Traits traits) {
        if (people < 1) throw new IllegalArgumentException("people must be at least 1, was " + people);
        this.people = people;
        this.traits = traits;
        this.idPrefix = idPrefix;
        this.random = new SplittableRandom(seed);
    }

    /** A batch body of {@code calls} calls, as UTF-8 JSON. */
    public byte[] nextBatch(int calls) {
        if (calls < 1) throw new IllegalArgumentException("calls must be at least 1, was " + calls);
        StringBuilder sb = new StringBuilder(calls * 560 + 64);
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        sb.append("{\"batch\":[");
        for (int i = 0; i < calls; i++) {
            if (i > 0) sb.append(',');
            appendCall(sb, now);
        }
        sb.append("],\"sentAt\":\"").append(now).append("\"}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void appendCall(StringBuilder sb, String now) {
        int person = random.nextInt(people);
        int kind = random.nextInt(100);
        String type = kind < 60 ? "track" : kind < 75 ? "identify" : "page";
        sb.append("{\"type\":\"").append(type).append("\",\"messageId\":\"").append(idPrefix).append('-')
                .append(sequence++).append('"');
        if (random.nextInt(10) != 0 || type.equals("identify")) sb.append(",\"userId\":\"user-").append(person).append('"');
        sb.append(",\"anonymousId\":\"anon-").append(person).append('"');
        switch (type) {
            case "track" -> {
                sb.append(",\"event\":\"").append(EVENTS[random.nextInt(EVENTS.length)]).append("\",\"properties\":{");
                int n = 3 + random.nextInt(3);
                sb.append("\"product_id\":\"p-").append(random.nextInt(5000)).append('"');
                sb.append(",\"price\":").append(random.nextInt(20000) / 100.0);
                sb.append(",\"currency\":\"EUR\"");
                if (n > 3) sb.append(",\"category\":\"").append(CATEGORIES[random.nextInt(CATEGORIES.length)]).append('"');
                if (n > 4) sb.append(",\"quantity\":").append(1 + random.nextInt(4));
                sb.append('}');
            }
            case "identify" -> {
                sb.append(",\"traits\":{\"email\":\"user-").append(person).append("@example.com\"");
                sb.append(",\"name\":\"Person ").append(person).append('"');
                if (traits == Traits.RANDOM) {
                    sb.append(",\"plan\":\"").append(PLANS[random.nextInt(PLANS.length)]).append('"');
                    sb.append(",\"logins\":").append(random.nextInt(500));
                    if (random.nextBoolean()) sb.append(",\"company\":\"Company ").append(person % 977).append('"');
                    if (random.nextBoolean()) sb.append(",\"newsletter\":").append(random.nextBoolean());
                } else {
                    String plan = random.nextInt(50) == 0 ? PLANS[random.nextInt(PLANS.length)] : PLANS[person % PLANS.length];
                    sb.append(",\"plan\":\"").append(plan).append('"');
                    sb.append(",\"logins\":").append(person % 500);
                    if (random.nextBoolean()) sb.append(",\"company\":\"Company ").append(person % 977).append('"');
                    if (random.nextBoolean()) sb.append(",\"newsletter\":").append(person % 3 == 0);
                }
                sb.append('}');
            }
            default -> {
                String page = PAGES[random.nextInt(PAGES.length)];
                sb.append(",\"name\":\"").append(page).append("\",\"properties\":{\"path\":\"/")
                        .append(page.toLowerCase()).append("\",\"url\":\"https://shop.example.com/")
                        .append(page.toLowerCase()).append("\",\"title\":\"").append(page)
                        .append(" | Shop\",\"referrer\":\"https://www.google.com/\"}");
            }
        }
        sb.append(",\"timestamp\":\"").append(now).append('"');
        sb.append(",\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"}")
                .append(",\"locale\":\"").append(LOCALES[person % LOCALES.length]).append('"')
                .append(",\"timezone\":\"").append(ZONES[person % ZONES.length]).append('"')
                .append(",\"ip\":\"203.0.").append(person % 250).append('.').append(person % 199).append('"')
                .append(",\"userAgent\":\"").append(USER_AGENT).append("\"}}");
    }
}
