package io.herald.bench;

import io.herald.event.Event;
import io.herald.log.EventLog;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;

/**
 * Seeds what the campaign benchmarks start from, with batched SQL through Herald's own store (as Herald's own
 * statements would write the rows, without running the pipeline): people (a row in {@code persons} and a userId in
 * {@code identities}), runs waiting in a delay ({@code campaign_runs} with its two path entries in
 * {@code run_steps}), and timers. Person {@code i}'s ids are derived from {@code i}, so the seeding keeps nothing in
 * memory and the timers, seeded last, find the runs they wake.
 */
final class WaitingSeed {
    private static final int ROWS_PER_TRANSACTION = 5_000;

    private final Database db;
    private final String workspaceId;
    private final int partitions;
    private final long idBits = ThreadLocalRandom.current().nextLong() & 0xffff_ffff_0000_0fffL | 0x7000L;
    private final String tag = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);

    WaitingSeed(Database db, String workspaceId, int partitions) {
        this.db = db;
        this.workspaceId = workspaceId;
        this.partitions = partitions;
    }

    String personId(int i) {
        return new UUID(idBits, 0x8000_0000_0000_0000L | i).toString();
    }

    String userId(int i) {
        return "bench-" + tag + "-" + i;
    }

    String runId(int i) {
        return String.format("run_%s%024d", tag, i);
    }

    String timerId(int i) {
        return new UUID(idBits ^ 0x1000_0000L, 0x8000_0000_0000_0000L | i).toString();
    }

    /** The partition person {@code i}'s events go to (their userId's, as a newcomer's: no route is stored). */
    int partition(int i) {
        return EventLog.partitionOf(workspaceId, Event.userKey(userId(i)), partitions);
    }

    /** People 0…n-1, each with a userId. */
    void people(int n, long now) {
        people(n, now, "{}");
    }

    /** People 0…n-1, each with a userId and the profile attributes {@code attributes} (a JSON object). */
    void people(int n, long now, String attributes) {
        batches(n, "INSERT INTO persons (id, workspace_id, user_id, attributes, timezone, locale, created_at, last_seen_at) "
                + "VALUES (?, ?, ?, ?, 'Europe/Lisbon', 'pt-PT', ?, ?)", (ps, i) -> Sql.bind(ps, personId(i),
                workspaceId, userId(i), attributes, now, now), "INSERT INTO identities (workspace_id, kind, value, person_id, created_at) "
                + "VALUES (?, 'user', ?, ?, ?)", (ps, i) -> Sql.bind(ps, workspaceId, userId(i), personId(i), now));
    }

    /**
     * For people 0…n-1, a run of the campaign (version 1) at {@code step}, waiting in a delay for timer {@link #timerId},
     * with the path a run has there (entered, waiting), as {@code Runner} leaves it.
     */
    void waitingRuns(int n, String campaignId, String step, long enteredAt) {
        String journey = "{\"event\":{\"event\":\"signed_up\",\"properties\":{\"plan\":\"trial\"},\"timestamp\":\""
                + Instant.ofEpochMilli(enteredAt) + "\"},\"data\":{}}";
        batches(n, "INSERT INTO campaign_runs (id, workspace_id, campaign_id, version, person_id, status, step, waiting, "
                + "journey, variant, holdout, entered_at, updated_at, finished_at, exit_reason, goal_deadline, "
                + "converted_at, last_message_at, path_length) VALUES (?, ?, ?, 1, ?, 'active', ?, ?, ?, NULL, ?, ?, ?, "
                + "NULL, NULL, NULL, NULL, NULL, 2)", (ps, i) -> Sql.bind(ps, runId(i), workspaceId, campaignId,
                personId(i), step, "{\"kind\":\"delay\",\"timerId\":\"" + timerId(i) + "\"}", journey, false, enteredAt,
                enteredAt), "INSERT INTO run_steps (run_id, seq, at, step, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (ps, i) -> {
                    Sql.bind(ps, runId(i), 0, enteredAt, step, "entered", "event signed_up");
                    ps.addBatch();
                    Sql.bind(ps, runId(i), 1, enteredAt, step, "waiting", "until the delay is over");
                });
    }

    /**
     * Timers {@link #timerId} for people {@code from}…{@code to}-1, the first due at {@code firstDue} and
     * {@code perSecond} coming due each second after it, inserted in due order.
     */
    void timers(int from, int to, long firstDue, int perSecond, String kind, IntFunction<String> payload, long now) {
        timers(from, to, this::timerId, firstDue, perSecond, kind, payload, now);
    }

    /** As {@link #timers(int, int, long, int, String, IntFunction, long)}, with timer ids of the caller's. */
    void timers(int from, int to, IntFunction<String> ids, long firstDue, int perSecond, String kind,
                IntFunction<String> payload, long now) {
        batches(from, to, "INSERT INTO timers (id, workspace_id, person_id, partition_no, due_at, kind, payload, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (ps, i) -> Sql.bind(ps, ids.apply(i), workspaceId, personId(i),
                partition(i), dueAt(i - from, firstDue, perSecond), kind, payload.apply(i), now), null, null);
    }

    static long dueAt(int i, long firstDue, int perSecond) {
        return firstDue + i * 1000L / perSecond;
    }

    private interface Binder {
        void bind(PreparedStatement ps, int i) throws java.sql.SQLException;
    }

    private void batches(int n, String sql, Binder binder, String sql2, Binder binder2) {
        batches(0, n, sql, binder, sql2, binder2);
    }

    /** Inserts rows for from…to-1 in transactions of a few thousand, one or two statements per row. */
    private void batches(int first, int to, String sql, Binder binder, String sql2, Binder binder2) {
        for (int from = first; from < to; from += ROWS_PER_TRANSACTION) {
            int start = from;
            int end = Math.min(to, from + ROWS_PER_TRANSACTION);
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql);
                     PreparedStatement ps2 = sql2 == null ? null : c.prepareStatement(sql2)) {
                    for (int i = start; i < end; i++) {
                        binder.bind(ps, i);
                        ps.addBatch();
                        if (ps2 != null) {
                            binder2.bind(ps2, i);
                            ps2.addBatch();
                        }
                    }
                    ps.executeBatch();
                    if (ps2 != null) ps2.executeBatch();
                }
                return null;
            });
        }
    }
}
