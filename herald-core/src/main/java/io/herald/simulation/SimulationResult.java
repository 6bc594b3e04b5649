package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import java.time.Instant;
import java.util.List;

/**
 * What a simulation found: for each person, the runs they made through the campaign (each with its path of steps,
 * skips with their reasons), the deliveries it would have made and when, and how the person ended up. Nothing was
 * sent: deliveries stay in the simulation's scratch outbox, which is gone with it.
 */
public record SimulationResult(String campaignId, String campaignName, Instant start, Instant until,
                               List<PersonResult> people, Stats stats, List<String> warnings) {

    public SimulationResult {
        people = List.copyOf(people);
        warnings = List.copyOf(warnings);
    }

    /**
     * One person at the end of the simulation.
     *
     * @param refused the times the campaign's trigger matched them but its entry rules or audience kept them out
     */
    public record PersonResult(String userId, JsonNode attributes, List<Membership> segments, List<RunResult> runs,
                               List<Refusal> refused, List<Delivery> deliveries) {
    }

    /** A triggered entry the campaign refused, and why ("not in the campaign's audience"). */
    public record Refusal(Instant at, String reason) {
    }

    public record Membership(String id, String name, Instant enteredAt) {
    }

    /** One run through the campaign, as {@code GET /campaigns/{id}/runs} shows it. */
    public record RunResult(String id, int version, Integer variant, boolean holdout, String status, String step,
                            Instant enteredAt, Instant finishedAt, String exitReason, Instant convertedAt,
                            List<PathStep> path) {
    }

    /** A step the run reached and what happened there ({@code skipped}, with the reason in {@code detail}). */
    public record PathStep(Instant at, String step, String outcome, String detail) {
    }

    /** A message the campaign queued: what the delivery pipeline would have sent (the message as the step defines it). */
    public record Delivery(String id, Instant at, String runId, String step, String channel, JsonNode message) {
    }

    /** How much was simulated and how long it took (wall time). */
    public record Stats(int events, int timersFired, long wallMillis) {
    }

    public ObjectNode toJson() {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        ObjectNode campaign = o.putObject("campaign");
        campaign.put("id", campaignId);
        campaign.put("name", campaignName);
        o.put("start", start.toString());
        o.put("until", until.toString());
        ArrayNode ps = o.putArray("people");
        for (PersonResult p : people) {
            ObjectNode po = ps.addObject();
            po.put("userId", p.userId());
            po.set("attributes", p.attributes());
            ArrayNode segs = po.putArray("segments");
            for (Membership m : p.segments()) {
                segs.addObject().put("id", m.id()).put("name", m.name()).put("enteredAt", m.enteredAt().toString());
            }
            ArrayNode runs = po.putArray("runs");
            for (RunResult r : p.runs()) {
                ObjectNode ro = runs.addObject();
                ro.put("id", r.id());
                ro.put("version", r.version());
                if (r.variant() == null) ro.putNull("variant");
                else ro.put("variant", r.variant());
                ro.put("holdout", r.holdout());
                ro.put("status", r.status());
                ro.put("step", r.step());
                ro.put("enteredAt", r.enteredAt().toString());
                putInstant(ro, "finishedAt", r.finishedAt());
                ro.put("exitReason", r.exitReason());
                putInstant(ro, "convertedAt", r.convertedAt());
                ArrayNode path = ro.putArray("path");
                for (PathStep s : r.path()) {
                    path.addObject().put("at", s.at().toString()).put("step", s.step()).put("outcome", s.outcome())
                            .put("detail", s.detail());
                }
            }
            ArrayNode refused = po.putArray("refused");
            for (Refusal x : p.refused()) refused.addObject().put("at", x.at().toString()).put("reason", x.reason());
            ArrayNode ds = po.putArray("deliveries");
            for (Delivery d : p.deliveries()) {
                ObjectNode dn = ds.addObject().put("id", d.id()).put("at", d.at().toString()).put("runId", d.runId())
                        .put("step", d.step()).put("channel", d.channel());
                dn.set("message", d.message());
            }
        }
        o.putObject("stats").put("events", stats.events()).put("timersFired", stats.timersFired())
                .put("wallMillis", stats.wallMillis());
        ArrayNode w = o.putArray("warnings");
        warnings.forEach(w::add);
        return o;
    }

    private static void putInstant(ObjectNode o, String field, Instant value) {
        if (value == null) o.putNull(field);
        else o.put(field, value.toString());
    }
}
