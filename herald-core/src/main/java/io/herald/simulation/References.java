package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What a campaign's and segments' JSON refer to: segments (by id, with the field naming each, for errors), topics,
 * and the longest duration any condition reads (a time window can flip a segment that long after an event). Read
 * from the JSON rather than the parsed model so that each reference keeps its path.
 */
final class References {
    /** A reference to a segment at a field ({@code steps.b.condition.and[1].segment}). */
    record SegmentRef(String segmentId, String field) {
    }

    final List<SegmentRef> segments = new ArrayList<>();
    final List<String> topics = new ArrayList<>();
    Duration longestWindow = Duration.ZERO;

    /**
     * The references of a campaign: its trigger, audience, exit rule, and every step's when and condition; their
     * fields under {@code prefix} (null: none).
     */
    static References ofCampaign(JsonNode campaign, String prefix) {
        References r = new References();
        String p = prefix == null ? "" : prefix + ".";
        JsonNode t = campaign.path("trigger");
        for (String f : List.of("segmentEntered", "segmentExited")) {
            if (t.path(f).isTextual()) r.segments.add(new SegmentRef(t.get(f).textValue(), p + "trigger." + f));
        }
        if (t.path("broadcast").path("segment").isTextual()) {
            r.segments.add(new SegmentRef(t.get("broadcast").get("segment").textValue(), p + "trigger.broadcast.segment"));
        }
        for (String f : List.of("audience", "exitWhen")) {
            if (campaign.has(f)) r.condition(campaign.get(f), p + f);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = campaign.path("steps").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            for (String f : List.of("when", "condition")) {
                if (s.getValue().has(f)) r.condition(s.getValue().get(f), p + "steps." + s.getKey() + "." + f);
            }
        }
        return r;
    }

    /** Adds the references of a condition found at {@code field}. */
    void condition(JsonNode c, String field) {
        if (c == null) return;
        if (c.isObject()) {
            if (c.path("segment").isTextual()) segments.add(new SegmentRef(c.get("segment").textValue(), field + ".segment"));
            if (c.path("subscribed").path("topic").isTextual()) topics.add(c.get("subscribed").get("topic").textValue());
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                condition(f.getValue(), field + "." + f.getKey());
            }
        } else if (c.isArray()) {
            for (int i = 0; i < c.size(); i++) condition(c.get(i), field + "[" + i + "]");
        } else if (c.isTextual()) {
            Duration d = Inputs.offset(c.textValue());
            if (d != null && d.compareTo(longestWindow) > 0) longestWindow = d;
        }
    }
}
