package io.herald.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.event.EventCodec;
import io.herald.store.Sql;
import io.herald.time.Timers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The segment state of the people one transaction touches: loaded in a few queries, changed in memory, written
 * back in batched statements (state, memberships, history rows of changes, wake-up timers).
 * Used by the processor's stage and by the background computation alike.
 */
final class SegmentBatch {
    /** Timer kind that wakes a person to re-evaluate time-dependent segments. */
    static final String WAKE = "segments";
    static final String ENTERED = "segment.entered";
    static final String EXITED = "segment.exited";

    /** Person, then segment: SQLite's key for memberships (V17), and one lock order on PostgreSQL. */
    private static final Comparator<Object[]> MEMBER_ORDER = Comparator.comparing((Object[] r) -> (String) r[1])
            .thenComparing(r -> (String) r[0]);

    private final Supplier<Connection> connection;
    private final Map<String, PersonSegments> people = new LinkedHashMap<>();
    private final Map<String, SegmentIndex> indexes = new HashMap<>();
    private final Set<String> deferred = new HashSet<>();
    private final java.util.function.Function<String, SegmentIndex> source;
    /** When the events behind the changes flushed so far were received (unknown ones left out), for freshness. */
    private long[] flushedReceivedAt = new long[16];
    private int flushed;

    SegmentBatch(Supplier<Connection> connection, java.util.function.Function<String, SegmentIndex> source) {
        this.connection = connection;
        this.source = source;
    }

    /** The workspace's index as of this batch's first look (one batch sees one version of the segments). */
    SegmentIndex index(String workspaceId) {
        return indexes.computeIfAbsent(workspaceId, source);
    }

    Connection c() {
        return connection.get();
    }

    /** Loads the state and memberships of these people (those already loaded are skipped). */
    void load(Collection<String> personIds) throws SQLException {
        List<String> wanted = new ArrayList<>();
        for (String id : personIds) if (!people.containsKey(id)) wanted.add(id);
        for (List<String> chunk : Sql.chunks(wanted)) {
            Map<String, Map<String, Long>> members = new HashMap<>();
            for (Object[] r : Sql.query(c(), "SELECT person_id, segment_id, entered_at FROM segment_members WHERE person_id IN ("
                    + Sql.placeholders(chunk.size()) + ")", rs -> new Object[] {rs.getString(1), rs.getString(2),
                    rs.getLong(3)}, chunk.toArray())) {
                members.computeIfAbsent((String) r[0], k -> new HashMap<>()).put((String) r[1], (Long) r[2]);
            }
            for (PersonSegments ps : Sql.query(c(), "SELECT person_id, workspace_id, generation, state, next_check_at, timer_id "
                    + "FROM segment_state WHERE person_id IN (" + Sql.placeholders(chunk.size()) + ")",
                    rs -> new PersonSegments(rs.getString(1), rs.getString(2), rs.getLong(3),
                            PersonSegments.talliesFromJson(rs.getString(4)),
                            members.getOrDefault(rs.getString(1), new HashMap<>()),
                            Sql.nullableLong(rs, "next_check_at"), rs.getString(6)), chunk.toArray())) {
                people.put(ps.personId, ps);
            }
            for (String id : chunk) people.putIfAbsent(id, null); // remembered as having no state
        }
    }

    /**
     * People the batch may not need: loaded all together by the first {@link #get} of one of them (rather than one
     * query each), or never.
     */
    void defer(Collection<String> personIds) {
        for (String id : personIds) if (!people.containsKey(id)) deferred.add(id);
    }

    /**
     * The person's state; a person with none yet starts at generation {@code startAt}: the workspace's current
     * one for someone new (nothing to compute from history), 0 for someone the background computation has yet
     * to reach.
     */
    PersonSegments get(String personId, String workspaceId, long startAt) throws SQLException {
        if (!people.containsKey(personId)) {
            if (deferred.contains(personId)) {
                load(deferred);
                deferred.clear();
            } else {
                load(List.of(personId));
            }
        }
        PersonSegments ps = people.get(personId);
        if (ps == null) {
            ps = PersonSegments.fresh(personId, workspaceId, startAt);
            people.put(personId, ps);
        }
        return ps;
    }

    /** Takes a person's state computed outside this transaction, to be written by {@link #flush}. */
    void adopt(PersonSegments ps) {
        people.put(ps.personId, ps);
    }

    /** Which log partition a person's timers go to (the partition their events are processed in). */
    interface Partitions {
        int of(PersonSegments ps) throws SQLException;
    }

    /** Writes every change: state rows, memberships, history rows for changes, wake-up timers. */
    void flush(long now, Partitions partitions) throws SQLException {
        List<PersonSegments> touched = new ArrayList<>();
        for (PersonSegments ps : people.values()) if (ps != null) touched.add(ps);
        touched.sort(Comparator.comparing(ps -> ps.personId)); // one lock order on PostgreSQL
        Connection c = c();
        try (Timers.Writes timers = new Timers.Writes(c)) {
            for (PersonSegments ps : touched) {
                if (ps.deleted) {
                    Sql.update(c, "DELETE FROM segment_members WHERE person_id = ?", ps.personId);
                    Sql.update(c, "DELETE FROM segment_state WHERE person_id = ?", ps.personId);
                    continue;
                }
                schedule(timers, ps, now, partitions);
            }
            writeRows(c, touched, now);
            timers.execute();
        }
    }

    private void writeRows(Connection c, List<PersonSegments> touched, long now) throws SQLException {
        try (PreparedStatement state = c.prepareStatement("INSERT INTO segment_state (person_id, workspace_id, generation, "
                + "state, next_check_at, timer_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
                + "generation = excluded.generation, state = excluded.state, next_check_at = excluded.next_check_at, "
                + "timer_id = excluded.timer_id");
             PreparedStatement out = c.prepareStatement("DELETE FROM segment_members WHERE segment_id = ? AND person_id = ?");
             PreparedStatement in = c.prepareStatement("INSERT INTO segment_members (segment_id, person_id, "
                     + "entered_at) VALUES (?, ?, ?) ON CONFLICT (segment_id, person_id) DO UPDATE SET "
                     + "entered_at = excluded.entered_at");
             PreparedStatement history = c.prepareStatement("INSERT INTO person_events (workspace_id, message_id, "
                     + "person_id, seq, type, event, name, properties, context, ts, received_at) "
                     + "VALUES (?, ?, ?, ?, 'track', ?, NULL, ?, NULL, ?, ?)")) {
            int states = 0;
            int events = 0;
            List<Object[]> outs = new ArrayList<>();
            List<Object[]> ins = new ArrayList<>();
            for (PersonSegments ps : touched) {
                if (ps.deleted) continue;
                SegmentIndex idx = index(ps.workspaceId);
                if (ps.stateDirty) {
                    Sql.bind(state, ps.personId, ps.workspaceId, ps.generation, ps.stateJson(idx, now), ps.nextCheckAt,
                            ps.timerId);
                    state.addBatch();
                    states++;
                    ps.stateDirty = false;
                }
                for (String s : ps.exited) {
                    // left and entered again since the last flush: the insert's upsert alone says so
                    if (!ps.entered.containsKey(s)) outs.add(new Object[] {s, ps.personId});
                }
                for (Map.Entry<String, Long> e : ps.entered.entrySet()) {
                    ins.add(new Object[] {e.getKey(), ps.personId, e.getValue()});
                }
                ps.written();
                for (PersonSegments.Change ch : ps.changes) {
                    if (ch.receivedAt() >= 0) {
                        if (flushed == flushedReceivedAt.length) {
                            flushedReceivedAt = java.util.Arrays.copyOf(flushedReceivedAt, flushed * 2);
                        }
                        flushedReceivedAt[flushed++] = ch.receivedAt();
                    }
                    ObjectNode props = props(ch);
                    Sql.bind(history, ps.workspaceId, "segment:" + UuidCreator.getTimeOrderedEpoch(), ps.personId, ch.seq(),
                            ch.entered() ? ENTERED : EXITED, props.toString(), ch.at(), now);
                    history.addBatch();
                    events++;
                    // Not announced through the log (a timer due now, fired and processed as one more event): the
                    // processor's stage hands each change to the campaign stage right after the event that caused
                    // it, in the same transaction (SegmentStage.announcements). A round trip per change made the
                    // processor handle ~10 events per event at realistic segment mixes.
                }
                ps.changes.clear();
            }
            if (states > 0) state.executeBatch();
            // In SQLite's key order: a batch's changes land on as many pages of the memberships, and writing them in
            // key order visits each page once (and takes PostgreSQL's row locks in one order).
            outs.sort(MEMBER_ORDER);
            ins.sort(MEMBER_ORDER);
            for (Object[] r : outs) {
                Sql.bind(out, r);
                out.addBatch();
            }
            for (Object[] r : ins) {
                Sql.bind(in, r);
                in.addBatch();
            }
            if (!outs.isEmpty()) out.executeBatch();
            if (!ins.isEmpty()) in.executeBatch();
            if (events > 0) history.executeBatch();
        }
    }

    static ObjectNode props(PersonSegments.Change ch) {
        return EventCodec.mapper().createObjectNode().put("segmentId", ch.segmentId()).put("segmentName", ch.segmentName());
    }

    /** Replaces the wake-up timer when time windows need the person sooner than the one already set. */
    private static void schedule(Timers.Writes timers, PersonSegments ps, long now, Partitions partitions)
            throws SQLException {
        long at = ps.wakeAt;
        ps.wakeAt = Evaluator.NEVER;
        if (at == Evaluator.NEVER) return;
        if (ps.nextCheckAt != null && ps.timerId != null && ps.nextCheckAt <= at) return;
        if (ps.timerId != null) timers.cancel(ps.timerId);
        ps.timerId = timers.schedule(ps.workspaceId, ps.personId, partitions.of(ps), at, WAKE, null, now);
        ps.nextCheckAt = at;
        ps.stateDirty = true;
    }

    /** Hands each flushed change's receipt time to {@code sink}, once. */
    void drainFlushedReceipts(java.util.function.LongConsumer sink) {
        for (int i = 0; i < flushed; i++) sink.accept(flushedReceivedAt[i]);
        flushed = 0;
    }

    Collection<PersonSegments> loaded() {
        List<PersonSegments> out = new ArrayList<>();
        for (PersonSegments ps : people.values()) if (ps != null) out.add(ps);
        return out;
    }
}
