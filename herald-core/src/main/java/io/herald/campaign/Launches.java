package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.event.EventCodec;
import io.herald.processor.BatchGuard;
import io.herald.segment.Segments;
import io.herald.store.Database;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What activating a campaign sets up for the people who already exist, done in the background: a date trigger's
 * next occurrence for everyone who has the date, and a broadcast's entry for every member of its segment.
 *
 * <p>Design: as with segment computations, people are taken in id order, a chunk of 1,000 at a time; a date
 * trigger's chunk is done with no processor batch in flight (the processor waits for it, a few milliseconds), so it
 * never races a batch that changes the same person's date. A chunk only inserts timers (and, for a date trigger, removes the
 * person's pending one for the campaign, so activating twice never schedules twice); the timers fire through the
 * ordinary timers path, in order with each person's events. Progress — the last person done and a broadcast's
 * rate bookkeeping — commits with the chunk's timers, so a restart carries on where it stopped.
 *
 * <p>A broadcast's rate limit ({@code perSecond}) is kept by placing entries on a line of fixed steps of
 * {@code 1000 / perSecond} ms: every entry has its own step, so no second holds more than {@code perSecond}. With
 * {@code localTime}, people's moments differ by zone: a first pass counts the members per moment ("slot"), then
 * slots take consecutive stretches of the line from their moment on (a slot that would overlap the previous one
 * starts where that one ends). Members who joined between the passes go after every slot.
 */
public final class Launches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Launches.class);
    static final String DATE = "date";
    static final String BROADCAST = "broadcast";
    static final String RUNNING = "running";
    static final String DONE = "done";
    private static final int CHUNK = 1000;
    /** Positions on the rate line are in ms × perSecond, so each entry's step is exactly 1000 units. */
    private static final long STEP = 1000;

    private final Database db;
    private final BatchGuard guard;
    private final InstantSource clock;
    private final CampaignCatalog catalog;
    private final Campaigns campaigns;
    private final Object signal = new Object();
    private boolean requested;
    private Thread worker;
    private volatile boolean stopping;

    Launches(Database db, BatchGuard guard, InstantSource clock, CampaignCatalog catalog, Campaigns campaigns) {
        this.db = db;
        this.guard = guard;
        this.clock = clock;
        this.catalog = catalog;
        this.campaigns = campaigns;
    }

    /**
     * Records, in the activation's transaction, the launch a campaign's trigger needs: a date trigger's starts over
     * (everyone's next occurrence, again); a broadcast's only the first time.
     */
    void activated(Connection c, String workspaceId, String campaignId, int version, Journey.Trigger trigger)
            throws SQLException {
        long now = clock.millis();
        switch (trigger) {
            case Journey.Trigger.DateAttribute d -> Sql.update(c, "INSERT INTO campaign_launches (campaign_id, kind, "
                    + "workspace_id, version, status, after_person, scheduled, state, started_at) VALUES (?, ?, ?, ?, ?, '', 0, "
                    + "'{}', ?) ON CONFLICT (campaign_id, kind) DO UPDATE SET version = excluded.version, status = "
                    + "excluded.status, after_person = '', scheduled = 0, state = '{}', started_at = excluded.started_at, "
                    + "finished_at = NULL", campaignId, DATE, workspaceId, version, RUNNING, now);
            case Journey.Trigger.Broadcast b -> Sql.update(c, "INSERT INTO campaign_launches (campaign_id, kind, "
                    + "workspace_id, version, status, after_person, scheduled, state, started_at) VALUES (?, ?, ?, ?, ?, '', 0, "
                    + "?, ?) ON CONFLICT (campaign_id, kind) DO NOTHING", campaignId, BROADCAST, workspaceId, version,
                    RUNNING, b.localTime() ? "{\"phase\":\"count\"}" : "{\"phase\":\"schedule\"}", now);
            default -> { }
        }
    }

    /** Wakes the background worker for launches recorded since it last looked. */
    void request() {
        synchronized (signal) {
            requested = true;
            signal.notifyAll();
        }
    }

    /** A launch as the store holds it. */
    record Launch(String campaignId, String kind, String workspaceId, int version, String status, String afterPerson,
                  long scheduled, ObjectNode state, long startedAt, Long finishedAt) {
    }

    /** The campaign's launch of a kind ({@link #DATE} or {@link #BROADCAST}), if it ever had one. */
    Optional<Launch> find(String campaignId, String kind) {
        return db.read(c -> find(c, campaignId, kind));
    }

    private static Optional<Launch> find(Connection c, String campaignId, String kind) throws SQLException {
        return Sql.queryOne(c, "SELECT * FROM campaign_launches WHERE campaign_id = ? AND kind = ?", rs -> new Launch(
                rs.getString("campaign_id"), rs.getString("kind"), rs.getString("workspace_id"), rs.getInt("version"),
                rs.getString("status"), rs.getString("after_person"), rs.getLong("scheduled"),
                CampaignBatch.object(rs.getString("state")), rs.getLong("started_at"),
                Sql.nullableLong(rs, "finished_at")), campaignId, kind);
    }

    /** Starts the background worker, resuming launches a restart interrupted. */
    public void start() {
        worker = Thread.ofPlatform().name("herald-launches").daemon(true).start(() -> {
            while (!stopping) {
                boolean blocked;
                try {
                    blocked = !runPending();
                } catch (RuntimeException e) {
                    log.atError().setCause(e).log("campaign launch failed; will retry");
                    blocked = true;
                }
                synchronized (signal) {
                    if (!requested && !stopping) {
                        try {
                            // blocked: a broadcast's segment is still being computed; look again in a second
                            signal.wait(blocked ? 1000 : 0);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    requested = false;
                }
            }
        });
    }

    /**
     * Runs every launch in progress now, on the caller's thread (tests; the background worker). Returns false when
     * some launch must wait (its broadcast segment is still being computed).
     */
    public boolean runPending() {
        boolean all = true;
        List<String[]> running = db.read(c -> Sql.query(c, "SELECT campaign_id, kind FROM campaign_launches WHERE status = ? "
                + "ORDER BY started_at, campaign_id", rs -> new String[] {rs.getString(1), rs.getString(2)}, RUNNING));
        for (String[] r : running) {
            if (stopping) return false;
            all &= run(r[0], r[1]);
        }
        return all;
    }

    /** Runs one launch chunk by chunk until it is done; false when it must wait. */
    private boolean run(String campaignId, String kind) {
        while (!stopping) {
            Step step;
            try {
                // A date chunk must not race a batch changing the same person's date; a broadcast chunk only reads
                // who is in the segment, so processing need not wait for it.
                step = DATE.equals(kind)
                        ? guard.exclusivelyLeavingPeople(() -> db.inTransaction(c -> chunk(c, campaignId, kind)))
                        : db.inTransaction(c -> chunk(c, campaignId, kind));
            } catch (Restarted e) {
                continue; // the chunk rolled back; go on from the launch as it now stands
            }
            if (step == Step.DONE) return true;
            if (step == Step.WAIT) return false;
        }
        return false;
    }

    /** A re-activation started the launch over while a chunk ran. */
    private static final class Restarted extends RuntimeException {
        Restarted() {
            super(null, null, false, false);
        }
    }

    private enum Step { MORE, DONE, WAIT }

    private Step chunk(Connection c, String campaignId, String kind) throws SQLException {
        Launch l = find(c, campaignId, kind).orElse(null);
        if (l == null || !RUNNING.equals(l.status())) return Step.DONE;
        String status = Sql.queryOne(c, "SELECT status FROM campaigns WHERE id = ?", rs -> rs.getString(1), campaignId)
                .orElse(Campaigns.ARCHIVED);
        if (Campaigns.ARCHIVED.equals(status)) return finish(c, l, l.scheduled());
        Journey.Trigger trigger = catalog.version(campaignId, l.version()).trigger();
        return switch (trigger) {
            case Journey.Trigger.DateAttribute d when DATE.equals(kind) -> dateChunk(c, l, d);
            case Journey.Trigger.Broadcast b when BROADCAST.equals(kind) -> broadcastChunk(c, l, b);
            default -> finish(c, l, l.scheduled()); // the version no longer has this trigger
        };
    }

    private record Person(String id, JsonNode attributes, String timezone) {
        ZoneId zone() {
            return Times.zoneOf(attributes, timezone);
        }
    }

    private Step dateChunk(Connection c, Launch l, Journey.Trigger.DateAttribute d) throws SQLException {
        List<Person> people = Sql.query(c, "SELECT id, attributes, timezone FROM persons WHERE workspace_id = ? AND id > ? "
                + "ORDER BY id LIMIT ?", rs -> new Person(rs.getString(1), CampaignBatch.object(rs.getString(2)),
                rs.getString(3)), l.workspaceId(), l.afterPerson(), CHUNK);
        if (people.isEmpty()) return finish(c, l, l.scheduled());
        cancelDateTimers(c, people.stream().map(Person::id).toList(), l.campaignId());
        long now = clock.millis();
        List<Object[]> timers = new ArrayList<>();
        for (Person p : people) {
            JsonNode value = Times.attribute(p.attributes(), d.attribute());
            if (value == null) continue;
            Long due = Times.nextDate(d, value, p.zone(), now);
            if (due == null) continue;
            timers.add(timer(c, l, p.id(), due, CampaignStage.DATE_TRIGGER, dateData(l.campaignId(), d, value), now));
        }
        insert(c, timers);
        return advance(c, l, people.get(people.size() - 1).id(), l.scheduled() + timers.size(), l.state());
    }

    /** What a date timer carries: the stage enters the person only if the attribute still has this value. */
    static ObjectNode dateData(String campaignId, Journey.Trigger.DateAttribute d, JsonNode value) {
        ObjectNode data = EventCodec.mapper().createObjectNode().put("campaignId", campaignId);
        data.putObject("data").put("attribute", d.attribute()).put("value", value.asText());
        return data;
    }

    /** Removes the people's pending date timers of the campaign (one is set afresh where a date is due). */
    static void cancelDateTimers(Connection c, List<String> personIds, String campaignId) throws SQLException {
        List<String> stale = new ArrayList<>();
        for (List<String> slice : Sql.chunks(personIds)) {
            List<Object> params = new ArrayList<>(slice);
            params.add(CampaignStage.DATE_TRIGGER);
            for (String[] t : Sql.query(c, "SELECT id, payload FROM timers WHERE person_id IN (" + Sql.placeholders(slice.size())
                    + ") AND kind = ?", rs -> new String[] {rs.getString(1), rs.getString(2)}, params.toArray())) {
                if (campaignId.equals(CampaignBatch.object(t[1]).path("campaignId").asText())) stale.add(t[0]);
            }
        }
        for (List<String> slice : Sql.chunks(stale)) {
            Sql.update(c, "DELETE FROM timers WHERE id IN (" + Sql.placeholders(slice.size()) + ")", slice.toArray());
        }
    }

    private Step broadcastChunk(Connection c, Launch l, Journey.Trigger.Broadcast b) throws SQLException {
        Optional<String> segmentStatus = Sql.queryOne(c, "SELECT status FROM segments WHERE id = ? AND workspace_id = ?",
                rs -> rs.getString(1), b.segmentId(), l.workspaceId());
        if (segmentStatus.isEmpty()) {
            log.atWarn().addKeyValue("campaign", l.campaignId()).addKeyValue("segment", b.segmentId())
                    .log("the broadcast's segment was deleted before it was sent; nobody is scheduled");
            return finish(c, l, l.scheduled());
        }
        // Its members are known once the segment is computed over existing people.
        if (!"ready".equals(segmentStatus.get())) return Step.WAIT;
        List<Person> members = Sql.query(c, "SELECT m.person_id, p.attributes, p.timezone FROM segment_members m "
                + "JOIN persons p ON p.id = m.person_id WHERE m.segment_id = " + Segments.OWN_SEGMENT
                + " AND m.person_id > ? ORDER BY m.person_id LIMIT ?",
                rs -> new Person(rs.getString(1), CampaignBatch.object(rs.getString(2)), rs.getString(3)),
                b.segmentId(), l.workspaceId(), l.afterPerson(), CHUNK);
        ObjectNode state = l.state();
        boolean counting = "count".equals(state.path("phase").asText());
        if (members.isEmpty()) {
            if (!counting) return finish(c, l, l.scheduled());
            return advance(c, l, "", l.scheduled(), RateLine.fromCounts(state, b.perSecond()));
        }
        String last = members.get(members.size() - 1).id();
        if (counting) {
            ObjectNode counts = state.has("counts") ? (ObjectNode) state.get("counts") : state.putObject("counts");
            for (Person p : members) {
                String slot = String.valueOf(moment(b, p, l.startedAt()));
                counts.put(slot, counts.path(slot).asLong() + 1);
            }
            return advance(c, l, last, l.scheduled(), state);
        }
        long now = clock.millis();
        RateLine line = new RateLine(state, b.perSecond());
        List<Object[]> timers = new ArrayList<>();
        ObjectNode data = EventCodec.mapper().createObjectNode().put("campaignId", l.campaignId());
        for (Person p : members) {
            long due = line.place(moment(b, p, l.startedAt()));
            timers.add(timer(c, l, p.id(), due, CampaignStage.BROADCAST, data, now));
        }
        insert(c, timers);
        return advance(c, l, last, l.scheduled() + timers.size(), line.state());
    }

    /**
     * A person's moment for a broadcast, before the rate limit: {@code at} (or the launch, when that is later or
     * there is no {@code at}); with {@code localTime}, {@code at}'s time of day on {@code at}'s date in the person's
     * zone, or that time on the next day when the moment had already passed when the launch began.
     */
    static long moment(Journey.Trigger.Broadcast b, Person p, long launchedAt) {
        if (b.localTime()) return Times.localMoment(b.at(), p.zone(), launchedAt);
        return b.at() == null ? launchedAt : Math.max(b.at(), launchedAt);
    }

    /** The rate line's bookkeeping, kept in the launch's state between chunks. */
    static final class RateLine {
        private final ObjectNode state;
        private final long perSecond;

        RateLine(ObjectNode state, int perSecond) {
            this.state = state;
            this.perSecond = perSecond;
        }

        /**
         * After the counting pass: each slot (a moment, in order) takes {@code count} steps from its moment, or from
         * where the previous slot ends if that is later; late joiners go after the last slot.
         */
        static ObjectNode fromCounts(ObjectNode state, int perSecond) {
            ObjectNode out = EventCodec.mapper().createObjectNode().put("phase", "schedule");
            ObjectNode slots = out.putObject("slots");
            List<Long> moments = new ArrayList<>();
            state.path("counts").fieldNames().forEachRemaining(m -> moments.add(Long.parseLong(m)));
            moments.sort(null);
            long end = 0;
            for (long m : moments) {
                long start = Math.max(m * perSecond, end);
                end = start + state.path("counts").path(String.valueOf(m)).asLong() * STEP;
                slots.putArray(String.valueOf(m)).add(start).add(end);
            }
            out.put("tail", end);
            return out;
        }

        /** The due time of the next entry whose moment is {@code moment}. */
        long place(long moment) {
            JsonNode slot = state.path("slots").path(String.valueOf(moment));
            long pos;
            if (slot.isArray() && slot.get(0).asLong() < slot.get(1).asLong()) {
                pos = slot.get(0).asLong();
                ((com.fasterxml.jackson.databind.node.ArrayNode) slot).set(0, pos + STEP);
            } else {
                pos = Math.max(moment * perSecond, state.path("tail").asLong());
                state.put("tail", pos + STEP);
            }
            return Math.floorDiv(pos, perSecond);
        }

        ObjectNode state() {
            return state;
        }
    }

    private Object[] timer(Connection c, Launch l, String personId, long due, String kind, ObjectNode data, long now)
            throws SQLException {
        return new Object[] {UuidCreator.getTimeOrderedEpoch().toString(), l.workspaceId(), personId,
                campaigns.partitionOf(c, l.workspaceId(), personId), due, kind, data.toString(), now};
    }

    private static void insert(Connection c, List<Object[]> timers) throws SQLException {
        if (timers.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO timers (id, workspace_id, person_id, partition_no, "
                + "due_at, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Object[] t : timers) {
                Sql.bind(ps, t);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private Step advance(Connection c, Launch l, String after, long scheduled, ObjectNode state) throws SQLException {
        // Only if the launch is as this chunk read it: a re-activation meanwhile started it over.
        int n = Sql.update(c, "UPDATE campaign_launches SET after_person = ?, scheduled = ?, state = ? WHERE campaign_id = ? "
                + "AND kind = ? AND started_at = ? AND after_person = ? AND status = ?", after, scheduled, state.toString(),
                l.campaignId(), l.kind(), l.startedAt(), l.afterPerson(), RUNNING);
        if (n == 0) throw new Restarted();
        return Step.MORE;
    }

    private Step finish(Connection c, Launch l, long scheduled) throws SQLException {
        Sql.update(c, "UPDATE campaign_launches SET status = ?, scheduled = ?, finished_at = ? WHERE campaign_id = ? "
                + "AND kind = ? AND started_at = ?", DONE, scheduled, clock.millis(), l.campaignId(), l.kind(), l.startedAt());
        log.atInfo().addKeyValue("campaign", l.campaignId()).addKeyValue("kind", l.kind())
                .addKeyValue("scheduled", scheduled).log("campaign launch done");
        return Step.DONE;
    }

    @Override
    public void close() {
        stopping = true;
        synchronized (signal) {
            signal.notifyAll();
        }
        Thread t = worker;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
