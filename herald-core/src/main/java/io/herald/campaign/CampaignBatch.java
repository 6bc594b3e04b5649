package io.herald.campaign;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.processor.Batch;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import io.herald.person.PersonCache;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The campaign runs and deliveries one batch touches: loaded per person on first use, written at the flush. */
final class CampaignBatch implements Batch.Flushable {
    private final Batch batch;
    private final Map<String, List<Run>> byPerson = new HashMap<>();
    private final List<Object[]> deliveries = new ArrayList<>();
    private final List<Object[]> credits = new ArrayList<>();

    private final Runnable onQueued;
    private boolean queued;

    /** @param onQueued told after the batch committed when it queued deliveries (the dispatcher wakes on it) */
    CampaignBatch(Batch batch, Runnable onQueued) {
        this.batch = batch;
        this.onQueued = onQueued;
    }

    @Override
    public void committed() {
        if (!queued) return;
        queued = false;
        onQueued.run();
    }

    private Connection c() {
        return batch.connection();
    }

    /** The person's runs that can still change: open ones, and finished ones whose goal window is open. */
    List<Run> runs(String personId) throws SQLException {
        List<Run> runs = byPerson.get(personId);
        if (runs == null) {
            // Someone who came into being in this batch has no runs yet: nothing to ask the store.
            runs = PersonCache.createdInBatch(batch, personId) ? new ArrayList<>() : new ArrayList<>(Sql.queryKept(c(),
                    "SELECT * FROM campaign_runs WHERE person_id = ? AND " + LIVE, CampaignBatch::map, personId, Run.ACTIVE,
                    Run.HELD, lookBack()));
            byPerson.put(personId, runs);
        }
        return runs;
    }

    /** Loads the runs of many people in a few queries (the batch's prefetch). */
    void load(Collection<String> personIds) throws SQLException {
        List<String> wanted = new ArrayList<>();
        for (String id : personIds) if (!byPerson.containsKey(id)) wanted.add(id);
        for (List<String> chunk : Sql.chunks(wanted)) {
            for (String id : chunk) byPerson.put(id, new ArrayList<>());
            Object[] params = new Object[chunk.size() + 3];
            for (int i = 0; i < chunk.size(); i++) params[i] = chunk.get(i);
            params[chunk.size()] = Run.ACTIVE;
            params[chunk.size() + 1] = Run.HELD;
            params[chunk.size() + 2] = lookBack();
            for (Run r : Sql.query(c(), "SELECT * FROM campaign_runs WHERE person_id IN (" + Sql.placeholders(chunk.size())
                    + ") AND " + LIVE, CampaignBatch::map, params)) {
                byPerson.get(r.personId).add(r);
            }
        }
    }

    private static final String LIVE = "(status IN (?, ?) OR (converted_at IS NULL AND goal_deadline >= ?))";

    /** Goal events may arrive a little late (clock skew, offline clients): finished runs stay in view a while. */
    private long lookBack() {
        return batch.now() - 31L * 24 * 3600 * 1000;
    }

    void add(Run run) throws SQLException {
        runs(run.personId).add(run);
    }

    /** Whether the person has any run of the campaign, and when they last entered it. */
    Long lastEntry(String campaignId, String personId) throws SQLException {
        long inBatch = Long.MIN_VALUE;
        for (Run r : runs(personId)) if (r.campaignId.equals(campaignId)) inBatch = Math.max(inBatch, r.enteredAt);
        List<Long> rows = Sql.queryKept(c(), "SELECT MAX(entered_at) AS last_entry FROM campaign_runs "
                + "WHERE campaign_id = ? AND person_id = ?", rs -> Sql.nullableLong(rs, "last_entry"), campaignId,
                personId);
        Long stored = rows.isEmpty() ? null : rows.get(0);
        if (stored == null && inBatch == Long.MIN_VALUE) return null;
        return Math.max(stored == null ? Long.MIN_VALUE : stored, inBatch);
    }

    void queueDelivery(Object[] row) {
        deliveries.add(row);
    }

    void creditConversion(String runId, long at) {
        credits.add(new Object[] {at, runId});
    }

    /** A merge: the runs of one person now belong to another (the rows move with the merge's own statements). */
    void moved(String fromPersonId, String intoPersonId) throws SQLException {
        List<Run> from = byPerson.remove(fromPersonId);
        List<Run> into = runs(intoPersonId);
        if (from != null) {
            for (Run r : from) {
                r.personId = intoPersonId;
                into.add(r);
            }
        }
    }

    @Override
    public void flush() throws SQLException {
        List<Run> all = new ArrayList<>();
        for (List<Run> l : byPerson.values()) for (Run r : l) if (r.dirty || r.isNew) all.add(r);
        all.sort(Comparator.comparing(r -> r.id));
        try (PreparedStatement ins = c().prepareStatement("INSERT INTO campaign_runs (id, workspace_id, campaign_id, version, "
                + "person_id, status, step, waiting, journey, variant, holdout, entered_at, updated_at, finished_at, "
                + "exit_reason, goal_deadline, converted_at, last_message_at, path_length) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             // The journey is not among the columns: it never changes after entry (and would be re-serialised each time).
             // Nor is the person: a merge moves the rows with its own statement (onMerge), and naming the column
             // here made SQLite rewrite the run's entry in the person index at every step, value unchanged.
             PreparedStatement upd = c().prepareStatement("UPDATE campaign_runs SET status = ?, step = ?, "
                     + "waiting = ?, variant = ?, holdout = ?, updated_at = ?, finished_at = ?, exit_reason = ?, "
                     + "goal_deadline = ?, converted_at = ?, last_message_at = ?, path_length = ? WHERE id = ?");
             PreparedStatement path = c().prepareStatement("INSERT INTO run_steps (run_id, seq, at, step, outcome, detail) "
                     + "VALUES (?, ?, ?, ?, ?, ?)")) {
            int paths = 0;
            for (Run r : all) {
                for (Object[] p : r.path) {
                    Sql.bind(path, r.id, r.pathLength++, p[3], p[0], p[1], p[2]);
                    path.addBatch();
                    paths++;
                }
                r.path.clear();
                String waiting = r.waiting == null ? null : r.waiting.toString();
                if (r.isNew) {
                    Sql.bind(ins, r.id, r.workspaceId, r.campaignId, r.version, r.personId, r.status, r.step, waiting,
                            r.journey().toString(), r.variant, r.holdout, r.enteredAt, batch.now(), r.finishedAt,
                            r.exitReason, r.goalDeadline, r.convertedAt, r.lastMessageAt, r.pathLength);
                    ins.addBatch();
                } else {
                    Sql.bind(upd, r.status, r.step, waiting, r.variant, r.holdout,
                            batch.now(), r.finishedAt, r.exitReason, r.goalDeadline, r.convertedAt, r.lastMessageAt,
                            r.pathLength, r.id);
                    upd.addBatch();
                }
                r.isNew = false;
                r.dirty = false;
            }
            ins.executeBatch();
            upd.executeBatch();
            if (paths > 0) path.executeBatch();
        }
        if (!deliveries.isEmpty()) {
            // The idempotency key is unique: a step's delivery exists once, whatever replays.
            try (PreparedStatement ps = c().prepareStatement("INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, "
                    + "version, run_id, step, channel, idempotency_key, status, reason, message, context, priority, "
                    + "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', NULL, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (idempotency_key) DO NOTHING")) {
                for (Object[] d : deliveries) {
                    Sql.bind(ps, d);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            deliveries.clear();
            queued = true;
        }
        for (Object[] credit : credits) {
            // the run's last delivery earns the conversion
            Sql.update(c(), "UPDATE deliveries SET converted_at = ? WHERE id = (SELECT id FROM deliveries WHERE run_id = ? "
                    + "ORDER BY created_at DESC, id DESC LIMIT 1)", credit);
        }
        credits.clear();
    }

    static Run map(ResultSet rs) throws SQLException {
        String waiting = rs.getString("waiting");
        return new Run(rs.getString("id"), rs.getString("workspace_id"), rs.getString("campaign_id"), rs.getInt("version"),
                rs.getString("person_id"), rs.getString("status"), rs.getString("step"),
                waiting == null ? null : object(waiting), null,
                rs.getObject("variant") == null ? null : rs.getInt("variant"), rs.getBoolean("holdout"),
                rs.getLong("entered_at"), Sql.nullableLong(rs, "finished_at"), rs.getString("exit_reason"),
                Sql.nullableLong(rs, "goal_deadline"), Sql.nullableLong(rs, "converted_at"),
                Sql.nullableLong(rs, "last_message_at"), rs.getInt("path_length")).withStoredJourney(rs.getString("journey"));
    }

    static ObjectNode object(String json) {
        try {
            return (ObjectNode) EventCodec.mapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt stored campaign run JSON", e);
        }
    }
}
