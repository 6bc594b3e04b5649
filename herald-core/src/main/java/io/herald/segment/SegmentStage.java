package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.Event;
import io.herald.event.Payload;
import io.herald.person.PersonCache;
import io.herald.processor.Batch;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import io.herald.store.StoreException;
import java.sql.SQLException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps segment membership current as each event is processed (pipeline step 3): the event feeds the tallies of
 * behavioral conditions that match it, and only the segments that read what changed are re-evaluated. A change of
 * membership is recorded in the person's history as {@code segment.entered} / {@code segment.exited}, and handed
 * to the campaign stage as such an event right after the event that caused it (see {@link #announcements}). Time
 * windows are kept honest by a timer per person set for the next instant an answer
 * can change by time alone.
 *
 * <p>Metric {@code herald.segment.freshness}: for each change of membership an event caused, from the receipt of the
 * event to the commit of the change (when {@code segment.entered}/{@code exited} is recorded), by the injected clock.
 */
public final class SegmentStage implements Stage {
    /** A journey's update step changed attributes (announced on the person's log as a timer of this kind). */
    public static final String ATTRIBUTES_UPDATED = "attributes.updated";

    private final SegmentIndexes indexes;

    private final Computations computations;

    private final InstantSource clock;
    private final Timer freshness;

    public SegmentStage(Segments segments, MeterRegistry meters) {
        this.indexes = segments.indexes();
        this.computations = segments.computations();
        this.clock = segments.clock();
        this.freshness = Timer.builder("herald.segment.freshness")
                .description("From receipt of an event to the commit of the segment membership change it caused")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    /** The batch's segment state, flushed with the batch. */
    private final class Local implements Batch.Flushable {
        final Batch batch;
        final SegmentBatch segments;
        /** Everyone the batch handled, for a computation running beside it (see {@link Computations}). */
        final List<String> people = new ArrayList<>();
        /** Changes not yet taken by {@link #announcements}, in the order they happened. */
        final List<PersonSegments> announcing = new ArrayList<>();
        final List<PersonSegments.Change> announced = new ArrayList<>();

        Local(Batch batch) {
            this.batch = batch;
            this.segments = new SegmentBatch(batch::connection, indexes::of);
        }

        @Override
        public void flush() throws SQLException {
            segments.flush(batch.now(), ps -> batch.partition());
        }

        @Override
        public void committed() {
            computations.committed(people);
            long now = clock.millis();
            segments.drainFlushedReceipts(receivedAt -> freshness.record(Math.max(0, now - receivedAt),
                    TimeUnit.MILLISECONDS));
        }
    }

    private Local local(Batch batch) {
        return batch.local(Local.class, () -> new Local(batch));
    }

    @Override
    public void prefetch(Batch batch, List<Event> events) throws SQLException {
        boolean any = false;
        for (Event e : events) {
            if (!indexes.of(e.workspaceId()).isEmpty()) {
                any = true;
                break;
            }
        }
        if (!any) return;
        // The people only timers segments ignore name (journeys' delays and triggers) are loaded only
        // if some stage asks for one of them (a campaign's condition), and then together: they can be as many as
        // the people of a broadcast, which mostly nothing reads again.
        Set<String> people = PersonCache.prefetchedPersonIds(batch);
        Set<String> inert = new HashSet<>();
        Set<String> read = new HashSet<>();
        for (Event e : events) {
            if (e.payload() instanceof Payload.TimerFired t) (ignored(t) ? inert : read).add(t.personId());
        }
        inert.removeAll(read);
        inert.retainAll(people);
        people.removeAll(inert);
        SegmentBatch sb = local(batch).segments;
        sb.load(people);
        sb.defer(inert);
    }

    /** A timer whose firing changes nothing segments read. */
    private static boolean ignored(Payload.TimerFired t) {
        return !SegmentBatch.WAKE.equals(t.kind()) && !ATTRIBUTES_UPDATED.equals(t.kind());
    }

    @Override
    public void handle(Batch batch, EventContext ctx) throws SQLException {
        String personId = ctx.personId();
        if (ctx.dropped() || personId == null) return;
        Event e = ctx.event();
        Local local = local(batch);
        local.people.add(personId); // whatever the segments: the other stages change the person's profile and history
        if (e.payload() instanceof Payload.TimerFired t && ignored(t)) return; // its person's state stays unloaded
        SegmentBatch sb = local.segments;
        SegmentIndex idx = sb.index(e.workspaceId());
        if (idx.isEmpty()) return;
        boolean isNew = PersonCache.createdInBatch(batch, personId);
        PersonSegments ps = sb.get(personId, e.workspaceId(), isNew ? idx.generation : 0);
        ps.seq = e.position();
        ps.receivedAt = e.receivedAt();
        boolean everything = isNew && ps.unevaluated;
        ps.unevaluated = false;
        apply(idx, ps, e.payload(), ctx.changedAttributes().keySet(), e.timestamp(), batch.now(), everything,
                () -> facts(batch, ps, idx));
        queue(local, ps);
    }

    /** Queues the person's new changes for {@link #announcements}. */
    private static void queue(Local local, PersonSegments ps) {
        if (ps.unannounced.isEmpty()) return;
        for (PersonSegments.Change ch : ps.unannounced) {
            local.announcing.add(ps);
            local.announced.add(ch);
        }
        ps.unannounced.clear();
    }

    /**
     * The changes of membership the batch's events caused since the last call, in order, each as the
     * {@code segment.entered} / {@code segment.exited} event campaigns react to: a {@link Payload.TimerFired} of that
     * kind with {@code {segmentId, segmentName}}, stamped with the change's instant. The campaign stage takes them
     * after each event, so a journey triggered by a segment entry (or a run's exit rule) sees the change right after
     * the event that caused it, in the same transaction as the change itself.
     *
     * <p>Why not through the log (a timer due now, fired onto the person's log and processed like any other event,
     * as before): with realistic segments one event changes about ten memberships, so the processor handled ten log
     * events, timer rows and log rows per event it was sent, and fell far behind.
     */
    public List<Event> announcements(Batch batch) {
        Local local = batch.local(Local.class, () -> new Local(batch));
        if (local.announced.isEmpty()) return List.of();
        List<Event> out = new ArrayList<>(local.announced.size());
        for (int i = 0; i < local.announced.size(); i++) {
            PersonSegments ps = local.announcing.get(i);
            PersonSegments.Change ch = local.announced.get(i);
            String id = com.github.f4b6a3.uuid.UuidCreator.getTimeOrderedEpoch().toString();
            out.add(new Event(ps.workspaceId, batch.partition(), ch.seq(), "segment:" + id, null, null, ch.at(),
                    batch.now(), null, new Payload.TimerFired(ps.personId, id, ch.entered() ? SegmentBatch.ENTERED
                    : SegmentBatch.EXITED, SegmentBatch.props(ch))));
        }
        local.announcing.clear();
        local.announced.clear();
        return out;
    }

    /**
     * The in-memory part of handling one event, shared with {@link InMemorySegments}: feeds the event to the
     * tallies that match it, finds the segments that read what it changed, and re-evaluates those.
     *
     * @param changed    for an {@code identify}, the attributes it really changed (the profile step's answer): a
     *                   client re-sending a trait with the value the person already has changes no segment reading
     *                   it, and most identify calls re-send every trait
     * @param everything the person was just created: every segment is evaluated for them
     */
    static void apply(SegmentIndex idx, PersonSegments ps, Payload payload, Collection<String> changed, long ts, long now,
                      boolean everything, Supplier<Facts> facts) {
        // The affected segments by their place in the evaluation order: a set of the segments themselves would hash
        // each one's whole condition (records hash deeply), which cost more than evaluating them.
        BitSet affected = new BitSet(idx.ordered.size());
        switch (payload) {
            case Payload.Track t -> feed(idx, ps, t, ts, now, affected);
            case Payload.Identify id -> {
                for (String name : changed) mark(affected, idx.readingAttribute(name), ps);
            }
            case Payload.Group g -> mark(affected, idx.readingAttribute("groupId"), ps);
            case Payload.DeviceRegistered d -> mark(affected, idx.byDevice, ps);
            case Payload.DeviceRemoved d -> mark(affected, idx.byDevice, ps);
            case Payload.TimerFired t when ATTRIBUTES_UPDATED.equals(t.kind()) -> {
                for (Iterator<String> it = t.data().path("values").fieldNames(); it.hasNext(); ) {
                    mark(affected, idx.readingAttribute(it.next()), ps);
                }
            }
            case Payload.PreferencesChanged pc -> mark(affected, idx.bySubscription, ps);
            case Payload.TimerFired t -> {
                if (!SegmentBatch.WAKE.equals(t.kind())) return;
                if (t.timerId().equals(ps.timerId)) { // this wake-up is spent; the evaluation sets the next
                    ps.timerId = null;
                    ps.nextCheckAt = null;
                    ps.stateDirty = true;
                }
                mark(affected, idx.timeDependent, ps);
            }
            case Payload.Page p -> { }
            case Payload.Screen sc -> { }
            case Payload.Alias a -> { }
        }
        if (everything) mark(affected, idx.ordered, ps);
        if (affected.isEmpty()) return;
        Membership.evaluate(idx, ps, facts.get(), affected, now, Membership.Mode.LIVE, Map.of());
    }

    /** Marks the segments the person is computed for; newer ones wait for the background computation. */
    private static void mark(BitSet affected, List<SegmentIndex.Compiled> segments, PersonSegments ps) {
        for (SegmentIndex.Compiled c : segments) {
            if (c.generation() <= ps.generation) affected.set(c.order());
        }
    }

    /** Adds the event to every tally whose filter it matches; the segments reading those tallies are affected. */
    private static void feed(SegmentIndex idx, PersonSegments ps, Payload.Track t, long ts, long now,
                             BitSet affected) {
        List<SegmentIndex.TallySpec> specs = idx.talliesByEvent.get(t.event());
        if (specs == null) return;
        for (SegmentIndex.TallySpec spec : specs) {
            // A tally newer than the person's state (spec.since() > ps.generation) is fed all the same: the background
            // computation rebuilds it from history when it reaches them, but until then older segments that share it
            // (a new segment looking further back at the same events) must stay live.
            if (!spec.key().inRange(ts) || !Filters.matches(spec.key().filter(), t.properties(), ts)) continue;
            Tally tally = ps.tallies.computeIfAbsent(spec.id(), k -> new Tally());
            String property = spec.key().filter().property();
            tally.add(ts, property == null ? Double.NaN : Values.numeric(Values.at(t.properties(), property)),
                    spec.retention(), now);
            ps.stateDirty = true;
            mark(affected, spec.segments(), ps);
        }
    }

    /**
     * Whether a condition holds for a person now, as this batch sees them (memberships and tallies changed by
     * earlier events of the batch included): for campaign audiences, branches, waits and exit rules. Behavioral
     * parts no segment tallies are computed from the person's history.
     */
    public boolean holds(Batch batch, String workspaceId, String personId, Condition condition) throws SQLException {
        SegmentBatch sb = local(batch).segments;
        SegmentIndex idx = sb.index(workspaceId);
        PersonSegments ps = idx.isEmpty() // nothing to keep: a scratch state, not one to write back
                ? new PersonSegments(personId, workspaceId, 0, new HashMap<>(), new HashMap<>(), null, null)
                : sb.get(personId, workspaceId, PersonCache.createdInBatch(batch, personId) ? idx.generation : 0);
        PersonFacts own = facts(batch, ps, idx);
        List<SegmentIndex.TallySpec> missing = new ArrayList<>();
        Map<TallyKey, String> ids = new HashMap<>();
        for (Condition.Performed p : Conditions.performed(condition)) {
            TallyKey key = TallyKey.of(p);
            SegmentIndex.TallySpec spec = idx.tallies.get(key);
            if (spec != null && spec.since() <= ps.generation) continue;
            String id = key.id();
            if (ids.putIfAbsent(key, id) == null) {
                long retention = p.window() instanceof Condition.Window.Within w ? w.duration().toMillis()
                        : p.window() instanceof Condition.Window.BetweenAgo b ? b.from().toMillis() : 0;
                missing.add(new SegmentIndex.TallySpec(key, id, Long.MAX_VALUE, retention, List.of(), -1));
            }
        }
        if (missing.isEmpty()) return Evaluator.matches(condition, own, batch.now());
        batch.flush(); // the history must hold this batch's events so far
        PersonSegments scratch = new PersonSegments(personId, workspaceId, 0, new HashMap<>(), Map.of(), null, null);
        History.fill(batch.connection(), workspaceId, List.of(scratch), missing, batch.now());
        Facts combined = new Facts() {
            public com.fasterxml.jackson.databind.JsonNode attributes() {
                return own.attributes();
            }

            public Tally tally(Condition.Performed p) {
                String id = ids.get(TallyKey.of(p));
                return id != null ? scratch.tallies.get(id) : own.tally(p);
            }

            public boolean inSegment(String segmentId) {
                return own.inSegment(segmentId);
            }

            public List<DeviceFact> devices() {
                return own.devices();
            }

            public boolean subscribed(String channel, String topic) {
                return own.subscribed(channel, topic);
            }
        };
        return Evaluator.matches(condition, combined, batch.now());
    }

    /** An attribute (dot path) of a person as this batch sees them; null when missing. */
    public static com.fasterxml.jackson.databind.JsonNode attribute(Batch batch, String personId, String path)
            throws SQLException {
        return Values.at(PersonCache.attributesOf(batch, personId), path);
    }

    private static PersonFacts facts(Batch batch, PersonSegments ps, SegmentIndex idx) {
        return new PersonFacts(ps, idx, batch::connection, () -> {
            try {
                return PersonCache.attributesOf(batch, ps.personId);
            } catch (SQLException ex) {
                throw new StoreException("reading a person's attributes failed: " + ex.getMessage(), ex);
            }
        });
    }

    /**
     * Carries segment state over a merge: the tallies add up (the two people's events are disjoint), and the
     * person's segments are evaluated afresh; a segment the merged-away person was in counts as already entered.
     */
    @Override
    public void onMerge(Batch batch, String fromPersonId, String intoPersonId) throws SQLException {
        Local local = local(batch);
        local.people.add(fromPersonId);
        local.people.add(intoPersonId);
        SegmentBatch sb = local.segments;
        String ws = PersonCache.workspaceOf(batch, intoPersonId);
        SegmentIndex idx = sb.index(ws);
        if (idx.isEmpty()) return;
        PersonSegments from = sb.get(fromPersonId, ws, PersonCache.createdInBatch(batch, fromPersonId) ? idx.generation : 0);
        PersonSegments into = sb.get(intoPersonId, ws, PersonCache.createdInBatch(batch, intoPersonId) ? idx.generation : 0);
        long generation = Math.min(from.generation, into.generation);
        Map<String, Tally> merged = new HashMap<>();
        Set<String> ids = new HashSet<>(into.tallies.keySet());
        ids.addAll(from.tallies.keySet());
        for (String id : ids) {
            SegmentIndex.TallySpec spec = idx.talliesById.get(id);
            // one newer than either person is kept too (see feed): the computation rebuilds it from history
            if (spec == null) continue;
            Tally t = new Tally();
            if (into.tallies.get(id) != null) t.absorb(into.tallies.get(id));
            if (from.tallies.get(id) != null) t.absorb(from.tallies.get(id));
            merged.put(id, t);
        }
        into.tallies.clear();
        into.tallies.putAll(merged);
        into.generation = generation;
        into.stateDirty = true;
        into.changes.addAll(from.changes); // history rows of the merged person's changes in this batch still go in
        from.changes.clear();
        queue(local, from); // handed out already as they happened; anything left goes out now
        Map<String, Long> carried = new HashMap<>(from.members);
        from.deleted = true;
        List<SegmentIndex.Compiled> all = new ArrayList<>(idx.ordered);
        Membership.evaluate(idx, into, facts(batch, into, idx), all, batch.now(), Membership.Mode.LIVE, carried);
        queue(local, into);
        // Someone not yet computed for the newest segments (one of the two was never reached by a computation):
        // have the background computation take them.
        if (generation < idx.generation) computations.request(ws);
    }
}
