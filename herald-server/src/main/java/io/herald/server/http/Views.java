package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.person.Device;
import io.herald.person.People;
import io.herald.person.Person;
import io.herald.person.PersonEvent;
import io.herald.store.Page;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/** The admin API's JSON shapes (API.md "Admin API → People"); times as ISO-8601 instants. */
final class Views {
    private Views() {
    }

    static ObjectNode person(Person p) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", p.id());
        o.put("userId", p.userId());
        ArrayNode userIds = o.putArray("userIds");
        p.userIds().forEach(userIds::add);
        ArrayNode anon = o.putArray("anonymousIds");
        p.anonymousIds().forEach(anon::add);
        o.set("attributes", p.attributes());
        o.put("createdAt", iso(p.createdAt()));
        o.put("lastSeenAt", iso(p.lastSeenAt()));
        o.put("timezone", p.timezone());
        o.put("locale", p.locale());
        o.set("devices", list(p.devices(), Views::device));
        o.putArray("segments"); // filled once segments exist (issue: real-time segmentation)
        return o;
    }

    static ObjectNode device(Device d) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", d.id());
        o.put("token", d.token());
        o.put("platform", d.platform());
        o.put("provider", d.provider());
        o.put("appId", d.appId());
        o.put("pushEnabled", d.pushEnabled());
        o.put("createdAt", iso(d.createdAt()));
        o.put("updatedAt", iso(d.updatedAt()));
        return o;
    }

    static ObjectNode event(PersonEvent e) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", e.id());
        o.put("type", e.type());
        if (e.event() != null) o.put("event", e.event());
        if (e.name() != null) o.put("name", e.name());
        if (e.properties() != null) o.set(e.type().equals("identify") || e.type().equals("group")
                ? "traits" : "properties", e.properties());
        if (e.context() != null) o.set("context", e.context());
        o.put("timestamp", iso(e.timestamp()));
        o.put("receivedAt", iso(e.receivedAt()));
        return o;
    }

    static ObjectNode export(People.Export x) {
        ObjectNode o = person(x.person());
        o.set("events", list(x.events(), Views::event));
        return o;
    }

    static <T> ObjectNode page(Page<T> page, Function<T, ObjectNode> view) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.set("data", list(page.data(), view));
        o.put("next", page.next());
        return o;
    }

    static <T> ArrayNode list(List<T> items, Function<T, ObjectNode> view) {
        ArrayNode a = EventCodec.mapper().createArrayNode();
        items.forEach(i -> a.add(view.apply(i)));
        return a;
    }

    static String iso(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
