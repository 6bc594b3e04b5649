package io.herald.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.store.Statements;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy gate as it was before it asked about rounds (main at ab3c29e), one statement per delivery: kept as
 * the oracle {@link GateRoundTest} holds the round against, so the two are different code reaching the same answers.
 * Its documentation, below, is the original's.
 *
 * <p>The policy gate at send time: whether one delivery goes now, later, or never, and why.
 *
 * <p>The checks run in this order and the first that stops the delivery gives the reason:
 * <ol>
 *   <li><b>subscription</b>: the person opted out of the channel, or of the message's topic on that channel (a
 *       topic they never chose for is at its {@code defaultOptIn}; a topic the workspace does not have is nobody's
 *       subscription, as for segments) → {@code Suppress("unsubscribed")}. Transactional messages skip this.</li>
 *   <li><b>frequency caps</b>: a workspace cap on the delivery's channel or on {@code any} already holds {@code max}
 *       of the person's deliveries whose {@code sent_at} is in {@code (now - per, now]} → {@code
 *       Suppress("frequency_capped")}. Every channel counts, in-app included; transactional deliveries neither
 *       count nor are held; a campaign with {@code frequencyCap: false} is not held (its sends still count).</li>
 *   <li><b>quiet hours</b> in the person's zone (their {@code timezone} attribute, else the latest timezone a
 *       device or context reported, else the workspace's {@code defaultTimezone}) → {@code Defer(end,
 *       "quiet_hours")} or {@code Suppress("quiet_hours")} by the campaign's action, else the workspace's. A deferral
 *       that would outlive the delivery's expiry is a suppression.</li>
 *   <li><b>expiry</b>: {@code expiresAt <= now} → {@code Suppress("expired")}.</li>
 *   <li><b>priority</b>: see {@link #outranked}.</li>
 * </ol>
 * Webhook deliveries are calls to a system, not messages to a person: only expiry applies to them.
 *
 * <p>Caps count the person's deliveries whose {@code sent_at} falls in the window: the dispatcher sets {@code
 * sent_at} in the same transaction in which the gate says {@link Decision.Send}, on the connection given here.
 */
final class StatementPerDeliveryGate {
    /** How long an outranked delivery waits before it asks again (the higher one normally goes within a second). */
    static final long OUTRANKED_RETRY_MS = 60_000;

    private static final String WAITING = "SELECT channel, context FROM deliveries WHERE person_id = ? "
            + "AND status IN ('queued', 'deferred') AND priority > ? AND id <> ? AND transactional = ? "
            + "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (expires_at IS NULL OR expires_at > ?)";

    private final Settings settings;

    /** A gate that reads the workspace's policies on every check (nothing cached). */
    StatementPerDeliveryGate() {
        this(null);
    }

    /** A gate reading policies through {@code settings}' cache, which a PUT of the policies refreshes at once. */
    StatementPerDeliveryGate(Settings settings) {
        this.settings = settings;
    }

    public Decision check(Connection c, GateRequest r) throws SQLException {
        Policies policies = settings != null ? settings.policiesFor(c, r.workspaceId()) : Settings.load(c, r.workspaceId());
        boolean toPerson = Policies.CAP_CHANNELS.contains(r.channel()) && !"any".equals(r.channel());
        boolean checkSubscription = toPerson && !r.transactional();
        boolean checkQuiet = toPerson && r.quietHours() && policies.quietHours() != null;
        List<Policies.FrequencyCap> caps = new ArrayList<>(2);
        if (toPerson && !r.transactional() && r.frequencyCap()) {
            for (Policies.FrequencyCap cap : policies.frequencyCaps()) if (cap.covers(r.channel())) caps.add(cap);
        }
        StatementPerDeliverySnapshot s = checkSubscription || checkQuiet || !caps.isEmpty()
                ? StatementPerDeliverySnapshot.read(c, r, caps, checkSubscription, checkQuiet) : null;

        if (checkSubscription && !s.subscribed(r.channel(), r.topic())) return new Decision.Suppress("unsubscribed");

        for (int i = 0; i < caps.size(); i++) {
            if (s.sent()[i] >= caps.get(i).max()) return new Decision.Suppress("frequency_capped");
        }

        if (checkQuiet) {
            Policies.QuietHours q = policies.quietHours();
            Long end = QuietTime.endIfQuiet(q.start(), q.end(), s.zone(policies.defaultTimezone()), r.now());
            if (end != null) {
                QuietHoursAction action = r.quietHoursAction() != null ? r.quietHoursAction() : q.action();
                if (action == QuietHoursAction.SKIP) return new Decision.Suppress("quiet_hours");
                if (r.expiresAt() != null && r.expiresAt() <= end) return new Decision.Suppress("quiet_hours");
                return new Decision.Defer(end, "quiet_hours");
            }
        }

        if (r.expiresAt() != null && r.expiresAt() <= r.now()) return new Decision.Suppress("expired");

        if (mayBeOutranked(caps, s) && outranked(c, r, caps, s.sent())) {
            long retry = r.now() + OUTRANKED_RETRY_MS;
            if (r.expiresAt() != null && r.expiresAt() <= retry) return new Decision.Suppress("outranked");
            return new Decision.Defer(retry, "outranked");
        }
        return new Decision.Send();
    }

    /** Whether the snapshot's waiting counts (an upper bound) reach the room left under some cap. */
    private static boolean mayBeOutranked(List<Policies.FrequencyCap> caps, StatementPerDeliverySnapshot s) {
        for (int i = 0; i < caps.size(); i++) {
            if (s.waiting()[i] > 0 && s.waiting()[i] >= caps.get(i).max() - s.sent()[i]) return true;
        }
        return false;
    }

    /**
     * Priority: when deliveries of one person compete for the last room under a cap, the higher priority wins.
     *
     * <p>A delivery that a cap still has room for is outranked when, for some cap it is held to, the person's
     * deliveries that are waiting right now with a strictly higher priority and that the same cap would hold and
     * count (status queued or deferred, due, not expired, not transactional, their campaign not opted out of caps,
     * on a channel the cap covers) are at least as many as the room left. Sending it would take room one of them
     * needs, so it waits {@link #OUTRANKED_RETRY_MS} and asks again: by then the higher ones have normally gone and
     * the cap turns it away ({@code frequency_capped}), or they were stopped by their own checks and it goes. It is
     * suppressed as {@code outranked} when it would expire before asking again. Equal priorities never outrank each
     * other (first come, first served), so two deliveries cannot keep deferring each other.
     */
    private static boolean outranked(Connection c, GateRequest r, List<Policies.FrequencyCap> caps, int[] sent)
            throws SQLException {
        int[] waiting = new int[caps.size()];
        boolean any = false;
        // The exact count, run only when the snapshot's upper bound says it may outrank: this one reads each waiting
        // delivery's context for its campaign's opt-out. Matches the partial index deliveries_waiting_person (V10).
        PreparedStatement cached = Statements.cached(c, WAITING);
        PreparedStatement ps = cached != null ? cached : c.prepareStatement(WAITING);
        try {
            ps.setString(1, r.personId());
            ps.setInt(2, r.priority());
            ps.setString(3, r.deliveryId() == null ? "" : r.deliveryId());
            ps.setBoolean(4, false);
            ps.setLong(5, r.now());
            ps.setLong(6, r.now());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String channel = rs.getString(1);
                    if (!heldToCaps(rs.getString(2))) continue;
                    for (int i = 0; i < caps.size(); i++) {
                        if (caps.get(i).covers(channel)) {
                            waiting[i]++;
                            any = true;
                        }
                    }
                }
            }
        } finally {
            if (cached == null) ps.close();
        }
        if (!any) return false;
        for (int i = 0; i < caps.size(); i++) {
            if (waiting[i] > 0 && waiting[i] >= caps.get(i).max() - sent[i]) return true;
        }
        return false;
    }

    /** Whether a waiting delivery's campaign holds it to caps ({@code context.policies.frequencyCap}, default true). */
    private static boolean heldToCaps(String context) {
        if (context == null) return true;
        try {
            JsonNode policies = EventCodec.mapper().readTree(context).path("policies");
            return !(policies.path("frequencyCap").isBoolean() && !policies.path("frequencyCap").booleanValue());
        } catch (IOException e) {
            return true; // unreadable context: assume the usual (held), the cautious answer for the lower delivery
        }
    }
}
