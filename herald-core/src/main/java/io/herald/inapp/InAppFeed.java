package io.herald.inapp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.SentHook;
import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.herald.time.Pollers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each person's in-app feed: the append-only record ({@code inapp_feed}) of what their open streams are told, and
 * the {@link LiveFeed} nudge after each append commits.
 *
 * <p>Entries are appended in the transaction that changes the delivery (recorded sent by the dispatcher through
 * {@link SentHook}, recalled, expired, shown once), under {@link io.herald.store.Dialect#lockFeedAppends} so that
 * sequence order is commit order; a stream that read up to entry n can never see an entry below n appear later.
 * A message entry is told only while its delivery is still eligible when the stream reads it, so a page resuming
 * after a long time gets no message that is already gone.
 */
public final class InAppFeed implements SentHook {
    private static final Logger log = LoggerFactory.getLogger(InAppFeed.class);
    /** Statuses of an in-app delivery that is available to the person (retired_at aside). */
    static final String AVAILABLE = "('sent', 'delivered', 'shown', 'clicked')";
    private static final int SWEEP_BATCH = 500;

    /** An entry as a stream sends it: {@code event} is message or withdraw; {@code data} its JSON. */
    public record Entry(long seq, String event, String data) {
    }

    /**
     * Entries after a point: those to send, and the last sequence number read (skipped entries count: the stream
     * moves past them).
     */
    public record Page(List<Entry> entries, long last, int read) {
    }

    private final Database db;
    private final LiveFeed live;
    private final InstantSource clock;
    private volatile Duration heartbeat = Duration.ofSeconds(15);
    private volatile Pollers sweeper;
    private volatile boolean stopping;

    public InAppFeed(Database db, LiveFeed live, InstantSource clock) {
        this.db = db;
        this.live = live;
        this.clock = clock;
    }

    public LiveFeed live() {
        return live;
    }

    /** How often open streams send a heartbeat comment (API.md: at least every 20 s). */
    public Duration heartbeat() {
        return heartbeat;
    }

    /** Changes the heartbeat interval (tests shorten it; proxies that cut idle connections sooner may need it). */
    public void heartbeatEvery(Duration interval) {
        if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofSeconds(20)) > 0) {
            throw new IllegalArgumentException("the heartbeat interval must be positive and at most 20 s, was " + interval);
        }
        this.heartbeat = interval;
    }

    @Override
    public Recording prepare(List<Sent> sent) {
        // The message its pages will get, built once here (before the transaction) rather than on every page view.
        List<Kept> inApp = new ArrayList<>();
        for (Sent s : sent) {
            if (!s.channel().equals("in_app") || s.content() == null) continue;
            Long at = InAppMessages.expiresAt(s.content(), s.createdAt(), s.expiresAt());
            inApp.add(new Kept(s, at, InAppMessages.Client.of(s.id(), s.campaignId(), s.content(), s.createdAt(), at)));
        }
        if (inApp.isEmpty()) return c -> { };
        return c -> {
            db.dialect().lockFeedAppends(c);
            long now = clock.millis();
            try (PreparedStatement kept = c.prepareStatement("UPDATE deliveries SET expires_at = ?, inapp_message = ?, "
                    + "inapp_priority = ?, inapp_anonymous = ? WHERE id = ?");
                 PreparedStatement feed = c.prepareStatement(INSERT)) {
                for (Kept k : inApp) {
                    Sent s = k.sent();
                    Sql.bind(kept, k.expiresAt(), k.message().json(), k.message().priority(), k.message().anonymous(), s.id());
                    kept.addBatch();
                    Sql.bind(feed, s.workspaceId(), s.personId(), "message", s.id(), null, now);
                    feed.addBatch();
                }
                kept.executeBatch();
                feed.executeBatch();
            }
        };
    }

    /** An in-app delivery recorded sent, with what its row keeps for the eligible list. */
    private record Kept(Sent sent, Long expiresAt, InAppMessages.Client message) {
    }

    @Override
    public void recorded(List<Sent> sent) {
        poke(sent.stream().filter(s -> s.channel().equals("in_app")).map(Sent::personId).toList());
    }

    private static final String INSERT = "INSERT INTO inapp_feed (workspace_id, person_id, kind, delivery_id, "
            + "except_session, created_at) VALUES (?, ?, ?, ?, ?, ?)";

    /** Appends a withdraw entry (in the caller's transaction); {@code exceptSession} may be null. */
    void withdraw(Connection c, String workspaceId, String personId, String deliveryId, String exceptSession)
            throws SQLException {
        db.dialect().lockFeedAppends(c);
        Sql.update(c, INSERT, workspaceId, personId, "withdraw", deliveryId, exceptSession, clock.millis());
    }

    /** Nudges the open streams of these people (after the transaction that fed them committed). */
    void poke(Collection<String> personIds) {
        if (personIds.isEmpty()) return;
        try {
            List<String> keys = db.read(c -> {
                List<String> out = new ArrayList<>();
                for (List<String> chunk : Sql.chunks(List.copyOf(new LinkedHashSet<>(personIds)))) {
                    out.addAll(Sql.query(c, "SELECT workspace_id, kind, value FROM identities WHERE person_id IN ("
                            + Sql.placeholders(chunk.size()) + ")", rs -> LiveFeed.key(rs.getString(1), rs.getString(2),
                            rs.getString(3)), chunk.toArray()));
                }
                return out;
            });
            for (String k : keys) live.poke(k);
        } catch (RuntimeException e) {
            // The entries are committed: a page gets them on its next read (a later nudge, or its reconnect).
            log.atWarn().setCause(e).log("could not nudge open in-app streams");
        }
    }

    /** The last entry of the person's feed (0 when none): where a stream that has seen nothing yet starts. */
    public long lastSeq(String workspaceId, String personId) {
        return db.read(c -> lastSeq(c, workspaceId, personId));
    }

    static long lastSeq(java.sql.Connection c, String workspaceId, String personId) throws java.sql.SQLException {
        // Kept prepared: every list and stream asks.
        List<Long> max = Sql.queryKept(c, "SELECT MAX(seq) FROM inapp_feed WHERE person_id = ? AND workspace_id = ?",
                rs -> rs.getLong(1), personId, workspaceId);
        return max.isEmpty() ? 0L : max.get(0);
    }

    /**
     * Up to {@code limit} entries of the person's feed after {@code after}, as the stream of {@code sessionId}
     * (may be null) sends them; {@code anonymousOnly}: only messages meant for anonymous visitors.
     */
    public Page after(String workspaceId, String personId, long after, boolean anonymousOnly, String sessionId, int limit) {
        long now = clock.millis();
        return db.read(c -> {
            List<Entry> out = new ArrayList<>();
            long[] last = {after};
            int[] read = {0};
            Sql.queryKept(c, "SELECT f.seq, f.kind, f.delivery_id, f.except_session, d.status, d.retired_at, "
                    + InAppMessages.COLUMNS + " FROM inapp_feed f LEFT JOIN deliveries d ON d.id = f.delivery_id "
                    + "WHERE f.person_id = ? AND f.workspace_id = ? AND f.seq > ? ORDER BY f.seq LIMIT ?", rs -> {
                long seq = rs.getLong(1);
                read[0]++;
                last[0] = Math.max(last[0], seq);
                String deliveryId = rs.getString(3);
                if (rs.getString(2).equals("withdraw")) {
                    String except = rs.getString(4);
                    if (except == null || !except.equals(sessionId)) {
                        out.add(new Entry(seq, "withdraw", EventCodec.mapper().createObjectNode()
                                .put("deliveryId", deliveryId).toString()));
                    }
                    return null;
                }
                // Columns 7.. are InAppMessages.COLUMNS: 10 is expires_at.
                long expires = rs.getLong(10);
                boolean unexpired = rs.wasNull() || expires > now;
                if (!AVAILABLE.contains("'" + rs.getString(5) + "'") || rs.getObject(6) != null || !unexpired) return null;
                InAppMessages.Client m = InAppMessages.read(rs, 7);
                if (m == null || (anonymousOnly && !m.anonymous())) return null;
                out.add(new Entry(seq, "message", m.json()));
                return null;
            }, personId, workspaceId, after, limit);
            return new Page(out, last[0], read[0]);
        });
    }

    private static final String EXPIRED = " WHERE channel = 'in_app' AND retired_at IS NULL AND expires_at IS NOT NULL "
            + "AND expires_at <= ? ";

    /**
     * Retires in-app deliveries whose expiry passed and withdraws those that were available from the person's open
     * pages; returns how many were withdrawn. What the background sweep runs (and tests, after moving the clock).
     */
    public int withdrawExpired() {
        int withdrawn = 0;
        while (!stopping) {
            long now = clock.millis();
            Set<String> people = new LinkedHashSet<>();
            // Nothing expired is the usual answer: it is read without taking the SQLite writer's turn from others.
            if (db.read(c -> Sql.queryOne(c, "SELECT 1 FROM deliveries" + EXPIRED + "LIMIT 1", rs -> 1, now))
                    .isEmpty()) {
                break;
            }
            int[] counts = db.inTransaction(c -> {
                List<String[]> due = Sql.query(c, "SELECT id, workspace_id, person_id, status FROM deliveries"
                        + EXPIRED + "LIMIT ?", rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4)}, now, SWEEP_BATCH);
                int w = 0;
                for (String[] d : due) {
                    Sql.update(c, "UPDATE deliveries SET retired_at = ?, retired_reason = 'expired' WHERE id = ? "
                            + "AND retired_at IS NULL", now, d[0]);
                    // Queued ones expire too (the gate will suppress them); only what went out is on a page.
                    if (AVAILABLE.contains("'" + d[3] + "'")) {
                        withdraw(c, d[1], d[2], d[0], null);
                        people.add(d[2]);
                        w++;
                    }
                }
                return new int[] {due.size(), w};
            });
            poke(people);
            withdrawn += counts[1];
            if (counts[0] < SWEEP_BATCH) break;
        }
        return withdrawn;
    }

    /** Sweeps expiries in the background every {@code pollMillis}. */
    public void start(long pollMillis) {
        sweeper = Pollers.start("herald-inapp-expiry", 1, pollMillis, "withdrawing expired in-app messages failed",
                this::withdrawExpired);
    }

    public void close() {
        stopping = true;
        Pollers p = sweeper;
        if (p != null) p.stop(Duration.ofSeconds(5));
    }
}
