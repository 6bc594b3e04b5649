package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.campaign.Campaigns;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.preference.Topics;
import io.herald.segment.Segments;
import java.time.InstantSource;
import java.util.Optional;

/**
 * The admin API's simulations: a saved campaign (a draft too) or one given inline, simulated with the segments and
 * topics of the caller's workspace. Reads the workspace, never changes it: everything runs in the simulator's
 * scratch store.
 */
public final class Simulations {
    private final Campaigns campaigns;
    private final Segments segments;
    private final Topics topics;
    private final InstantSource clock;
    private final Simulator simulator;

    public Simulations(Campaigns campaigns, Segments segments, Topics topics, InstantSource clock, Simulator simulator) {
        this.campaigns = campaigns;
        this.segments = segments;
        this.topics = topics;
        this.clock = clock;
        this.simulator = simulator;
    }

    /** {@code POST /campaigns/{id}/simulate {timeline, people?, segments?, start?, until?}}: the campaign's current version. */
    public SimulationResult saved(String workspaceId, String campaignId, JsonNode body) {
        Simulation sim = Simulation.parse(body, clock.instant(), simulator.limits());
        if (sim.campaign() != null) {
            throw ClientError.invalid("campaign", "this simulates the saved campaign " + campaignId
                    + "; POST /campaigns/simulate simulates a campaign given in the request");
        }
        Campaigns.Campaign c = campaigns.get(workspaceId, campaignId);
        return simulator.run(sim.ofSaved(c.id(), c.definition()).withLookup(lookup(workspaceId)));
    }

    /** {@code POST /campaigns/simulate {campaign, timeline, people?, segments?, start?, until?}}. */
    public SimulationResult inline(String workspaceId, JsonNode body) {
        Simulation sim = Simulation.parse(body, clock.instant(), simulator.limits());
        if (sim.campaign() == null) throw ClientError.missing("campaign");
        return simulator.run(sim.withLookup(lookup(workspaceId)));
    }

    /** The workspace's segments and topics, read when a simulation needs them. */
    private Simulation.Lookup lookup(String workspaceId) {
        return new Simulation.Lookup() {
            public Optional<Simulation.SegmentDefinition> segment(String id) {
                try {
                    Segments.Segment s = segments.get(workspaceId, id);
                    ObjectNode body = EventCodec.mapper().createObjectNode().put("name", s.name());
                    body.set("condition", s.condition());
                    return Optional.of(new Simulation.SegmentDefinition(s.id(), body));
                } catch (ClientError e) {
                    if (e.status() != 404) throw e;
                    return Optional.empty();
                }
            }

            public Optional<Simulation.TopicDefinition> topic(String key) {
                try {
                    Topics.Topic t = topics.get(workspaceId, key);
                    ObjectNode body = EventCodec.mapper().createObjectNode().put("key", t.key()).put("name", t.name())
                            .put("defaultOptIn", t.defaultOptIn());
                    return Optional.of(new Simulation.TopicDefinition(t.key(), body));
                } catch (ClientError e) {
                    if (e.status() != 404) throw e;
                    return Optional.empty();
                }
            }
        };
    }
}
