package io.herald.policy;

import io.herald.store.Dialect;
import io.herald.store.Engine;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy gate at send time: whether one delivery goes now, later, or never, and why.
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
 *   <li><b>priority</b>: see {@link #priority}.</li>
 * </ol>
 * Webhook deliveries are calls to a system, not messages to a person: only expiry applies to them.
 *
 * <p>Caps count the person's deliveries whose {@code sent_at} falls in the window: the dispatcher sets {@code
 * sent_at} in the same transaction in which the gate says {@link Decision.Send}, on the connection given here.
 *
 * <p>The dispatcher asks about a whole round at once ({@link #checkRound}): the facts of the round's people are
 * read in a few set-based statements and every decision is made in memory, each counting the Sends decided before
 * it, exactly as if the requests had been checked one by one with each Send written in between. {@link #check} is
 * a round of one, so both paths are one implementation.
 *
 * <p>On SQLite a gate remembers the round's people's sends for later rounds ({@link SendLedger}), checked against a
 * version the store bumps on every change to them; a caller that writes Sends tells it which after the commit
 * ({@link #round}, {@link #written}).
 */
public final class Gate {
    /** How long an outranked delivery waits before it asks again (the higher one normally goes within a second). */
    static final long OUTRANKED_RETRY_MS = 60_000;

    private final Settings settings;
    /** What this gate remembers of people's sends between rounds (SQLite only; see {@link SendLedger}). */
    private final SendLedger ledger = new SendLedger();
    /** The store's dialect, learnt from the first connection asked on (one gate serves one store). */
    private volatile Dialect dialect;

    /** A gate that reads the workspace's policies on every check (nothing cached). */
    public Gate() {
        this(null);
    }

    /** A gate reading policies through {@code settings}' cache, which a PUT of the policies refreshes at once. */
    public Gate(Settings settings) {
        this.settings = settings;
    }

    /** The decision for one delivery: a round of one (test sends and other single callers). */
    public Decision check(Connection c, GateRequest r) throws SQLException {
        return checkRound(c, List.of(r)).get(0);
    }

    /**
     * The decisions for a round of deliveries, in order: each the same as {@link #check} would give if it were asked
     * about the requests one after another, with every Send written before the next question as the dispatcher
     * writes it (the delivery {@code sending}, {@code sent_at} = its request's {@code now}). The caller writes those
     * sends afterwards, in the same transaction.
     *
     * <p>Why a round: what the gate needs about the round's people is read in a few set-based statements (see
     * {@link Snapshot}) instead of one statement per delivery, and the checks run in memory; a send decided here is
     * applied to that snapshot, so a later delivery of the same person counts it.
     */
    public List<Decision> checkRound(Connection c, List<GateRequest> requests) throws SQLException {
        return round(c, requests).decisions();
    }

    /**
     * {@link #checkRound} for a caller that writes the round's sends: once the transaction that wrote them has
     * committed, it tells the gate which it wrote ({@link #written}), so that the gate's memory of those people's
     * sends stays true (otherwise they are read from the store again next time).
     */
    public Round round(Connection c, List<GateRequest> requests) throws SQLException {
        Map<String, Policies> policies = new HashMap<>();
        List<Plan> plans = new ArrayList<>(requests.size());
        for (GateRequest r : requests) {
            Policies p = policies.get(r.workspaceId());
            if (p == null) {
                p = settings != null ? settings.policiesFor(c, r.workspaceId()) : Settings.load(c, r.workspaceId());
                policies.put(r.workspaceId(), p);
            }
            plans.add(Plan.of(r, p));
        }
        Dialect store = dialect;
        if (store == null) dialect = store = Dialect.of(c);
        // Sends are remembered between rounds on SQLite only, where the store keeps their versions (V15).
        Snapshot s = Snapshot.read(c, plans, store, store.engine() == Engine.SQLITE ? ledger : null);
        // The priority rule needs the people's waiting deliveries, read only for the requests that can reach it: the
        // checks before it stop a request with the sends stored now, so they stop it after the round's sends too.
        List<Plan> contenders = new ArrayList<>();
        for (Plan plan : plans) {
            if (!plan.caps().isEmpty() && beforePriority(plan, s, s.sentCounts(plan)) == null) contenders.add(plan);
        }
        s.readWaiting(c, contenders);
        List<Decision> out = new ArrayList<>(plans.size());
        for (Plan plan : plans) {
            int[] sent = plan.caps().isEmpty() ? NO_COUNTS : s.sentCounts(plan); // both checks count the same sends
            Decision d = beforePriority(plan, s, sent);
            if (d == null) d = priority(c, plan, s, sent);
            if (d instanceof Decision.Send) s.sent(plan.request());
            out.add(d);
        }
        return new Round(List.copyOf(out), s.versions());
    }

    /**
     * After the transaction that wrote some of {@code round}'s Sends committed (each delivery {@code sending} with
     * {@code sent_at} = its request's {@code now}): the gate adds them to what it remembers of those people, where
     * what it remembered was true when the round read it; anything else it will read again.
     */
    public void written(Round round, List<GateRequest> sends) {
        if (!round.versions.isEmpty() && !sends.isEmpty()) ledger.written(round.versions, sends);
    }

    /** A round's decisions, in the order of its requests, and the versions of its people's sends it read. */
    public static final class Round {
        private final List<Decision> decisions;
        private final Map<String, Long> versions;

        private Round(List<Decision> decisions, Map<String, Long> versions) {
            this.decisions = decisions;
            this.versions = versions;
        }

        public List<Decision> decisions() {
            return decisions;
        }
    }

    /** How many people's sends this gate remembers (for tests). */
    int rememberedPeople() {
        return ledger.size();
    }

    /** One request with what applies to it: the workspace's policies, the caps it is held to, the checks it needs. */
    record Plan(GateRequest request, Policies policies, List<Policies.FrequencyCap> caps, boolean subscription,
                boolean quiet) {
        static Plan of(GateRequest r, Policies policies) {
            boolean toPerson = Policies.CAP_CHANNELS.contains(r.channel()) && !"any".equals(r.channel());
            List<Policies.FrequencyCap> caps = new ArrayList<>(2);
            if (toPerson && !r.transactional() && r.frequencyCap()) {
                for (Policies.FrequencyCap cap : policies.frequencyCaps()) if (cap.covers(r.channel())) caps.add(cap);
            }
            return new Plan(r, policies, caps, toPerson && !r.transactional(),
                    toPerson && r.quietHours() && policies.quietHours() != null);
        }
    }

    /**
     * The first four checks for one request, in order: the decision of the first that stops it, or null when it
     * passes them all. {@code sent}: the sends each of the plan's caps counts ({@link Snapshot#sentCounts}), the
     * round's decided so far included ({@link #round} also asks before deciding any).
     */
    private static Decision beforePriority(Plan plan, Snapshot s, int[] sent) throws SQLException {
        GateRequest r = plan.request();
        List<Policies.FrequencyCap> caps = plan.caps();
        // The person's stored documents are parsed before any check, as a statement reading them per delivery would:
        // a corrupt one fails the round whichever check comes first.
        if (plan.subscription()) s.preferences(r.personId());
        if (plan.quiet()) s.attributeZone(r.personId());

        if (plan.subscription() && !s.subscribed(r)) return new Decision.Suppress("unsubscribed");

        for (int i = 0; i < caps.size(); i++) {
            if (sent[i] >= caps.get(i).max()) return new Decision.Suppress("frequency_capped");
        }

        if (plan.quiet()) {
            Policies.QuietHours q = plan.policies().quietHours();
            Long end = s.quietEnd(q, s.zone(r.personId(), plan.policies().defaultTimezone()), r.now());
            if (end != null) {
                QuietHoursAction action = r.quietHoursAction() != null ? r.quietHoursAction() : q.action();
                if (action == QuietHoursAction.SKIP) return new Decision.Suppress("quiet_hours");
                if (r.expiresAt() != null && r.expiresAt() <= end) return new Decision.Suppress("quiet_hours");
                return new Decision.Defer(end, "quiet_hours");
            }
        }

        if (r.expiresAt() != null && r.expiresAt() <= r.now()) return new Decision.Suppress("expired");
        return null;
    }

    /**
     * The fifth check, for a request that passed the others. Priority: when deliveries of one person compete for the
     * last room under a cap, the higher priority wins.
     *
     * <p>A delivery that a cap still has room for is outranked when, for some cap it is held to, the person's
     * deliveries that are waiting right now with a strictly higher priority and that the same cap would hold and
     * count (status queued or deferred, due, not expired, not transactional, their campaign not opted out of caps,
     * on a channel the cap covers) are at least as many as the room left. Sending it would take room one of them
     * needs, so it waits {@link #OUTRANKED_RETRY_MS} and asks again: by then the higher ones have normally gone and
     * the cap turns it away ({@code frequency_capped}), or they were stopped by their own checks and it goes. It is
     * suppressed as {@code outranked} when it would expire before asking again. Equal priorities never outrank each
     * other (first come, first served), so two deliveries cannot keep deferring each other. Counted by
     * {@link Snapshot#outranked}.
     */
    private static Decision priority(Connection c, Plan plan, Snapshot s, int[] sent) throws SQLException {
        GateRequest r = plan.request();
        List<Policies.FrequencyCap> caps = plan.caps();
        if (!caps.isEmpty() && s.outranked(c, r, caps, sent)) {
            long retry = r.now() + OUTRANKED_RETRY_MS;
            if (r.expiresAt() != null && r.expiresAt() <= retry) return new Decision.Suppress("outranked");
            return new Decision.Defer(retry, "outranked");
        }
        return new Decision.Send();
    }

    private static final int[] NO_COUNTS = new int[0];
}
