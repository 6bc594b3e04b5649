package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmarks' entry point finds what the campaign stage would start: filters, segments, attributes, status. */
class TriggerMatchingTest {
    static final String STEPS = "\"start\":\"m\",\"steps\":{\"m\":{\"type\":\"message\",\"channel\":\"in_app\","
            + "\"message\":{\"title\":\"Hi\"},\"next\":\"x\"},\"x\":{\"type\":\"exit\"}}";

    static TriggerMatching.Campaign campaign(String id, String status, String trigger) {
        return new TriggerMatching.Campaign(id, status,
                CampaignScenarioTest.json("{\"name\":\"" + id + "\",\"trigger\":" + trigger + "," + STEPS + "}"));
    }

    static Event event(Payload payload) {
        return new Event("ws", 0, 1, "m1", "u1", null, 1_000, 1_000, null, payload);
    }

    static Event track(String name, String properties) {
        return event(new Payload.Track(name, (ObjectNode) CampaignScenarioTest.json(properties)));
    }

    @Test
    void findsTheActiveCampaignsAnEventStartsAsTheStageDoes() {
        TriggerMatching m = TriggerMatching.of(List.of(
                campaign("pro_limit", "active", "{\"event\":\"limit_reached\",\"where\":[{\"property\":\"plan\",\"op\":\"eq\",\"value\":\"pro\"}]}"),
                campaign("any_limit", "active", "{\"event\":\"limit_reached\"}"),
                campaign("paused_limit", "paused", "{\"event\":\"limit_reached\"}"),
                campaign("entered", "active", "{\"segmentEntered\":\"seg_1\"}"),
                campaign("gold", "active", "{\"attributeChanged\":\"tier\",\"to\":\"gold\"}"),
                campaign("api", "active", "{\"api\":true}")));

        assertThat(m.triggered(track("limit_reached", "{\"plan\":\"pro\"}"), Map.of()))
                .containsExactly("pro_limit", "any_limit");
        assertThat(m.triggered(track("limit_reached", "{\"plan\":\"free\"}"), Map.of())).containsExactly("any_limit");
        assertThat(m.triggered(track("signed_up", "{}"), Map.of())).isEmpty();

        ObjectNode segment = EventCodec.mapper().createObjectNode().put("segmentId", "seg_1");
        assertThat(m.triggered(event(new Payload.TimerFired("p1", "t1", "segment.entered", segment)), Map.of()))
                .containsExactly("entered");
        assertThat(m.triggered(event(new Payload.TimerFired("p1", "t2", "segment.exited", segment)), Map.of()))
                .isEmpty();

        Event identify = event(new Payload.Identify(EventCodec.mapper().createObjectNode()));
        assertThat(m.triggered(identify, Map.<String, JsonNode>of("tier", TextNode.valueOf("gold"))))
                .containsExactly("gold");
        assertThat(m.triggered(identify, Map.<String, JsonNode>of("tier", TextNode.valueOf("silver")))).isEmpty();
    }
}
