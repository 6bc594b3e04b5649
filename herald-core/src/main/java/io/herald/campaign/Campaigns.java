package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.error.ClientError;
import io.herald.error.Unavailable;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.log.EventLog;
import io.herald.store.Database;
import io.herald.store.Page;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The admin API's campaigns: drafts, versions, the lifecycle (draft → active → paused → archived), API triggers,
 * and the runs people make through them. Every query is scoped to the caller's workspace.
 */
public final class Campaigns {
    public static final String DRAFT = "draft";
    public static final String ACTIVE = "active";
    public static final String PAUSED = "paused";
    public static final String ARCHIVED = "archived";
    static final int MAX_BODY_CAMPAIGNS = 5000;
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

    private final Database db;
    private final EventLog eventLog;
    private final InstantSource clock;
    private final CampaignCatalog catalog;

    public Campaigns(Database db, EventLog eventLog, InstantSource clock) {
        this.db = db;
        this.eventLog = eventLog;
        this.clock = clock;
        this.catalog = new CampaignCatalog(db);
    }

    CampaignCatalog catalog() {
        return catalog;
    }

    /** A campaign as the API shows it: its current version's definition. */
    public record Campaign(String id, String key, String name, String status, int version, JsonNode definition,
                           long createdAt, long updatedAt) {
    }

    public Campaign create(String workspaceId, JsonNode body) {
        return create(workspaceId, "cmp_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", ""), body);
    }

    /**
     * Creates a draft under an id chosen by the caller: the simulator runs a saved campaign in its scratch store
     * under the campaign's own id, since a split assigns people by campaign id.
     */
    public Campaign create(String workspaceId, String id, JsonNode body) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ClientError.invalid("id", "a campaign id is 1 to 200 letters, digits, '_', '-', '.' or ':'");
        }
        JourneyParser.parse(body);
        String key = JourneyParser.text(body, null, "key", 200, false);
        long now = clock.millis();
        db.inTransaction(c -> {
            if (Sql.queryOne(c, "SELECT 1 FROM campaigns WHERE id = ?", rs -> 1, id).isPresent()) { // ids are global
                throw new ClientError(409, "already_exists", "a campaign with id " + id + " exists", "id");
            }
            checkReferences(c, workspaceId, body);
            if (key != null && Sql.queryOne(c, "SELECT 1 FROM campaigns WHERE workspace_id = ? AND campaign_key = ?",
                    rs -> 1, workspaceId, key).isPresent()) {
                throw new ClientError(409, "conflict", "a campaign with key " + key + " exists", "key");
            }
            Sql.update(c, "INSERT INTO campaigns (id, workspace_id, campaign_key, name, status, version, created_at, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, 1, ?, ?)", id, workspaceId, key, body.get("name").asText(), DRAFT, now, now);
            Sql.update(c, "INSERT INTO campaign_versions (campaign_id, version, definition, created_at) VALUES (?, 1, ?, ?)",
                    id, body.toString(), now);
            return null;
        });
        return get(workspaceId, id);
    }

    /**
     * Changes a campaign. A draft is changed in place; an active or paused one gets a new version, which new runs
     * take while running people finish on theirs.
     */
    public Campaign update(String workspaceId, String id, JsonNode body) {
        JourneyParser.parse(body);
        long now = clock.millis();
        db.inTransaction(c -> {
            Campaign current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("campaign " + id));
            if (ARCHIVED.equals(current.status())) {
                throw new ClientError(409, "invalid_state", "campaign " + id + " is archived and cannot change", null);
            }
            checkReferences(c, workspaceId, body);
            String key = JourneyParser.text(body, null, "key", 200, false);
            if (key != null && !key.equals(current.key()) && Sql.queryOne(c, "SELECT 1 FROM campaigns WHERE workspace_id = ? "
                    + "AND campaign_key = ?", rs -> 1, workspaceId, key).isPresent()) {
                throw new ClientError(409, "conflict", "a campaign with key " + key + " exists", "key");
            }
            int version = current.version();
            if (DRAFT.equals(current.status())) {
                Sql.update(c, "UPDATE campaign_versions SET definition = ? WHERE campaign_id = ? AND version = ?",
                        body.toString(), id, version);
            } else {
                version++;
                Sql.update(c, "INSERT INTO campaign_versions (campaign_id, version, definition, created_at) VALUES (?, ?, ?, ?)",
                        id, version, body.toString(), now);
            }
            Sql.update(c, "UPDATE campaigns SET name = ?, campaign_key = ?, version = ?, updated_at = ? WHERE id = ?",
                    body.get("name").asText(), key, version, now, id);
            return null;
        });
        catalog.reload(workspaceId);
        return get(workspaceId, id);
    }

    public Campaign activate(String workspaceId, String id) {
        Campaign before = transition(workspaceId, id, ACTIVE, List.of(DRAFT, PAUSED));
        if (PAUSED.equals(before.status())) resumeHeldRuns(workspaceId, id);
        return get(workspaceId, id);
    }

    public Campaign pause(String workspaceId, String id) {
        transition(workspaceId, id, PAUSED, List.of(ACTIVE));
        return get(workspaceId, id);
    }

    public Campaign archive(String workspaceId, String id) {
        transition(workspaceId, id, ARCHIVED, List.of(DRAFT, ACTIVE, PAUSED));
        return get(workspaceId, id);
    }

    private Campaign transition(String workspaceId, String id, String to, List<String> from) {
        Campaign before = db.inTransaction(c -> {
            Campaign current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("campaign " + id));
            if (!from.contains(current.status())) {
                throw new ClientError(409, "invalid_state", "campaign " + id + " is " + current.status()
                        + " and cannot become " + to, null);
            }
            Sql.update(c, "UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?", to, clock.millis(), id);
            return current;
        });
        catalog.reload(workspaceId);
        return before;
    }

    /** Runs held while the campaign was paused go on, each in order with its person's events. */
    private void resumeHeldRuns(String workspaceId, String id) {
        long now = clock.millis();
        db.inTransaction(c -> {
            for (String[] r : Sql.query(c, "SELECT id, person_id FROM campaign_runs WHERE campaign_id = ? AND status = ?",
                    rs -> new String[] {rs.getString(1), rs.getString(2)}, id, "held")) {
                ObjectNode data = EventCodec.mapper().createObjectNode().put("runId", r[0]);
                io.herald.time.Timers.schedule(c, workspaceId, r[1], partitionOf(c, workspaceId, r[1]), now,
                        CampaignStage.RESUME, data, now);
            }
            return null;
        });
    }

    /** Only a draft or an archived campaign can be deleted: a live one has runs that must finish. */
    public void delete(String workspaceId, String id) {
        db.inTransaction(c -> {
            Campaign current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("campaign " + id));
            if (!DRAFT.equals(current.status()) && !ARCHIVED.equals(current.status())) {
                throw new ClientError(409, "invalid_state", "campaign " + id + " is " + current.status()
                        + "; archive it before deleting", null);
            }
            Sql.update(c, "DELETE FROM run_steps WHERE run_id IN (SELECT id FROM campaign_runs WHERE campaign_id = ?)", id);
            Sql.update(c, "DELETE FROM campaign_runs WHERE campaign_id = ?", id);
            Sql.update(c, "DELETE FROM campaign_versions WHERE campaign_id = ?", id);
            Sql.update(c, "DELETE FROM campaigns WHERE id = ?", id);
            return null;
        });
        catalog.reload(workspaceId);
    }

    public Campaign get(String workspaceId, String id) {
        return db.read(c -> find(c, workspaceId, id)).orElseThrow(() -> ClientError.notFound("campaign " + id));
    }

    public Page<Campaign> list(String workspaceId, int limit, String cursor) {
        String after = after(cursor);
        List<Campaign> rows = db.read(c -> Sql.query(c, "SELECT c.*, v.definition FROM campaigns c JOIN campaign_versions v "
                + "ON v.campaign_id = c.id AND v.version = c.version WHERE c.workspace_id = ? AND c.id > ? ORDER BY c.id "
                + "LIMIT ?", Campaigns::map, workspaceId, after, limit + 1));
        if (rows.size() <= limit) return new Page<>(rows, null);
        return new Page<>(List.copyOf(rows.subList(0, limit)), Page.cursor(rows.get(limit - 1).id()));
    }

    /**
     * {@code POST /campaigns/{id}/trigger}: starts the campaign for a known person, with data for the journey. The
     * request goes through the person's log, so it is processed in order with what they do.
     */
    public void trigger(String workspaceId, String id, JsonNode body) {
        if (body == null || !body.isObject()) throw ClientError.invalid(null, "the body must be an object {userId, data?}");
        JourneyParser.only(body, null, java.util.Set.of("userId", "data"));
        String userId = JourneyParser.text(body, null, "userId", 1024, true);
        JsonNode data = body.get("data");
        if (data != null && !data.isObject()) throw ClientError.invalid("data", "data must be an object");
        if (data != null && data.toString().length() > 32 * 1024) throw ClientError.invalid("data", "data must be at most 32 KB");
        Campaign c = get(workspaceId, id);
        if (!(CampaignCatalog.parse(c.definition().toString()).trigger() instanceof Journey.Trigger.Api)) {
            throw new ClientError(409, "invalid_state", "campaign " + id + " is not triggered by the API", null);
        }
        if (!ACTIVE.equals(c.status())) throw new ClientError(409, "invalid_state", "campaign " + id + " is " + c.status(), null);
        String personId = db.read(c2 -> Sql.queryOne(c2, "SELECT person_id FROM identities WHERE workspace_id = ? "
                + "AND kind = 'user' AND value = ?", rs -> rs.getString(1), workspaceId, userId))
                .orElseThrow(() -> ClientError.notFound("person " + userId));
        ObjectNode payload = EventCodec.mapper().createObjectNode().put("campaignId", id);
        payload.set("data", data == null ? EventCodec.mapper().createObjectNode() : data);
        long now = clock.millis();
        String triggerId = UuidCreator.getTimeOrderedEpoch().toString();
        int partition = eventLog.partitionOfPerson(workspaceId, List.of(Event.userKey(userId)));
        Event e = new Event(workspaceId, partition, -1, "trigger:" + triggerId, null, null, now, now, null,
                new Payload.TimerFired(personId, triggerId, CampaignStage.API_TRIGGER, payload));
        try {
            eventLog.append(List.of(e)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof Unavailable u) throw u;
            throw new IllegalStateException("could not append the trigger to the log", ex.getCause());
        } catch (TimeoutException ex) {
            throw new Unavailable("the event log did not take the trigger in time", 5, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted", 5, ex);
        }
    }

    /** A run as the runs API shows it, with its path. */
    public record RunView(String id, String campaignId, int version, String personId, String userId, String status,
                          String step, JsonNode waiting, Integer variant, boolean holdout, long enteredAt,
                          Long finishedAt, String exitReason, Long convertedAt, List<PathEntry> path) {
    }

    public record PathEntry(long at, String step, String outcome, String detail) {
    }

    /** The runs of a campaign, newest last; of one person when {@code userId} is given. */
    public Page<RunView> runs(String workspaceId, String id, String userId, int limit, String cursor) {
        get(workspaceId, id);
        String after = after(cursor);
        return db.read(c -> {
            String sql = "SELECT r.*, p.user_id FROM campaign_runs r JOIN persons p ON p.id = r.person_id "
                    + "WHERE r.campaign_id = ? AND r.workspace_id = ? AND r.id > ?";
            List<Object> params = new ArrayList<>(List.of(id, workspaceId, after));
            if (userId != null) {
                sql += " AND r.person_id = (SELECT person_id FROM identities WHERE workspace_id = ? AND kind = 'user' AND value = ?)";
                params.add(workspaceId);
                params.add(userId);
            }
            params.add(limit + 1);
            List<RunView> rows = Sql.query(c, sql + " ORDER BY r.id LIMIT ?", rs -> view(c, rs), params.toArray());
            if (rows.size() <= limit) return new Page<>(rows, null);
            return new Page<>(List.copyOf(rows.subList(0, limit)), Page.cursor(rows.get(limit - 1).id()));
        });
    }

    /** Every run of a person, for their history. */
    public List<RunView> runsOfPerson(String workspaceId, String personId) {
        return db.read(c -> Sql.query(c, "SELECT r.*, p.user_id FROM campaign_runs r JOIN persons p ON p.id = r.person_id "
                + "WHERE r.person_id = ? AND r.workspace_id = ? ORDER BY r.entered_at, r.id", rs -> view(c, rs), personId,
                workspaceId));
    }

    private static RunView view(Connection c, ResultSet rs) throws SQLException {
        Run r = CampaignBatch.map(rs);
        List<PathEntry> path = Sql.query(c, "SELECT at, step, outcome, detail FROM run_steps WHERE run_id = ? ORDER BY seq",
                p -> new PathEntry(p.getLong(1), p.getString(2), p.getString(3), p.getString(4)), r.id);
        return new RunView(r.id, r.campaignId, r.version, r.personId, rs.getString("user_id"), r.status, r.step, r.waiting,
                r.variant, r.holdout, r.enteredAt, r.finishedAt, r.exitReason, r.convertedAt, path);
    }

    private static void checkReferences(Connection c, String workspaceId, JsonNode body) throws SQLException {
        JsonNode t = body.get("trigger");
        for (String field : List.of("segmentEntered", "segmentExited")) {
            if (t.has(field)) segmentExists(c, workspaceId, t.get(field).asText(), "trigger." + field);
        }
        if (t.has("broadcast")) segmentExists(c, workspaceId, t.get("broadcast").path("segment").asText(), "trigger.broadcast.segment");
    }

    private static void segmentExists(Connection c, String workspaceId, String id, String field) throws SQLException {
        if (Sql.queryOne(c, "SELECT 1 FROM segments WHERE id = ? AND workspace_id = ?", rs -> 1, id, workspaceId).isEmpty()) {
            throw ClientError.invalid(field, field + " names unknown segment " + id);
        }
    }

    int partitionOf(Connection c, String workspaceId, String personId) throws SQLException {
        if (eventLog.partitions() == 1) return 0;
        List<String> keys = Sql.query(c, "SELECT kind, value FROM identities WHERE person_id = ? ORDER BY kind DESC",
                rs -> "user".equals(rs.getString(1)) ? Event.userKey(rs.getString(2)) : Event.anonymousKey(rs.getString(2)),
                personId);
        return eventLog.partitionOfPerson(workspaceId, keys);
    }

    private static Optional<Campaign> find(Connection c, String workspaceId, String id) throws SQLException {
        return Sql.queryOne(c, "SELECT c.*, v.definition FROM campaigns c JOIN campaign_versions v ON v.campaign_id = c.id "
                + "AND v.version = c.version WHERE c.id = ? AND c.workspace_id = ?", Campaigns::map, id, workspaceId);
    }

    private static Campaign map(ResultSet rs) throws SQLException {
        return new Campaign(rs.getString("id"), rs.getString("campaign_key"), rs.getString("name"), rs.getString("status"),
                rs.getInt("version"), CampaignBatch.object(rs.getString("definition")), rs.getLong("created_at"),
                rs.getLong("updated_at"));
    }

    private static String after(String cursor) {
        if (cursor == null) return "";
        String[] parts = Page.parseCursor(cursor, 1);
        if (parts == null) throw ClientError.invalid("cursor", "cursor is not one this API returned");
        return parts[0];
    }
}
