package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A workspace's campaigns as the processor matches them: trigger look-ups (event name → campaigns, segment →
 * campaigns, attribute → campaigns) over the current version of every campaign that is not a draft.
 */
final class CampaignIndex {
    static final CampaignIndex EMPTY = new CampaignIndex(List.of());

    /** A campaign's current version and lifecycle status. */
    record Live(String id, String name, int version, String status, Journey journey) {
        boolean active() {
            return Campaigns.ACTIVE.equals(status);
        }
    }

    final Map<String, Live> byId = new HashMap<>();
    final Map<String, List<Live>> byEvent = new HashMap<>();
    final Map<String, List<Live>> bySegmentEntered = new HashMap<>();
    final Map<String, List<Live>> bySegmentExited = new HashMap<>();
    final Map<String, List<Live>> byAttribute = new HashMap<>();
    final Map<String, List<Live>> byDateAttribute = new HashMap<>();

    CampaignIndex(List<Live> campaigns) {
        for (Live c : campaigns) {
            byId.put(c.id(), c);
            switch (c.journey().trigger()) {
                case Journey.Trigger.OnEvent e -> add(byEvent, e.event().event(), c);
                case Journey.Trigger.SegmentEntered s -> add(bySegmentEntered, s.segmentId(), c);
                case Journey.Trigger.SegmentExited s -> add(bySegmentExited, s.segmentId(), c);
                case Journey.Trigger.AttributeChanged a -> add(byAttribute, a.attribute(), c);
                case Journey.Trigger.DateAttribute d -> add(byDateAttribute, d.attribute(), c);
                case Journey.Trigger.Broadcast b -> { }
                case Journey.Trigger.Api a -> { }
            }
        }
    }

    private static void add(Map<String, List<Live>> m, String key, Live c) {
        m.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
    }

    /**
     * The active campaigns an event starts: by its name and {@code where} filters, by the segment it entered or
     * left, by the attributes it changed, or the one campaign a trigger timer names. The campaign stage's look-up
     * on every event (and {@link TriggerMatching}'s, for benchmarks).
     */
    List<Live> triggered(CampaignStage.Signal signal, Map<String, JsonNode> changed) {
        List<Live> out = new ArrayList<>();
        switch (signal) {
            case CampaignStage.Signal.Happened h -> {
                for (Live c : byEvent.getOrDefault(h.event(), List.of())) {
                    Journey.Trigger.OnEvent t = (Journey.Trigger.OnEvent) c.journey().trigger();
                    if (t.event().matches(h.event(), h.properties(), h.timestamp())) out.add(c);
                }
            }
            case CampaignStage.Signal.SegmentChange s -> out.addAll((s.entered() ? bySegmentEntered : bySegmentExited)
                    .getOrDefault(s.segmentId(), List.of()));
            case CampaignStage.Signal.Triggered t -> {
                Live c = byId.get(t.campaignId());
                if (c != null && matchesKind(c.journey().trigger(), t.kind())) out.add(c);
            }
            default -> { }
        }
        for (Map.Entry<String, JsonNode> a : changed.entrySet()) {
            for (Live c : byAttribute.getOrDefault(a.getKey(), List.of())) {
                JsonNode to = ((Journey.Trigger.AttributeChanged) c.journey().trigger()).to();
                if (to == null || (a.getValue() != null && to.asText().equals(a.getValue().asText()))) out.add(c);
            }
        }
        // A broadcast is not repeated: its moment coming while the campaign is paused holds the person at the start.
        out.removeIf(c -> !c.active() && !(Campaigns.PAUSED.equals(c.status())
                && c.journey().trigger() instanceof Journey.Trigger.Broadcast));
        return out;
    }

    private static boolean matchesKind(Journey.Trigger t, String kind) {
        return switch (kind) {
            case CampaignStage.API_TRIGGER -> t instanceof Journey.Trigger.Api;
            case CampaignStage.DATE_TRIGGER -> t instanceof Journey.Trigger.DateAttribute;
            case CampaignStage.BROADCAST -> t instanceof Journey.Trigger.Broadcast;
            default -> false;
        };
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }
}
