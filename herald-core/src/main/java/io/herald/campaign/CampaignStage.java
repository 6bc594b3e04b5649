package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.Event;
import io.herald.event.Payload;
import io.herald.processor.Batch;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import io.herald.segment.SegmentStage;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs campaigns inside the person processor (pipeline step 4): on each of a person's events, their open runs
 * check goals and exit rules and advance when what they wait for happened (an event, a condition, a timer); then
 * the campaigns the event triggers start new runs. Everything a run does commits with the batch.
 */
public final class CampaignStage implements Stage {
    /** Timer kinds this stage schedules and reacts to. */
    static final String STEP_TIMER = "campaign.step";
    static final String API_TRIGGER = "campaign.api";
    static final String DATE_TRIGGER = "campaign.date";
    static final String BROADCAST = "campaign.broadcast";
    static final String RESUME = "campaign.resume";
    /** Announced by an update step so segments and attribute triggers see the change in order. */
    static final String ATTRIBUTES_UPDATED = SegmentStage.ATTRIBUTES_UPDATED;

    private final CampaignCatalog catalog;
    private final SegmentStage segments;
    private final EntryRefusals refusals;
    private final Campaigns campaigns;

    public CampaignStage(Campaigns campaigns, SegmentStage segments) {
        this(campaigns, segments, EntryRefusals.IGNORE);
    }

    /** As above, telling {@code refusals} whenever entry rules or the audience keep a triggered person out. */
    public CampaignStage(Campaigns campaigns, SegmentStage segments, EntryRefusals refusals) {
        this.catalog = campaigns.catalog();
        this.campaigns = campaigns;
        this.segments = segments;
        this.refusals = refusals;
    }

    /** What an event means to campaigns. */
    sealed interface Signal {
        record Happened(String event, JsonNode properties, long timestamp) implements Signal {
        }

        record SegmentChange(String segmentId, boolean entered) implements Signal {
        }

        record StepTimer(String runId, String step, String purpose, String timerId) implements Signal {
        }

        record Triggered(String campaignId, ObjectNode data, String kind) implements Signal {
        }

        record Resume(String runId) implements Signal {
        }

        record Other() implements Signal {
        }
    }

    @Override
    public void prefetch(Batch batch, List<Event> events) throws SQLException {
        for (Event e : events) {
            if (!catalog.of(e.workspaceId()).isEmpty()) {
                batch.local(CampaignBatch.class, () -> new CampaignBatch(batch, campaigns::deliveriesQueued))
                        .load(io.herald.person.PersonCache.prefetchedPersonIds(batch));
                return;
            }
        }
    }

    @Override
    public void handle(Batch batch, EventContext ctx) throws SQLException {
        // Taken whatever happens next, so none is left for the batch's next event.
        List<Event> announced = segments.announcements(batch);
        String personId = ctx.personId();
        if (ctx.dropped() || personId == null) return;
        Event e = ctx.event();
        CampaignIndex idx = catalog.of(e.workspaceId());
        if (idx.isEmpty()) return;
        CampaignBatch cb = batch.local(CampaignBatch.class, () -> new CampaignBatch(batch, campaigns::deliveriesQueued));
        handle(batch, cb, idx, e, personId, changedAttributes(ctx.changedAttributes(), e));
        // The segment memberships the event changed, each as the segment.entered/exited event it is, right after
        // the event (the person's history has them in that order too).
        for (Event a : announced) {
            Payload.TimerFired t = (Payload.TimerFired) a.payload();
            CampaignIndex ai = catalog.of(a.workspaceId());
            if (!ai.isEmpty()) handle(batch, cb, ai, a, t.personId(), Map.of());
        }
    }

    private void handle(Batch batch, CampaignBatch cb, CampaignIndex idx, Event e, String personId,
                        Map<String, JsonNode> changed) throws SQLException {
        Signal signal = signal(e);
        Runner runner = new Runner(batch, cb, catalog, segments, refusals, e, personId);

        for (Run r : new ArrayList<>(cb.runs(personId))) runner.react(r, idx.byId.get(r.campaignId), signal);

        for (CampaignIndex.Live c : idx.triggered(signal, changed)) {
            ObjectNode data = signal instanceof Signal.Triggered t ? t.data() : null;
            switch (c.journey().trigger()) {
                case Journey.Trigger.DateAttribute d -> {
                    // A date timer set for a value the person no longer has is stale: a newer one was set with the change.
                    JsonNode current = io.herald.segment.SegmentStage.attribute(batch, personId, d.attribute());
                    if (current == null || data == null || !current.asText().equals(data.path("value").asText())) continue;
                    runner.enter(c, data);
                    if (d.annual()) runner.scheduleDate(c, current);
                }
                case Journey.Trigger.Broadcast b -> {
                    // Scheduled for the segment's members at activation; someone who left it since is not sent to.
                    if (!runner.inSegment(b.segmentId())) continue;
                    if (c.active()) runner.enter(c, data);
                    else runner.enterHeld(c, data);
                }
                default -> runner.enter(c, data);
            }
        }
        if (!changed.isEmpty()) {
            for (String name : changed.keySet()) {
                for (CampaignIndex.Live c : idx.byDateAttribute.getOrDefault(name, List.of())) {
                    if (c.active()) runner.scheduleDate(c, changed.get(name));
                }
            }
        }
    }

    /** What the event means to campaigns (also {@link TriggerMatching}'s first step). */
    static Signal signal(Event e) {
        return switch (e.payload()) {
            case Payload.Track t -> new Signal.Happened(t.event(), t.properties(), e.timestamp());
            case Payload.TimerFired t -> switch (t.kind()) {
                case "segment.entered", "segment.exited" ->
                        new Signal.SegmentChange(t.data().path("segmentId").asText(), t.kind().equals("segment.entered"));
                case STEP_TIMER -> new Signal.StepTimer(t.data().path("runId").asText(), t.data().path("step").asText(),
                        t.data().path("purpose").asText(), t.timerId());
                case API_TRIGGER, DATE_TRIGGER, BROADCAST -> new Signal.Triggered(t.data().path("campaignId").asText(),
                        t.data().get("data") instanceof ObjectNode d ? d : null, t.kind());
                case RESUME -> new Signal.Resume(t.data().path("runId").asText());
                default -> new Signal.Other();
            };
            default -> new Signal.Other();
        };
    }

    /** The attributes the event changed: announced by an update step, or as the profile stage recorded them. */
    static Map<String, JsonNode> changedAttributes(Map<String, JsonNode> fromProfile, Event e) {
        if (e.payload() instanceof Payload.TimerFired t && ATTRIBUTES_UPDATED.equals(t.kind())) {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            t.data().path("values").fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().isNull() ? null : f.getValue()));
            return out;
        }
        return fromProfile;
    }

    /** A merge carries the merged person's runs over (their rows move with the merge's statement here). */
    @Override
    public void onMerge(Batch batch, String fromPersonId, String intoPersonId) throws SQLException {
        CampaignBatch cb = batch.local(CampaignBatch.class, () -> new CampaignBatch(batch, campaigns::deliveriesQueued));
        cb.flush(); // pending rows of the merged person must exist before they move
        io.herald.store.Sql.update(batch.connection(), "UPDATE campaign_runs SET person_id = ? WHERE person_id = ?",
                intoPersonId, fromPersonId);
        io.herald.store.Sql.update(batch.connection(), "UPDATE deliveries SET person_id = ? WHERE person_id = ?",
                intoPersonId, fromPersonId);
        // The in-app feed goes with the deliveries it tells about (its sequence numbers stay: they are global).
        io.herald.store.Sql.update(batch.connection(), "UPDATE inapp_feed SET person_id = ? WHERE person_id = ?",
                intoPersonId, fromPersonId);
        cb.moved(fromPersonId, intoPersonId);
        // Two open runs of one campaign would message the person twice: the later one gives way.
        Map<String, Run> first = new LinkedHashMap<>();
        for (Run r : cb.runs(intoPersonId)) {
            if (!r.open()) continue;
            Run other = first.putIfAbsent(r.campaignId, r);
            if (other != null) {
                Run later = other.enteredAt <= r.enteredAt ? r : other;
                later.note(batch.now(), later.step, "exited", "merged with another run of the same person");
                later.finish(batch.now(), Run.EXITED, "merged");
                if (later == other) first.put(r.campaignId, r);
            }
        }
    }
}
