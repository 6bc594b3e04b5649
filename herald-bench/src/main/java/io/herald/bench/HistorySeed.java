package io.herald.bench;

import com.github.f4b6a3.uuid.UuidCreator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Fills a fresh Herald store with people and their recorded history straight through JDBC, in large batches, far
 * faster than ingesting them: {@code persons}, their two {@code identities} ({@code user-N} and {@code anon-N}, the
 * ids {@link Workload} sends, so live traffic finds them) and {@code person_events}, shaped like the workload's
 * calls (60% track with 3–5 properties, 15% identify, 25% page, each with its context).
 *
 * <p>Events are spread evenly over the last {@code span} and written in time order, each for a person drawn
 * uniformly: the table's rows lie as ingestion would have left them, a person's events scattered across it. The
 * history's timeline index is dropped while rows go in and built once at the end. Track events are named as in the
 * workload, but {@link #RARE_EVENT} makes up only 6% of them, so about 30% of people did it at least once when they
 * have ten events each. On SQLite the write-ahead log is checkpointed and emptied at the end.
 */
final class HistorySeed {
    /** The event name about 30% of people did (at ten events a person): the default segment's. */
    static final String RARE_EVENT = "Order Completed";
    private static final int BATCH = 5_000;
    private static final int COMMIT_EVERY = 200_000;
    private static final String[] PAGES = {"Home", "Pricing", "Docs", "Blog", "Checkout", "Account"};

    private HistorySeed() {
    }

    /** What was written, and how long it took. */
    record Seeded(int people, long events, double seconds) {
    }

    /**
     * @param now the instant the history ends (epoch ms)
     */
    static Seeded seed(BenchStore store, String workspaceId, int people, long events, long now, Duration span)
            throws SQLException {
        long t0 = System.nanoTime();
        SplittableRandom random = new SplittableRandom(2026);
        String[] ids = new String[people];
        for (int i = 0; i < people; i++) ids[i] = UuidCreator.getTimeOrderedEpoch().toString();
        try (Connection c = store.heraldConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("DROP INDEX IF EXISTS person_events_timeline");
            }
            c.commit();
            long spanMs = span.toMillis();
            try (PreparedStatement person = c.prepareStatement("INSERT INTO persons (id, workspace_id, user_id, "
                    + "attributes, timezone, locale, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement identity = c.prepareStatement("INSERT INTO identities (workspace_id, kind, value, "
                         + "person_id, created_at) VALUES (?, ?, ?, ?, ?)")) {
                for (int i = 0; i < people; i++) {
                    long created = now - spanMs - random.nextLong(Duration.ofDays(30).toMillis());
                    person.setString(1, ids[i]);
                    person.setString(2, workspaceId);
                    person.setString(3, "user-" + i);
                    person.setString(4, "{\"email\":\"user-" + i + "@example.com\",\"name\":\"Person " + i
                            + "\",\"plan\":\"" + Workload.PLANS[i % Workload.PLANS.length] + "\",\"logins\":" + (i % 500) + "}");
                    person.setString(5, "Europe/Berlin");
                    person.setString(6, "en-US");
                    person.setLong(7, created);
                    person.setLong(8, now);
                    person.addBatch();
                    for (String kind : new String[] {"user", "anon"}) {
                        identity.setString(1, workspaceId);
                        identity.setString(2, kind);
                        identity.setString(3, (kind.equals("user") ? "user-" : "anon-") + i);
                        identity.setString(4, ids[i]);
                        identity.setLong(5, created);
                        identity.addBatch();
                    }
                    if ((i + 1) % BATCH == 0 || i == people - 1) {
                        person.executeBatch();
                        identity.executeBatch();
                    }
                    if ((i + 1) % COMMIT_EVERY == 0) c.commit();
                }
            }
            c.commit();
            LoadGenerator.log("  %,d people in %.1f s", people, (System.nanoTime() - t0) / 1e9);
            try (PreparedStatement event = c.prepareStatement("INSERT INTO person_events (workspace_id, message_id, "
                    + "person_id, seq, type, event, name, properties, context, ts, received_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                StringBuilder sb = new StringBuilder(512);
                long start = now - spanMs;
                for (long k = 0; k < events; k++) {
                    int p = random.nextInt(people);
                    long ts = start + k * spanMs / events;
                    int kind = random.nextInt(100);
                    event.setString(1, workspaceId);
                    event.setString(2, "seed-" + k);
                    event.setString(3, ids[p]);
                    event.setLong(4, k + 1);
                    sb.setLength(0);
                    if (kind < 60) {
                        event.setString(5, "track");
                        event.setString(6, trackName(random));
                        event.setString(7, null);
                        sb.append("{\"product_id\":\"p-").append(random.nextInt(5000)).append("\",\"price\":")
                                .append(random.nextInt(20000) / 100.0).append(",\"currency\":\"EUR\"");
                        int n = 3 + random.nextInt(3);
                        if (n > 3) sb.append(",\"category\":\"").append(Workload.CATEGORIES[random.nextInt(
                                Workload.CATEGORIES.length)]).append('"');
                        if (n > 4) sb.append(",\"quantity\":").append(1 + random.nextInt(4));
                        sb.append('}');
                    } else if (kind < 75) {
                        event.setString(5, "identify");
                        event.setString(6, null);
                        event.setString(7, null);
                        sb.append("{\"email\":\"user-").append(p).append("@example.com\",\"plan\":\"")
                                .append(Workload.PLANS[p % Workload.PLANS.length]).append("\",\"logins\":").append(p % 500)
                                .append('}');
                    } else {
                        String page = PAGES[random.nextInt(PAGES.length)];
                        event.setString(5, "page");
                        event.setString(6, null);
                        event.setString(7, page);
                        sb.append("{\"path\":\"/").append(page.toLowerCase()).append("\",\"url\":\"https://shop.example.com/")
                                .append(page.toLowerCase()).append("\",\"title\":\"").append(page)
                                .append(" | Shop\",\"referrer\":\"https://www.google.com/\"}");
                    }
                    event.setString(8, sb.toString());
                    event.setString(9, "{\"library\":{\"name\":\"analytics.js\",\"version\":\"5.2.0\"},\"locale\":\"en-US\","
                            + "\"timezone\":\"Europe/Berlin\",\"ip\":\"203.0." + (p % 250) + "." + (p % 199) + "\",\"userAgent\":"
                            + "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                            + "Version/17.1 Safari/605.1.15\"}");
                    event.setLong(10, ts);
                    event.setLong(11, ts + random.nextInt(2000));
                    event.addBatch();
                    if ((k + 1) % BATCH == 0 || k == events - 1) event.executeBatch();
                    if ((k + 1) % COMMIT_EVERY == 0) c.commit();
                    if ((k + 1) % 1_000_000 == 0) {
                        LoadGenerator.log("  %,d events in %.1f s", k + 1, (System.nanoTime() - t0) / 1e9);
                    }
                }
            }
            c.commit();
            long t1 = System.nanoTime();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE INDEX person_events_timeline ON person_events (person_id, ts, seq)");
            }
            c.commit();
            LoadGenerator.log("  history's timeline index built in %.1f s", (System.nanoTime() - t1) / 1e9);
            if (store.engine() == io.herald.store.Engine.SQLITE) {
                // Leave no write-ahead log behind: Herald's checkpointer would copy gigabytes of it back, under
                // its writer lock, while the run measures.
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                }
            }
        }
        return new Seeded(people, events, (System.nanoTime() - t0) / 1e9);
    }

    /** A workload event name, {@link #RARE_EVENT} for 6% of track events and the other seven evenly. */
    private static String trackName(SplittableRandom random) {
        if (random.nextInt(100) < 6) return RARE_EVENT;
        String name;
        do {
            name = Workload.EVENTS[random.nextInt(Workload.EVENTS.length)];
        } while (name.equals(RARE_EVENT));
        return name;
    }
}
