package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.f4b6a3.uuid.UuidCreator;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.person.PersonCache;
import io.herald.processor.Batch;
import io.herald.segment.Condition;
import io.herald.segment.SegmentStage;
import io.herald.time.Timers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves one person's runs for one event: goals, exit rules, waits resolving, and the steps that follow, until a
 * run waits again or ends. Each step's outcome is noted on the run's path (what was queued, what was skipped and
 * why).
 */
final class Runner {
    private final Batch batch;
    private final CampaignBatch cb;
    private final CampaignCatalog catalog;
    private final SegmentStage segments;
    private final EntryRefusals refusals;
    private final Event event;
    private final String personId;
    private final long now;

    Runner(Batch batch, CampaignBatch cb, CampaignCatalog catalog, SegmentStage segments, EntryRefusals refusals,
           Event event, String personId) {
        this.batch = batch;
        this.cb = cb;
        this.catalog = catalog;
        this.segments = segments;
        this.refusals = refusals;
        this.event = event;
        this.personId = personId;
        this.now = batch.now();
    }

    private boolean holds(Condition c) throws SQLException {
        return segments.holds(batch, event.workspaceId(), personId, c);
    }

    /** A run meets the person's latest event. */
    void react(Run r, CampaignIndex.Live live, CampaignStage.Signal signal) throws SQLException {
        Journey j = catalog.version(r.campaignId, r.version);
        if (signal instanceof CampaignStage.Signal.Happened h && r.convertedAt == null && j.goal() != null
                && r.goalDeadline != null && h.timestamp() >= r.enteredAt && h.timestamp() <= r.goalDeadline
                && j.goal().event().matches(h.event(), h.properties(), h.timestamp())) {
            r.convertedAt = now;
            r.dirty = true;
            r.note(now, String.valueOf(r.step), "converted", h.event());
            cb.creditConversion(r.id, now);
            if (r.open()) r.finish(now, Run.EXITED, "converted"); // no more messages once the goal is reached
        }
        if (!r.open()) return;
        if (live == null || Campaigns.ARCHIVED.equals(live.status())) {
            r.note(now, r.step, "exited", "campaign archived");
            r.finish(now, Run.EXITED, "campaign_archived");
            return;
        }
        if (j.exitWhen() != null) {
            boolean exit = switch (j.exitWhen()) {
                case Journey.Exit.OnEvent x -> signal instanceof CampaignStage.Signal.Happened h
                        && x.event().matches(h.event(), h.properties(), h.timestamp());
                case Journey.Exit.When w -> holds(w.condition());
            };
            if (exit) {
                r.note(now, r.step, "exited", "exit rule matched");
                r.finish(now, Run.EXITED, "exit_rule");
                return;
            }
        }
        boolean paused = Campaigns.PAUSED.equals(live.status());
        Journey.Step step = j.steps().get(r.step);
        if (signal instanceof CampaignStage.Signal.Resume res && res.runId().equals(r.id)) {
            if (paused) return;
            r.status = Run.ACTIVE;
            r.dirty = true;
            if (r.waiting != null && r.waiting.hasNonNull("resumeTo")) {
                String to = r.waiting.get("resumeTo").asText();
                r.note(now, r.step, "resumed", null);
                advance(r, j, to);
            }
            return;
        }
        if (r.waiting == null) return;
        if (signal instanceof CampaignStage.Signal.StepTimer t && t.runId().equals(r.id) && t.step().equals(r.step)
                && t.timerId().equals(r.waiting.path("timerId").asText())) {
            if (step instanceof Journey.Step.Delay d) {
                resume(r, j, d.next(), "delay elapsed", paused);
            } else if (step instanceof Journey.Step.WaitUntil w) {
                resume(r, j, w.onTimeout(), "timed out", paused);
            }
            return;
        }
        if (step instanceof Journey.Step.WaitUntil w && !r.waiting.has("resumeTo")) {
            boolean met = w.event() != null
                    ? signal instanceof CampaignStage.Signal.Happened h && w.event().matches(h.event(), h.properties(), h.timestamp())
                    : holds(w.condition());
            if (met) {
                if (r.waiting.hasNonNull("timerId")) Timers.cancel(batch.connection(), r.waiting.get("timerId").asText());
                resume(r, j, w.next(), w.event() != null ? "event " + w.event().event() : "condition met", paused);
            }
        }
    }

    /** What the run waited for happened: go on, or hold there while the campaign is paused. */
    private void resume(Run r, Journey j, String next, String why, boolean paused) throws SQLException {
        if (paused) {
            r.waiting.put("resumeTo", next);
            r.status = Run.HELD;
            r.note(now, r.step, "held", why + " while the campaign is paused");
            return;
        }
        r.note(now, r.step, "done", why);
        advance(r, j, next);
    }

    /** Starts a run of the campaign if its entry rules and audience let the person in. */
    void enter(CampaignIndex.Live c, ObjectNode data) throws SQLException {
        Run r = admit(c, data);
        if (r != null) advance(r, c.journey(), c.journey().start());
    }

    /**
     * Lets the person in as {@link #enter} does, but holds the run at its start while the campaign is paused: a
     * broadcast's moment is not repeated, so the person goes on when the campaign is activated again.
     */
    void enterHeld(CampaignIndex.Live c, ObjectNode data) throws SQLException {
        Run r = admit(c, data);
        if (r == null) return;
        r.status = Run.HELD;
        r.waiting = EventCodec.mapper().createObjectNode().put("kind", "held").put("resumeTo", r.step);
        r.note(now, r.step, "held", "the campaign is paused");
    }

    /** Whether the person is in the segment now. */
    boolean inSegment(String segmentId) throws SQLException {
        return holds(new Condition.InSegment(segmentId));
    }

    /** A new run at the campaign's start if the entry rules and audience let the person in; null if not. */
    private Run admit(CampaignIndex.Live c, ObjectNode data) throws SQLException {
        Journey j = c.journey();
        for (Run r : cb.runs(personId)) {
            if (r.campaignId.equals(c.id()) && r.open()) { // one run at a time
                refusals.refused(c.id(), personId, now, "already in a run of the campaign (at step " + r.step + ")");
                return null;
            }
        }
        Long last = cb.lastEntry(c.id(), personId);
        if (last != null) {
            switch (j.entry().reentry()) {
                case ONCE -> {
                    refusals.refused(c.id(), personId, now, "entered before, and the campaign's entry is once");
                    return null;
                }
                case AFTER -> {
                    if (now < last + j.entry().after().toMillis()) {
                        refusals.refused(c.id(), personId, now, "entered at " + Instant.ofEpochMilli(last)
                                + ", and may enter again only " + iso(j.entry().after()) + " after that");
                        return null;
                    }
                }
                case ALWAYS -> { }
            }
        }
        if (j.audience() != null && !holds(j.audience())) {
            refusals.refused(c.id(), personId, now, "not in the campaign's audience");
            return null;
        }
        ObjectNode journey = EventCodec.mapper().createObjectNode();
        ObjectNode trigger = journey.putObject("event");
        switch (event.payload()) {
            case Payload.Track t -> {
                trigger.put("event", t.event());
                trigger.set("properties", t.properties());
            }
            default -> trigger.put("type", event.payload().typeName());
        }
        trigger.put("timestamp", Instant.ofEpochMilli(event.timestamp()).toString());
        journey.set("data", data == null ? EventCodec.mapper().createObjectNode() : data);
        Run r = new Run("run_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", ""), event.workspaceId(),
                c.id(), c.version(), personId, Run.ACTIVE, j.start(), null, journey, null, false, now, null, null,
                j.goal() == null ? null : now + j.goal().within().toMillis(), null, null, 0);
        r.isNew = true;
        cb.add(r);
        r.note(now, j.start(), "entered", describe(event));
        return r;
    }

    private static String describe(Event e) {
        return switch (e.payload()) {
            case Payload.Track t -> "event " + t.event();
            case Payload.TimerFired t -> t.kind();
            default -> e.payload().typeName();
        };
    }

    /** Runs steps from {@code stepId} until the run waits or ends. */
    void advance(Run r, Journey j, String stepId) throws SQLException {
        r.status = Run.ACTIVE;
        r.dirty = true;
        for (int guard = 0; guard <= JourneyParser.MAX_STEPS; guard++) {
            r.step = stepId;
            r.waiting = null;
            Journey.Step s = j.steps().get(stepId);
            if (s.when() != null && !(s instanceof Journey.Step.Exit) && !holds(s.when())) {
                r.note(now, stepId, "skipped", "its when condition does not hold for the person");
                stepId = s.nexts().get(s instanceof Journey.Step.Branch ? 1 : 0);
                continue;
            }
            switch (s) {
                case Journey.Step.Message m -> {
                    String id = queue(r, j, m.channel(), m.message());
                    r.note(now, stepId, "queued", m.channel() + " delivery " + id);
                    stepId = m.next();
                }
                case Journey.Step.Webhook w -> {
                    String id = queue(r, j, "webhook", w.request());
                    r.note(now, stepId, "queued", "webhook delivery " + id);
                    stepId = w.next();
                }
                case Journey.Step.Delay d -> {
                    long due = Times.delayUntil(batch, personId, d, now);
                    if (due <= now) {
                        r.note(now, stepId, "done", "no wait needed");
                        stepId = d.next();
                        continue;
                    }
                    waitFor(r, "delay", due);
                    r.note(now, stepId, "waiting", "until " + Instant.ofEpochMilli(due));
                    return;
                }
                case Journey.Step.WaitUntil w -> {
                    if (w.condition() != null && holds(w.condition())) {
                        r.note(now, stepId, "done", "condition already met");
                        stepId = w.next();
                        continue;
                    }
                    r.waiting = EventCodec.mapper().createObjectNode().put("kind", w.event() != null ? "event" : "condition");
                    if (w.timeout() != null) waitFor(r, "timeout", now + w.timeout().toMillis());
                    r.note(now, stepId, "waiting", w.event() != null ? "for event " + w.event().event() : "for a condition");
                    return;
                }
                case Journey.Step.Branch b -> {
                    boolean yes = holds(b.condition());
                    r.note(now, stepId, "branch", yes ? "yes" : "no");
                    stepId = yes ? b.yes() : b.no();
                }
                case Journey.Step.Split sp -> {
                    int bucket = bucket(r.campaignId, personId);
                    if (bucket < sp.holdout()) {
                        r.holdout = true;
                        r.note(now, stepId, "holdout", "bucket " + bucket + " of the " + sp.holdout() + "% holdout");
                        r.finish(now, Run.COMPLETED, "holdout");
                        return;
                    }
                    int at = sp.holdout();
                    int path = 0;
                    for (int i = 0; i < sp.paths().size(); i++) {
                        at += sp.paths().get(i).weight();
                        if (bucket < at) {
                            path = i;
                            break;
                        }
                    }
                    r.variant = path;
                    r.note(now, stepId, "split", "path " + path);
                    stepId = sp.paths().get(path).next();
                }
                case Journey.Step.Update u -> {
                    update(r, u);
                    r.note(now, stepId, "updated", String.join(", ", u.set().keySet()));
                    stepId = u.next();
                }
                case Journey.Step.Exit x -> {
                    r.note(now, stepId, "exit", null);
                    r.finish(now, Run.COMPLETED, "completed");
                    return;
                }
            }
        }
        throw new IllegalStateException("journey of campaign " + r.campaignId + " did not stop: it must not loop");
    }

    private void waitFor(Run r, String purpose, long due) throws SQLException {
        ObjectNode data = EventCodec.mapper().createObjectNode().put("runId", r.id).put("step", r.step).put("purpose", purpose);
        String timer = Timers.schedule(batch.connection(), event.workspaceId(), personId, batch.partition(), due,
                CampaignStage.STEP_TIMER, data, now);
        if (r.waiting == null) r.waiting = EventCodec.mapper().createObjectNode().put("kind", purpose);
        r.waiting.put("timerId", timer).put("until", due);
    }

    private String queue(Run r, Journey j, String channel, ObjectNode message) {
        String id = "dlv_" + UuidCreator.getTimeOrderedEpoch().toString().replace("-", "");
        ObjectNode context = EventCodec.mapper().createObjectNode();
        context.set("event", r.journey().get("event"));
        context.set("journey", r.journey());
        context.putObject("campaign").put("id", r.campaignId).put("name", j.name()).put("version", r.version);
        context.putObject("policies").put("quietHours", j.policies().quietHours())
                .put("frequencyCap", j.policies().frequencyCap()).put("priority", j.policies().priority());
        cb.queueDelivery(new Object[] {id, r.workspaceId, personId, r.campaignId, r.version, r.id, r.step, channel,
                r.id + ":" + r.step + ":" + personId + ":" + channel, message.toString(), context.toString(),
                j.policies().priority(), now, now});
        r.lastMessageAt = now;
        if (j.goal() != null && j.goal().fromLastMessage()) r.goalDeadline = now + j.goal().within().toMillis();
        return id;
    }

    private void update(Run r, Journey.Step.Update u) throws SQLException {
        Map<String, JsonNode> values = new LinkedHashMap<>();
        Map<String, Object> context = null;
        for (Map.Entry<String, JsonNode> e : u.set().entrySet()) {
            JsonNode v = e.getValue();
            if (v.isTextual() && v.textValue().contains("{{")) {
                if (context == null) context = templateContext(r);
                v = TextNode.valueOf(Templates.render(v.textValue(), context));
            }
            values.put(e.getKey(), v);
        }
        List<String> changed = PersonCache.setAttributes(batch, personId, values);
        if (changed.isEmpty()) return;
        // Announced on the person's log, so segments and attribute-changed triggers see it in order.
        ObjectNode data = EventCodec.mapper().createObjectNode();
        ObjectNode set = data.putObject("values");
        for (String name : changed) set.set(name, values.get(name));
        Timers.schedule(batch.connection(), event.workspaceId(), personId, batch.partition(), now,
                CampaignStage.ATTRIBUTES_UPDATED, data, now);
    }

    private Map<String, Object> templateContext(Run r) throws SQLException {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("person", PersonCache.templateView(batch, personId));
        context.put("event", EventCodec.mapper().convertValue(r.journey().path("event"), Map.class));
        context.put("journey", EventCodec.mapper().convertValue(r.journey(), Map.class));
        return context;
    }

    /**
     * Schedules the date trigger of a campaign for the person's new attribute value, in place of the one pending
     * for them (a person has at most one pending date timer per campaign, however often the date changes).
     */
    void scheduleDate(CampaignIndex.Live c, JsonNode value) throws SQLException {
        Journey.Trigger.DateAttribute d = (Journey.Trigger.DateAttribute) c.journey().trigger();
        Launches.cancelDateTimers(batch.connection(), List.of(personId), c.id());
        Long due = value == null ? null : Times.nextDate(batch, personId, d, value, now);
        if (due == null) return;
        Timers.schedule(batch.connection(), event.workspaceId(), personId, batch.partition(), due,
                CampaignStage.DATE_TRIGGER, Launches.dateData(c.id(), d, value), now);
    }

    /** A duration as campaigns write it: {@code P7D} rather than {@code PT168H}. */
    private static String iso(java.time.Duration d) {
        return d.toSeconds() % 86_400 == 0 ? "P" + d.toDays() + "D" : d.toString();
    }

    /** 0–99, the same for a person and campaign every time (splits must not reshuffle people). */
    static int bucket(String campaignId, String personId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((campaignId + ":" + personId).getBytes(StandardCharsets.UTF_8));
            int v = ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
            return Math.floorMod(v, 100);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
