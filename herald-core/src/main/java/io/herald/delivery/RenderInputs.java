package io.herald.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.message.RenderContext;
import io.herald.preference.Links;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a claimed delivery's message is rendered with: the person, the trigger event, the journey and its links. */
final class RenderInputs {
    private RenderInputs() {
    }

    static RenderContext of(Claimed d, Person p, Links links) {
        Map<String, Object> delivery = new HashMap<>(links.forDelivery(d.workspaceId(), d.personId(), d.id(), d.channel(),
                d.topic()));
        delivery.put("id", d.id());
        return new RenderContext(p.view(), RenderContext.eventView(d.context().get("event")), map(d.context().get("journey")),
                map(d.context().get("campaign")), delivery, p.locale(), p.timezone(), d.bucketKey());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(JsonNode n) {
        if (!(n instanceof ObjectNode)) return new HashMap<>();
        return (Map<String, Object>) plain(n);
    }

    /**
     * The tree as plain Java values, the ones {@code convertValue(n, Map.class)} gives (LinkedHashMap, ArrayList,
     * String, the node's own Number, Boolean, null) without its detour through a token stream, which was ~6% of a
     * delivery's CPU in the pipeline.
     */
    static Object plain(JsonNode n) {
        return switch (n.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : n.properties()) out.put(e.getKey(), plain(e.getValue()));
                yield out;
            }
            case ARRAY -> {
                List<Object> out = new ArrayList<>(n.size());
                for (JsonNode item : n) out.add(plain(item));
                yield out;
            }
            case STRING -> n.textValue();
            case NUMBER -> n.numberValue();
            case BOOLEAN -> n.booleanValue();
            case NULL, MISSING -> null;
            case BINARY, POJO -> EventCodec.mapper().convertValue(n, Object.class);
        };
    }
}
