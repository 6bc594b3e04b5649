package io.herald.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which campaigns an event starts, found exactly as the campaign stage finds them on every event it processes
 * ({@link CampaignStage#signal}, then {@link CampaignIndex#triggered}), over campaigns given as API JSON instead of
 * read from a store. For benchmarks (herald-bench {@code TriggerMatchingBenchmark}) and tools; the engine itself
 * never goes through this class.
 */
public final class TriggerMatching {
    private final CampaignIndex index;

    /** A campaign as the index holds it: its id, lifecycle status (active, paused, archived) and definition. */
    public record Campaign(String id, String status, JsonNode definition) {
    }

    private TriggerMatching(CampaignIndex index) {
        this.index = index;
    }

    /**
     * Parses and validates each definition (a 400-style {@link io.herald.error.ClientError} names the field at fault)
     * and builds the index of their current versions, as the catalog does for a workspace.
     */
    public static TriggerMatching of(List<Campaign> campaigns) {
        List<CampaignIndex.Live> live = new ArrayList<>(campaigns.size());
        for (Campaign c : campaigns) {
            Journey journey = JourneyParser.parse(c.definition());
            live.add(new CampaignIndex.Live(c.id(), journey.name(), 1, c.status(), journey));
        }
        return new TriggerMatching(new CampaignIndex(live));
    }

    /**
     * The ids of the active campaigns the event starts, in the order the stage would enter them.
     *
     * @param changedAttributes what the profile stage found the event changed (name → new value, null when removed);
     *                          empty for events that change no attribute
     */
    public List<String> triggered(Event event, Map<String, JsonNode> changedAttributes) {
        List<CampaignIndex.Live> found = index.triggered(CampaignStage.signal(event),
                CampaignStage.changedAttributes(changedAttributes, event));
        if (found.isEmpty()) return List.of();
        List<String> ids = new ArrayList<>(found.size());
        for (CampaignIndex.Live c : found) ids.add(c.id());
        return ids;
    }
}
