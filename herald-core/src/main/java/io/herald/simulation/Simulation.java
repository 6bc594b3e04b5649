package io.herald.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.ingest.CallKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What to simulate: a campaign, the segments and topics it may read, people as they are at the start, and a
 * timeline of what they do, over a span of virtual time. Built by {@link #parse} from the JSON of
 * {@code POST /campaigns/simulate} (or the CLI's files) and run by {@link Simulator#run}.
 *
 * @param campaignId the id the campaign runs under (a split assigns people by campaign id): a saved campaign's own
 * @param campaignField where the campaign stands in the request ({@code campaign}), prefixed to the fields its errors
 *                   name; null when it is not in the request (a saved campaign)
 * @param segments   segments given with the request (in its order); others are looked up in {@code lookup}
 * @param until      when the simulation stops; null for the default (see {@link Simulator})
 */
public record Simulation(String campaignId, JsonNode campaign, String campaignField, List<SegmentDefinition> segments,
                         List<PersonSeed> people, List<Entry> timeline, Instant start, Instant until, Lookup lookup) {

    /** The campaign id an inline campaign runs under. */
    public static final String INLINE_CAMPAIGN_ID = "cmp_simulated";

    public Simulation {
        segments = List.copyOf(segments);
        people = List.copyOf(people);
        timeline = List.copyOf(timeline);
    }

    /** A segment to copy into the simulation's store under its own id; {@code body} as {@code POST /segments} takes it. */
    public record SegmentDefinition(String id, JsonNode body) {
    }

    /** A topic to copy into the simulation's store; {@code body} as {@code POST /topics} takes it. */
    public record TopicDefinition(String key, JsonNode body) {
    }

    /**
     * Where segments and topics the request does not carry come from: the caller's workspace on the server, nothing
     * for the command line.
     */
    public interface Lookup {
        Lookup NONE = new Lookup() {
            public Optional<SegmentDefinition> segment(String id) {
                return Optional.empty();
            }

            public Optional<TopicDefinition> topic(String key) {
                return Optional.empty();
            }
        };

        Optional<SegmentDefinition> segment(String id);

        Optional<TopicDefinition> topic(String key);
    }

    /** A person as they are when the simulation starts. */
    public record PersonSeed(String userId, ObjectNode attributes, List<ObjectNode> devices) {
    }

    /**
     * One thing a person does, at its instant: {@code call} is the tracking call (Segment spec) it becomes, or for
     * {@code trigger} the body of {@code POST /campaigns/{id}/trigger}.
     *
     * @param index where it stood in the request's timeline, for error fields ({@code timeline[3].at})
     */
    public record Entry(int index, Instant at, String type, String userId, CallKind kind, ObjectNode call) {
        public boolean isTrigger() {
            return kind == null;
        }
    }

    /**
     * Reads a simulation request: {@code {campaign?, timeline, people?, segments?, start?, until?}}. A mistake is a
     * 400 naming the field ({@code timeline[3].at}); the campaign itself is validated when it runs.
     *
     * @param now the start when the request names none
     */
    public static Simulation parse(JsonNode body, Instant now, Simulator.Limits limits) {
        return Inputs.parse(body, now, limits);
    }

    /** The same simulation of a saved campaign: its id and current definition. */
    public Simulation ofSaved(String id, JsonNode definition) {
        return new Simulation(id, definition, null, segments, people, timeline, start, until, lookup);
    }

    /** The same simulation, finding segments and topics the request does not carry in {@code newLookup}. */
    public Simulation withLookup(Lookup newLookup) {
        return new Simulation(campaignId, campaign, campaignField, segments, people, timeline, start, until, newLookup);
    }
}
