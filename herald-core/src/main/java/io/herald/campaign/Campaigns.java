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
import io.herald.processor.BatchGuard;
import io.herald.store.Database;
import io.herald.store.Page;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    /** Campaigns per workspace, archived ones included (delete those no longer needed). */
    static final int MAX_CAMPAIGNS = 5000;
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

    private final Database db;
    private final EventLog eventLog;
    private final InstantSource clock;
    private final CampaignCatalog catalog;
    private final Launches launches;
    private volatile Runnable deliveriesQueued = () -> { };

    /** @param guard shared with the person processor: launches schedule people with no batch in flight */
    /**
     * Tells {@code listener} whenever processing committed new deliveries, so the dispatcher takes them at once
     * instead of at its next poll (in-app messages reach open pages within a round trip of the event).
     */
    public void onDeliveriesQueued(Runnable listener) {
        this.deliveriesQueued = listener;
    }

    void deliveriesQueued() {
        deliveriesQueued.run();
    }

    public Campaigns(Database db, EventLog eventLog, BatchGuard guard, InstantSource clock) {
        this.db = db;
        this.eventLog = eventLog;
        this.clock = clock;
        this.catalog = new CampaignCatalog(db);
        this.launches = new Launches(db, guard, clock, catalog, this);
    }

    CampaignCatalog catalog() {
        return catalog;
    }

    /** The background work activation starts: date triggers and broadcasts for people who already exist. */
    public Launches launches() {
        return launches;
    }

    /** A campaign as the API shows it: its current version's definition. */
    public record Campaign(String id, String key, String name, String status, int version, JsonNode definition,
                           long createdAt, long updatedAt) {
    }

    public Campaign create(String workspaceId, JsonNode sent) {
        return create(workspaceId, "cmp_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", ""), sent);
    }

    /**
     * Creates a draft under an id chosen by the caller: the simulator runs a saved campaign in its scratch store
     * under the campaign's own id, since a split assigns people by campaign id.
     */
    public Campaign create(String workspaceId, String id, JsonNode sent) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ClientError.invalid("id", "a campaign id is 1 to 200 letters, digits, '_', '-', '.' or ':'");
        }
        ObjectNode body = definition(sent);
        Journey journey = JourneyParser.parse(body);
        String key = JourneyParser.text(body, null, "key", 200, false);
        long now = clock.millis();
        db.inTransaction(c -> {
            if (Sql.queryOne(c, "SELECT 1 FROM campaigns WHERE id = ?", rs -> 1, id).isPresent()) { // ids are global
                throw new ClientError(409, "already_exists", "a campaign with id " + id + " exists", "id");
            }
                        long count = Sql.queryOne(c, "SELECT COUNT(*) FROM campaigns WHERE workspace_id = ?", rs -> rs.getLong(1),
                    workspaceId).orElse(0L);
            if (count >= MAX_CAMPAIGNS) {
                throw new ClientError(409, "limit_reached", "a workspace may have at most " + MAX_CAMPAIGNS + " campaigns", null);
            }
            checkReferences(c, workspaceId, journey);
            if (key != null && Sql.queryOne(c, "SELECT 1 FROM campaigns WHERE workspace_id = ? AND campaign_key = ?",
                    rs -> 1, workspaceId, key).isPresent()) {
                throw keyTaken(key);
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
    public Campaign update(String workspaceId, String id, JsonNode sent) {
        ObjectNode body = definition(sent);
        // What GET answers may be sent back as it is: the fields Herald keeps are checked or ignored, not stored.
        JsonNode sentId = body.remove("id");
        if (sentId != null && !sentId.asText().equals(id)) throw ClientError.invalid("id", "id cannot change");
        JsonNode sentStatus = body.remove("status");
        body.remove(List.of("version", "createdAt", "updatedAt"));
        Journey journey = JourneyParser.parse(body);
        long now = clock.millis();
        db.inTransaction(c -> {
            Campaign current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("campaign " + id));
            if (ARCHIVED.equals(current.status())) {
                throw new ClientError(409, "invalid_state", "campaign " + id + " is archived and cannot change", null);
            }
            if (sentStatus != null && !sentStatus.asText().equals(current.status())) {
                throw ClientError.invalid("status", "status changes with POST /campaigns/{id}/activate, /pause or /archive");
            }
            if (body.equals(current.definition())) return null; // sent back unchanged: no new version
            checkReferences(c, workspaceId, journey);
            String key = JourneyParser.text(body, null, "key", 200, false);
            if (key != null && !key.equals(current.key()) && Sql.queryOne(c, "SELECT 1 FROM campaigns WHERE workspace_id = ? "
                    + "AND campaign_key = ?", rs -> 1, workspaceId, key).isPresent()) {
                throw keyTaken(key);
            }
            int version = current.version();
            Journey.Trigger before = CampaignCatalog.parse(current.definition().toString()).trigger();
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
            // A live campaign's new date trigger is scheduled afresh for everyone (a broadcast is sent only once).
            if (ACTIVE.equals(current.status()) && journey.trigger() instanceof Journey.Trigger.DateAttribute
                    && !journey.trigger().equals(before)) {
                launches.activated(c, workspaceId, id, version, journey.trigger());
            }
            return null;
        });
        catalog.reload(workspaceId);
        launches.request();
        return get(workspaceId, id);
    }

    /**
     * Makes a campaign live. A date trigger is then scheduled for everyone who already has the date (on every
     * activation: each person's pending date timer is replaced); a broadcast is scheduled for its segment's members,
     * the first time only, so resuming a paused broadcast does not send it again.
     */
    public Campaign activate(String workspaceId, String id) {
        Campaign before = transition(workspaceId, id, ACTIVE, List.of(DRAFT, PAUSED), (c, current) -> launches.activated(c,
                workspaceId, id, current.version(), CampaignCatalog.parse(current.definition().toString()).trigger()));
        if (PAUSED.equals(before.status())) resumeHeldRuns(workspaceId, id);
        launches.request();
        return get(workspaceId, id);
    }

    public Campaign pause(String workspaceId, String id) {
        transition(workspaceId, id, PAUSED, List.of(ACTIVE), null);
        return get(workspaceId, id);
    }

    public Campaign archive(String workspaceId, String id) {
        transition(workspaceId, id, ARCHIVED, List.of(DRAFT, ACTIVE, PAUSED), null);
        return get(workspaceId, id);
    }

    /** What else a transition does in its transaction. */
    private interface AlsoDo {
        void apply(Connection c, Campaign current) throws SQLException;
    }

    private Campaign transition(String workspaceId, String id, String to, List<String> from, AlsoDo also) {
        Campaign before = db.inTransaction(c -> {
            Campaign current = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("campaign " + id));
            if (!from.contains(current.status())) {
                throw new ClientError(409, "invalid_state", "campaign " + id + " is " + current.status()
                        + " and cannot become " + to, null);
            }
            Sql.update(c, "UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?", to, clock.millis(), id);
            if (also != null) also.apply(c, current);
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
            Sql.update(c, "DELETE FROM campaign_launches WHERE campaign_id = ?", id);
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
        if (body == null || !body.isObject()) {
            throw new ClientError(400, "invalid_json", "the body must be a JSON object {userId, data?}", null);
        }
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
        String personId = db.read(c2 -> personOf(c2, workspaceId, userId));
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

    /**
     * A run as the runs API shows it: where it is, what it waits for, the trigger's event and data it carries
     * ({@code journey}: {@code {event, data}}), and its path.
     */
    public record RunView(String id, String campaignId, String campaignName, int version, String personId,
                          String userId, String status, String step, JsonNode waiting, Integer variant, boolean holdout,
                          long enteredAt, Long finishedAt, String exitReason, Long convertedAt, JsonNode journey,
                          List<PathEntry> path) {
    }

    /** One step of a run's path: what happened there ({@code outcome}) and why or what ({@code detail}). */
    public record PathEntry(long at, String step, String outcome, String detail) {
    }

    private static final String RUNS = "SELECT r.*, p.user_id, c.name AS campaign_name FROM campaign_runs r "
            + "JOIN persons p ON p.id = r.person_id LEFT JOIN campaigns c ON c.id = r.campaign_id ";

    /** The runs of a campaign, oldest first; of one person when {@code userId} is given. */
    public Page<RunView> runs(String workspaceId, String id, String userId, int limit, String cursor) {
        get(workspaceId, id);
        String after = after(cursor);
        return db.read(c -> {
            String sql = RUNS + "WHERE r.campaign_id = ? AND r.workspace_id = ? AND r.id > ?";
            List<Object> params = new ArrayList<>(List.of(id, workspaceId, after));
            if (userId != null) {
                sql += " AND r.person_id = (SELECT person_id FROM identities WHERE workspace_id = ? AND kind = 'user' AND value = ?)";
                params.add(workspaceId);
                params.add(userId);
            }
            params.add(limit + 1);
            List<RunView> rows = withPaths(c, Sql.query(c, sql + " ORDER BY r.id LIMIT ?", Campaigns::view, params.toArray()));
            if (rows.size() <= limit) return new Page<>(rows, null);
            return new Page<>(List.copyOf(rows.subList(0, limit)), Page.cursor(rows.get(limit - 1).id()));
        });
    }

    /** A person's runs through every campaign, newest first: their campaign history. */
    public Page<RunView> runsOfPerson(String workspaceId, String userId, int limit, String cursor) {
        long[] before = {Long.MAX_VALUE};
        String[] beforeId = {""}; // with no cursor, entered_at < MAX_VALUE admits every run whatever the id
        if (cursor != null) {
            String[] parts = Page.parseCursor(cursor, 2);
            try {
                if (parts == null) throw new NumberFormatException();
                before[0] = Long.parseLong(parts[0]);
                beforeId[0] = parts[1];
            } catch (NumberFormatException e) {
                throw ClientError.invalid("cursor", "cursor is not one this API returned");
            }
        }
        return db.read(c -> {
            String personId = personOf(c, workspaceId, userId);
            List<RunView> rows = withPaths(c, Sql.query(c, RUNS + "WHERE r.person_id = ? AND r.workspace_id = ? "
                    + "AND (r.entered_at < ? OR (r.entered_at = ? AND r.id < ?)) ORDER BY r.entered_at DESC, r.id DESC LIMIT ?",
                    Campaigns::view, personId, workspaceId, before[0], before[0], beforeId[0], limit + 1));
            if (rows.size() <= limit) return new Page<>(rows, null);
            RunView last = rows.get(limit - 1);
            return new Page<>(List.copyOf(rows.subList(0, limit)), Page.cursor(String.valueOf(last.enteredAt()), last.id()));
        });
    }

    /**
     * The campaign's metrics over [from, to) in epoch milliseconds (see {@link CampaignMetrics}); {@code to} defaults
     * to now, {@code from} to 30 days before {@code to}.
     */
    public CampaignMetrics.Report metrics(String workspaceId, String id, Long fromOrNull, Long toOrNull) {
        long to = toOrNull != null ? toOrNull : clock.millis() + 1;
        long from = fromOrNull != null ? fromOrNull : to - java.time.Duration.ofDays(30).toMillis();
        return db.read(c -> {
            Campaign campaign = find(c, workspaceId, id).orElseThrow(() -> ClientError.notFound("campaign " + id));
            return CampaignMetrics.compute(c, catalog, workspaceId, campaign, from, to);
        });
    }

    /** The person a user id names in the workspace; 404 when none. */
    static String personOf(Connection c, String workspaceId, String userId) throws SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE workspace_id = ? AND kind = 'user' AND value = ?",
                rs -> rs.getString(1), workspaceId, userId).orElseThrow(() -> ClientError.notFound("person " + userId));
    }

    private static RunView view(ResultSet rs) throws SQLException {
        Run r = CampaignBatch.map(rs);
        return new RunView(r.id, r.campaignId, rs.getString("campaign_name"), r.version, r.personId, rs.getString("user_id"),
                r.status, r.step, r.waiting, r.variant, r.holdout, r.enteredAt, r.finishedAt, r.exitReason, r.convertedAt,
                r.journey(), new ArrayList<>());
    }

    /** Fills each run's path, with one query per chunk of runs rather than one per run. */
    private static List<RunView> withPaths(Connection c, List<RunView> runs) throws SQLException {
        java.util.Map<String, List<PathEntry>> byRun = new java.util.HashMap<>();
        for (RunView r : runs) byRun.put(r.id(), r.path());
        for (List<String> ids : Sql.chunks(new ArrayList<>(byRun.keySet()))) {
            Sql.query(c, "SELECT run_id, at, step, outcome, detail FROM run_steps WHERE run_id IN (" + Sql.placeholders(ids.size())
                    + ") ORDER BY run_id, seq", rs -> byRun.get(rs.getString(1)).add(new PathEntry(rs.getLong(2),
                    rs.getString(3), rs.getString(4), rs.getString(5))), ids.toArray());
        }
        return runs;
    }

    /** A copy of the sent campaign to validate and store; a top-level null is the same as the field left out. */
    private static ObjectNode definition(JsonNode sent) {
        if (sent == null || !sent.isObject()) throw new ClientError(400, "invalid_json", "the campaign must be a JSON object", null);
        ObjectNode body = ((ObjectNode) sent).deepCopy();
        List<String> nulls = new ArrayList<>();
        body.fields().forEachRemaining(f -> {
            if (f.getValue().isNull()) nulls.add(f.getKey());
        });
        body.remove(nulls);
        return body;
    }

    private static ClientError keyTaken(String key) {
        return new ClientError(409, "already_exists", "a campaign with key " + key + " exists", "key");
    }

    /**
     * Every segment the campaign names, in its trigger or inside any of its conditions, must exist in the workspace:
     * a condition on an unknown segment would silently never hold.
     */
    private static void checkReferences(Connection c, String workspaceId, Journey j) throws SQLException {
        for (var e : segmentsNamed(j)) segmentExists(c, workspaceId, e.getValue(), e.getKey());
    }

    /** The segments a journey names (in its trigger or any condition): field → segment id, a field maybe twice. */
    private static List<Map.Entry<String, String>> segmentsNamed(Journey j) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        switch (j.trigger()) {
            case Journey.Trigger.SegmentEntered s -> out.add(Map.entry("trigger.segmentEntered", s.segmentId()));
            case Journey.Trigger.SegmentExited s -> out.add(Map.entry("trigger.segmentExited", s.segmentId()));
            case Journey.Trigger.Broadcast b -> out.add(Map.entry("trigger.broadcast.segment", b.segmentId()));
            default -> { }
        }
        for (var e : JourneyConditions.of(j).entrySet()) {
            for (String segment : JourneyConditions.segments(e.getValue())) out.add(Map.entry(e.getKey(), segment));
        }
        return out;
    }

    /**
     * The campaign (not archived) whose current version names the segment, if any: deleting the segment would
     * leave it a trigger that never fires or a condition that never holds. Runs still on an older version are not
     * looked at.
     */
    public Optional<String> campaignUsing(Connection c, String workspaceId, String segmentId) throws SQLException {
        List<String[]> rows = Sql.query(c, "SELECT id, name, version FROM campaigns WHERE workspace_id = ? AND status <> ? "
                + "ORDER BY id", rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, workspaceId, ARCHIVED);
        for (String[] r : rows) {
            var named = segmentsNamed(catalog.version(r[0], Integer.parseInt(r[2])));
            if (named.stream().anyMatch(e -> e.getValue().equals(segmentId))) {
                return Optional.of("campaign " + r[0] + " (" + r[1] + ")");
            }
        }
        return Optional.empty();
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
