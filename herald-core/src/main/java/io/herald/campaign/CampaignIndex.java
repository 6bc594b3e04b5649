package io.herald.campaign;

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

    boolean isEmpty() {
        return byId.isEmpty();
    }
}
