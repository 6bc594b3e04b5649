package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.log.EventLog;
import io.herald.message.RenderFailure;
import io.herald.message.Rendered;
import io.herald.message.Renderer;
import io.herald.policy.Decision;
import io.herald.policy.Gate;
import io.herald.policy.GateRequest;
import io.herald.policy.QuietHoursAction;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.time.Pollers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery pipeline: takes due deliveries from the outbox and carries each through archived-campaign check →
 * policy gate → render → channel → recorded status, telling the person the outcome as a {@code message.<status>}
 * event.
 *
 * <p>Design, and why it never sends twice:
 * <ol>
 *   <li><b>Claim.</b> Due rows (queued, deferred or retrying; {@code next_attempt_at} null or passed) whose lease is
 *   free are leased to this round with one compare-and-set UPDATE ({@code ... WHERE lease_until IS NULL OR
 *   lease_until < now}); two dispatchers can never both win a row, on SQLite (one writer) or PostgreSQL (the loser's
 *   UPDATE re-reads the row and no longer matches). A claim that dies here is simply taken again after its lease.</li>
 *   <li><b>Gate</b>, in one transaction per round: the whole round is one question to the gate ({@link
 *   Gate#checkRound}), person by person, higher priority first, each answer counting the Sends decided before it.
 *   The rows told Send then become {@code sending} with {@code sent_at} set, in the transaction the gate read caps
 *   in. Defer is written in the same transaction; Suppress waits for the record step (below).</li>
 *   <li><b>Render and send</b>: the round's sending rows are rendered, each channel is given its part of the round
 *   ({@link Channel#forRound}: the push channel reads the round's devices there), then every row is handed to its
 *   channel at once (channels are asynchronous), and the round waits for all answers.</li>
 *   <li><b>Tell, then record</b>: outcome events are appended to the log first, then every status is written in one
 *   transaction. A crash before the record leaves rows {@code sending}: they are never sent again, but become
 *   {@code unknown} (reason {@code answer_lost}) once their lease runs out; the events already appended carry
 *   messageIds the log deduplicates, so telling again adds nothing.</li>
 * </ol>
 * Rounds are of {@link DispatchOptions#batchSize()} deliveries, so a few transactions carry hundreds of deliveries,
 * and {@link DispatchOptions#rounds()} of them run at once: one round renders, sends and records while another claims
 * and is gated. Their gate steps take turns (SQLite's one writer; on PostgreSQL an advisory lock, see {@link
 * io.herald.store.Dialect#lockGate}), so a round's gate reads every send an earlier gate step decided and caps hold
 * exactly, across threads and nodes.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** The reason a delivery whose answer was lost in a crash is recorded {@code unknown} with. */
    public static final String ANSWER_LOST = "answer_lost";

    /**
     * Points of a round where a test may stop the process (crash tests): {@code claimed} after the claim committed,
     * {@code answered} after the channels answered and before anything was recorded.
     */
    public interface Probe {
        Probe NONE = point -> { };

        void at(String point);
    }

    /** A delivery's state after a round, as test sends return it. */
    public record Result(String id, String status, String reason, JsonNode content) {
    }

    private final Database db;
    private final Channels channels;
    private final Gate gate;
    private final Renderer renderer;
    private final Links links;
    private final InstantSource clock;
    private final DispatchOptions options;
    private final Probe probe;
    private final SentHook sentHook;
    private final OutcomeEvents events;
    private final Backoff backoff;
    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer latency;
    private final String owner = "d-" + UuidCreator.getTimeOrderedEpoch();
    private final AtomicLong rounds = new AtomicLong();
    /**
     * SQLite without statistics prefers the (status, next_attempt_at) index and then sorts every pending delivery on
     * each claim (0.4 s at 100,000 queued); the partial index yields them in claim order and stops at the batch.
     */
    private final String pendingIndex;
    private volatile Pollers pollers;
    private volatile boolean stopping;

    public Dispatcher(Database db, EventLog eventLog, Channels channels, Gate gate, Renderer renderer, Links links,
                      InstantSource clock, MeterRegistry meters, DispatchOptions options) {
        this(db, eventLog, channels, gate, renderer, links, clock, meters, options, Probe.NONE);
    }

    public Dispatcher(Database db, EventLog eventLog, Channels channels, Gate gate, Renderer renderer, Links links,
                      InstantSource clock, MeterRegistry meters, DispatchOptions options, Probe probe) {
        this(db, eventLog, channels, gate, renderer, links, clock, meters, options, probe, SentHook.NONE);
    }

    /** @param sentHook told about the deliveries each round records sent (in-app reaches open pages through it) */
    public Dispatcher(Database db, EventLog eventLog, Channels channels, Gate gate, Renderer renderer, Links links,
                      InstantSource clock, MeterRegistry meters, DispatchOptions options, Probe probe, SentHook sentHook) {
        this.sentHook = sentHook;
        this.db = db;
        this.channels = channels;
        this.gate = gate;
        this.renderer = renderer;
        this.links = links;
        this.clock = clock;
        this.options = options;
        this.probe = probe;
        this.events = new OutcomeEvents(eventLog);
        this.backoff = new Backoff(options.retryBase(), options.retryCap(), options.seed());
        this.meters = meters;
        this.pendingIndex = db.engine() == Engine.SQLITE ? " INDEXED BY deliveries_pending" : "";
        this.latency = Timer.builder("herald.dispatch.latency")
                .description("From a round's claim of a delivery to its recorded outcome")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    public DispatchOptions options() {
        return options;
    }

    /**
     * Runs rounds until nothing is due by the clock's now (and records lost answers as unknown first); returns how
     * many deliveries were processed. What the background poller calls, and tests call directly.
     */
    public int dispatchDue() {
        int done = reconcileLost();
        while (!stopping) {
            Claim claim = claim();
            boolean full = claim.ids().size() == options.batchSize();
            // More may be due: another poller claims the next round while this one works through its own.
            if (full) wake();
            done += process(claim.token(), claim.ids());
            if (!full) break;
        }
        return done;
    }

    /** A lease token unique to one round: the rows it claimed are exactly those that carry it. */
    String newToken() {
        return owner + "/" + rounds.incrementAndGet();
    }

    long leaseUntil(long now) {
        return now + options.lease().toMillis();
    }

    private static final String DUE = " WHERE status IN ('queued', 'deferred', 'retrying') "
            + "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (lease_until IS NULL OR lease_until < ?)";

    /**
     * Leases the next due deliveries to a new round; returns its token and the ids it won. Candidates come from the
     * partial index of pending deliveries (V9) in claim order; each is then taken with a compare-and-set UPDATE, and
     * only those whose UPDATE matched belong to the round.
     */
    private Claim claim() {
        String token = newToken();
        long now = clock.millis();
        // A poll that finds nothing needs no write. On SQLite a write transaction queues for the one writer (behind a
        // person processor's batch, often) and then makes the next writer wait its hand-off: an idle outbox polled
        // twice every 200 ms did both, for nothing.
        if (db.read(c -> Sql.queryOne(c, "SELECT 1 FROM deliveries" + pendingIndex + DUE + " LIMIT 1", rs -> 1, now,
                now)).isEmpty()) {
            return new Claim(token, List.of());
        }
        List<String> won = db.inTransaction(c -> {
            List<String> candidates = Sql.query(c, "SELECT id FROM deliveries" + pendingIndex + DUE
                    + " ORDER BY priority DESC, created_at, id LIMIT ?" + db.dialect().forUpdateSkipLocked(),
                    rs -> rs.getString(1), now, now, options.batchSize());
            if (candidates.isEmpty()) return List.<String>of();
            // One compare-and-set for all: a candidate another dispatcher took since the SELECT no longer matches.
            Object[] params = new Object[candidates.size() + 3];
            params[0] = token;
            params[1] = leaseUntil(now);
            for (int i = 0; i < candidates.size(); i++) params[i + 2] = candidates.get(i);
            params[candidates.size() + 2] = now;
            int n = Sql.update(c, "UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id IN ("
                    + Sql.placeholders(candidates.size()) + ") AND status IN ('queued', 'deferred', 'retrying') "
                    + "AND (lease_until IS NULL OR lease_until < ?)", params);
            if (n == candidates.size()) return candidates;
            return Sql.query(c, "SELECT id FROM deliveries WHERE id IN (" + Sql.placeholders(candidates.size())
                    + ") AND lease_owner = ?", rs -> rs.getString(1), append(candidates, token));
        });
        return new Claim(token, won);
    }

    /** A round's lease token and the deliveries it holds. */
    private record Claim(String token, List<String> ids) {
    }

    /** One round over deliveries leased under {@code token}; returns how many there were. */
    int process(String token, List<String> ids) {
        if (ids.isEmpty()) return 0;
        List<Claimed> rows = db.read(c -> {
            List<Claimed> out = new ArrayList<>(ids.size());
            Map<String, ObjectNode> messages = new HashMap<>();
            for (List<String> chunk : Sql.chunks(ids)) {
                out.addAll(Sql.query(c, "SELECT " + Claimed.COLUMNS + Claimed.FROM + "WHERE d.id IN ("
                        + Sql.placeholders(chunk.size()) + ") AND d.lease_owner = ?", rs -> Claimed.map(rs, messages),
                        append(chunk, token)));
            }
            return out;
        });
        if (rows.isEmpty()) return 0;
        probe.at("claimed");
        long claimedAt = clock.millis();
        // Per person, higher priority first: when two compete for a cap, the gate sees the more important one first.
        rows = new ArrayList<>(rows);
        rows.sort(Comparator.comparing(Claimed::personId).thenComparing(Comparator.comparingInt(Claimed::priority).reversed())
                .thenComparingLong(Claimed::createdAt).thenComparing(Claimed::id));

        Map<String, Final> finals = new LinkedHashMap<>();
        List<Claimed> sending = gate(token, rows, finals);
        Map<String, Person> people = sending.isEmpty() ? Map.of() : db.read(c -> Person.load(c, sending));
        Map<String, CompletableFuture<Outcome>> answers = new LinkedHashMap<>();
        Map<String, Rendered> rendered = new HashMap<>();
        Map<String, List<Outbound>> byChannel = new LinkedHashMap<>();
        for (Claimed d : sending) {
            Person p = people.get(d.personId());
            if (p == null) {
                finals.put(d.id(), Final.failed(d, "person_not_found", null));
                continue;
            }
            Rendered r;
            try {
                r = renderer.render(d.channel(), d.message(), RenderInputs.of(d, p, links));
            } catch (RenderFailure e) {
                finals.put(d.id(), Final.failed(d, e.reason(), null));
                continue;
            } catch (RuntimeException e) {
                log.atError().setCause(e).addKeyValue("delivery", d.id()).log("rendering failed unexpectedly");
                finals.put(d.id(), Final.failed(d, "render_error", null));
                continue;
            }
            rendered.put(d.id(), r);
            byChannel.computeIfAbsent(d.channel(), k -> new ArrayList<>()).add(new Outbound(d.workspaceId(), d.id(),
                    d.personId(), d.channel(), d.idempotencyKey(), r.content(), d.attempts() + 1));
        }
        for (Map.Entry<String, List<Outbound>> e : byChannel.entrySet()) {
            Channel channel = channels.get(e.getKey()).orElseThrow(); // checked before the gate
            Channel round;
            try {
                round = channel.forRound(e.getValue());
            } catch (RuntimeException ex) {
                log.atError().setCause(ex).addKeyValue("channel", e.getKey()).log("preparing a round failed");
                round = channel;
            }
            for (Outbound o : e.getValue()) {
                CompletableFuture<Outcome> answer;
                try {
                    answer = round.send(o);
                } catch (RuntimeException ex) {
                    answer = CompletableFuture.failedFuture(ex);
                }
                answers.put(o.deliveryId(), answer);
            }
        }
        Answers.awaitAll(answers.values(), options.lease());
        probe.at("answered");
        long now = clock.millis();
        for (Claimed d : sending) {
            CompletableFuture<Outcome> a = answers.get(d.id());
            if (a == null) continue;
            Outcome o = Answers.outcomeOf(d, a);
            Rendered r = rendered.get(d.id());
            finals.put(d.id(), switch (o) {
                case Outcome.Sent s -> new Final(d, "sent", null, r, s.providerId(), null);
                case Outcome.Rejected x -> Final.failed(d, x.reason(), r);
                case Outcome.Unknown u -> new Final(d, "unknown", u.reason(), r, null, null);
                case Outcome.Retry t -> d.attempts() + 1 >= options.maxAttempts()
                        ? Final.failed(d, t.reason(), r)
                        : new Final(d, "retrying", t.reason(), r, null, now + backoff.delayMillis(d.attempts() + 1, t.retryAfter()));
            });
        }
        List<SentHook.Sent> sent = record(token, finals, now);
        if (!sent.isEmpty()) sentHook.recorded(sent);
        for (Final f : finals.values()) {
            count(f.d().channel(), f.status());
            latency.record(Math.max(0, now - claimedAt), TimeUnit.MILLISECONDS);
        }
        return rows.size();
    }

    /** What is decided for a delivery in a round; written in the record step. */
    private record Final(Claimed d, String status, String reason, Rendered rendered, String providerId, Long nextAttemptAt) {
        static Final failed(Claimed d, String reason, Rendered r) {
            return new Final(d, "failed", reason, r, null, null);
        }

        Integer variant() {
            return rendered == null ? null : rendered.variant();
        }

        /** Outcomes the person is told about (retrying is not one: the delivery is not done). */
        boolean told() {
            return !status.equals("retrying");
        }
    }

    /**
     * The gate step, in one transaction: archived campaigns and channels without a provider first, then the policy
     * gate over the rest of the round at once; returns the deliveries to send (now {@code sending}), in order.
     */
    private List<Claimed> gate(String token, List<Claimed> rows, Map<String, Final> finals) {
        GateStep step = db.inTransaction(c -> {
            long now = clock.millis();
            List<Claimed> asked = new ArrayList<>(rows.size());
            List<GateRequest> requests = new ArrayList<>(rows.size());
            for (Claimed d : rows) {
                if ("archived".equals(d.campaignStatus())) {
                    finals.put(d.id(), new Final(d, "suppressed", "campaign_archived", null, null, null));
                    continue;
                }
                if (channels.get(d.channel()).isEmpty()) {
                    finals.put(d.id(), Final.failed(d, Channels.NO_PROVIDER, null));
                    continue;
                }
                JsonNode pol = d.policies();
                asked.add(d);
                requests.add(new GateRequest(d.workspaceId(), d.personId(), d.id(), d.channel(), d.topic(),
                        d.transactional(), d.campaignId(), pol.path("quietHours").asBoolean(false),
                        pol.path("frequencyCap").asBoolean(false), d.priority(), d.expiresAt(), now)
                        .withQuietHoursAction(QuietHoursAction.parse(pol.path("quietHoursAction").asText(null))));
            }
            // After any other round's gate step, whose sends this one must count (SQLite: this transaction is the
            // writer already).
            db.dialect().lockGate(c);
            // The whole round in one question (a statement per delivery was most of the gate's cost): the gate counts
            // each Send it decides under the caps of the person's later deliveries, as if it were already written.
            // The sends are then written in bulk, in this transaction, before anything else can read the caps.
            Gate.Round round = requests.isEmpty() ? null : gate.round(c, requests);
            List<Decision> decisions = round == null ? List.of() : round.decisions();
            List<Claimed> passed = new ArrayList<>();
            List<Claimed> send = new ArrayList<>();
            try (PreparedStatement defer = c.prepareStatement("UPDATE deliveries SET status = 'deferred', reason = ?, "
                    + "next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? "
                    + "WHERE id = ? AND lease_owner = ?")) {
                boolean deferred = false;
                for (int i = 0; i < asked.size(); i++) {
                    Claimed d = asked.get(i);
                    switch (decisions.get(i)) {
                        case Decision.Send s -> passed.add(d);
                        case Decision.Defer x -> {
                            Sql.bind(defer, x.reason(), x.until(), now, d.id(), token);
                            defer.addBatch();
                            deferred = true;
                            count(d.channel(), "deferred");
                        }
                        case Decision.Suppress x -> finals.put(d.id(), new Final(d, "suppressed", x.reason(), null, null, null));
                    }
                }
                markSending(c, token, now, passed, send);
                if (deferred) defer.executeBatch();
            }
            Set<String> sending = new HashSet<>();
            for (Claimed d : send) sending.add(d.id());
            List<GateRequest> written = requests.stream().filter(r -> sending.contains(r.deliveryId())).toList();
            return new GateStep(send, round, written);
        });
        // Committed: the gate adds these sends to what it remembers (told before the commit, it could remember sends
        // that a rollback undid).
        if (step.round() != null) gate.written(step.round(), step.written());
        return step.send();
    }

    /** What a gate step sends, and what the gate is told about it once it committed. */
    private record GateStep(List<Claimed> send, Gate.Round round, List<GateRequest> written) {
    }

    /**
     * Marks the deliveries that passed the gate {@code sending} with their {@code sent_at}, and adds to {@code send}
     * those still leased to this round (one that took longer than its lease lost its rows to another dispatcher).
     */
    private static void markSending(Connection c, String token, long now, List<Claimed> passed, List<Claimed> send)
            throws SQLException {
        for (List<Claimed> chunk : Sql.chunks(passed)) {
            List<String> ids = chunk.stream().map(Claimed::id).toList();
            Object[] params = new Object[ids.size() + 3];
            params[0] = now;
            params[1] = now;
            for (int i = 0; i < ids.size(); i++) params[i + 2] = ids.get(i);
            params[ids.size() + 2] = token;
            int n = Sql.update(c, "UPDATE deliveries SET status = 'sending', sent_at = ?, attempts = attempts + 1, "
                    + "reason = NULL, updated_at = ? WHERE id IN (" + Sql.placeholders(ids.size()) + ") AND lease_owner = ?",
                    params);
            if (n == ids.size()) {
                send.addAll(chunk);
            } else {
                java.util.Set<String> ours = new java.util.HashSet<>(Sql.query(c, "SELECT id FROM deliveries WHERE id IN ("
                        + Sql.placeholders(ids.size()) + ") AND lease_owner = ? AND status = 'sending'", rs -> rs.getString(1),
                        append(ids, token)));
                for (Claimed d : chunk) if (ours.contains(d.id())) send.add(d);
            }
        }
    }

    /** Records the round's outcomes; returns the deliveries recorded sent (for the {@link SentHook}). */
    private List<SentHook.Sent> record(String token, Map<String, Final> finals, long now) {
        if (finals.isEmpty()) return List.of();
        List<OutcomeEvents.Told> told = new ArrayList<>();
        for (Final f : finals.values()) if (f.told()) told.add(new OutcomeEvents.Told(f.d(), f.status(), f.variant(), f.reason()));
        if (!told.isEmpty()) {
            Map<String, OutcomeEvents.Sender> senders = db.read(c -> OutcomeEvents.senders(c,
                    told.stream().map(t -> t.d().personId()).distinct().toList()));
            events.append(told, senders, now);
        }
        // What can be computed without the store is, before the transaction: the store's one writer is what the
        // rounds wait for (the rendered documents as text, what the hook writes).
        Map<String, String> renderedText = new HashMap<>();
        for (Final f : finals.values()) if (f.rendered() != null) renderedText.put(f.d().id(), f.rendered().content().toString());
        List<SentHook.Sent> sent = new ArrayList<>();
        for (Final f : finals.values()) {
            if (!f.status().equals("sent")) continue;
            Claimed d = f.d();
            sent.add(new SentHook.Sent(d.id(), d.workspaceId(), d.personId(), d.campaignId(), d.channel(), d.createdAt(),
                    d.expiresAt(), f.rendered() == null ? null : f.rendered().content()));
        }
        SentHook.Recording hook = sent.isEmpty() ? null : sentHook.prepare(sent);
        return db.inTransaction(c -> {
            // The hook first, while the deliveries are still sending: what it writes on their rows then changes no
            // person's in-app list, so the list version (V16) is bumped once per delivery, by the status below.
            if (hook != null) hook.write(c);
            // sent_at stays only where the delivery may have reached the person (sent, unknown): caps count those. Two
            // statements, so that a delivery keeping its sent_at does not rewrite the (person_id, sent_at) index entry.
            String set = "UPDATE deliveries SET status = ?, reason = ?, provider_id = ?, rendered = COALESCE(?, rendered), "
                    + "variant = COALESCE(?, variant), next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, "
                    + "updated_at = ?";
            try (PreparedStatement keep = c.prepareStatement(set + " WHERE id = ? AND lease_owner = ?");
                 PreparedStatement clear = c.prepareStatement(set + ", sent_at = NULL WHERE id = ? AND lease_owner = ?")) {
                boolean kept = false;
                boolean cleared = false;
                for (Final f : finals.values()) {
                    boolean keepsSentAt = f.status().equals("sent") || f.status().equals("unknown");
                    PreparedStatement ps = keepsSentAt ? keep : clear;
                    Sql.bind(ps, f.status(), truncate(f.reason()), f.providerId(), renderedText.get(f.d().id()),
                            f.variant(), f.nextAttemptAt(),
                            now, f.d().id(), token);
                    ps.addBatch();
                    if (keepsSentAt) kept = true;
                    else cleared = true;
                }
                if (kept) keep.executeBatch();
                if (cleared) clear.executeBatch();
            }
            return sent;
        });
    }

    /**
     * Deliveries left {@code sending} by a round that died between send and record (its lease ran out): the channel
     * may have delivered them, so they are never sent again; they become {@code unknown} ({@value #ANSWER_LOST}).
     */
    int reconcileLost() {
        int total = 0;
        while (!stopping) {
            long now = clock.millis();
            List<Claimed> lost = db.read(c -> Sql.query(c, "SELECT " + Claimed.COLUMNS + Claimed.FROM
                    + "WHERE d.status = 'sending' AND d.lease_until < ? LIMIT ?", Claimed::map, now, options.batchSize()));
            if (lost.isEmpty()) return total;
            List<OutcomeEvents.Told> told = lost.stream().map(d -> new OutcomeEvents.Told(d, "unknown", null, ANSWER_LOST)).toList();
            Map<String, OutcomeEvents.Sender> senders = db.read(c -> OutcomeEvents.senders(c,
                    lost.stream().map(Claimed::personId).distinct().toList()));
            events.append(told, senders, now);
            int changed = db.inTransaction(c -> {
                int n = 0;
                for (Claimed d : lost) {
                    n += Sql.update(c, "UPDATE deliveries SET status = 'unknown', reason = ?, lease_owner = NULL, "
                            + "lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'sending' AND lease_until < ?",
                            ANSWER_LOST, now, d.id(), now);
                }
                return n;
            });
            for (Claimed d : lost) count(d.channel(), "unknown");
            if (changed > 0) {
                log.atWarn().addKeyValue("deliveries", changed)
                        .log("deliveries whose provider answer was lost in a crash were recorded unknown (not re-sent)");
            }
            meters.counter("herald.deliveries.answer_lost").increment(changed);
            total += lost.size();
            if (lost.size() < options.batchSize()) return total;
        }
        return total;
    }

    private void count(String channel, String status) {
        counters.computeIfAbsent(channel + "\n" + status, k -> Counter.builder("herald.deliveries")
                .description("Delivery outcomes recorded, by channel and status")
                .tag("channel", channel).tag("status", status).register(meters)).increment();
    }

    private static Object[] append(List<String> values, Object last) {
        Object[] out = values.toArray(new Object[values.size() + 1]);
        out[values.size()] = last;
        return out;
    }

    private static String truncate(String reason) {
        return reason == null || reason.length() <= 500 ? reason : reason.substring(0, 500);
    }

    /**
     * Dispatches in the background on {@link DispatchOptions#rounds()} threads ({@link Pollers}): each runs a round
     * as soon as one is due and polls every {@code pollMillis} (a full round wakes another, which claims the next
     * meanwhile).
     */
    public void start(long pollMillis) {
        pollers = Pollers.start("herald-dispatcher", options.rounds(), pollMillis, "dispatching deliveries failed",
                this::dispatchDue);
    }

    /** Runs a round now rather than at the next poll (new deliveries were queued, or a full round left more). */
    public void wake() {
        Pollers p = pollers;
        if (p != null) p.wake();
    }

    /**
     * Stops after the round in flight: it is recorded before this returns (no interrupt: a round cut in the middle
     * would leave its deliveries to become unknown).
     */
    @Override
    public void close() {
        stopping = true;
        Pollers p = pollers;
        if (p != null) p.stop(options.lease());
    }
}
