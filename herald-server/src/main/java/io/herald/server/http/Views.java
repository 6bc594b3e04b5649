package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.person.Device;
import io.herald.person.People;
import io.herald.person.Person;
import io.herald.person.PersonEvent;
import io.herald.preference.Topics;
import io.herald.segment.Segments;
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
        o.putArray("segments"); // the admin API fills it from the person's memberships
        return o;
    }

    static ObjectNode membership(Segments.Membership m) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", m.id());
        o.put("name", m.name());
        o.put("enteredAt", iso(m.enteredAt()));
        return o;
    }

    static ObjectNode segment(Segments.Segment s) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", s.id());
        o.put("key", s.key());
        o.put("name", s.name());
        o.put("description", s.description());
        o.set("condition", s.condition());
        o.put("status", s.status());
        ObjectNode progress = o.putObject("progress");
        progress.put("done", s.peopleDone());
        progress.put("total", s.peopleTotal());
        progress.put("percent", s.peopleTotal() == 0 ? (s.status().equals("ready") ? 100.0 : 0.0)
                : Math.floor(1000.0 * s.peopleDone() / s.peopleTotal()) / 10);
        o.put("createdAt", iso(s.createdAt()));
        o.put("updatedAt", iso(s.updatedAt()));
        o.put("computedAt", s.computedAt() == null ? null : iso(s.computedAt()));
        return o;
    }

    static ObjectNode topic(Topics.Topic t) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("key", t.key());
        o.put("name", t.name());
        o.put("defaultOptIn", t.defaultOptIn());
        o.put("createdAt", iso(t.createdAt()));
        return o;
    }

    static ObjectNode member(Segments.Member m) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("userId", m.userId());
        ArrayNode anon = o.putArray("anonymousIds");
        m.anonymousIds().forEach(anon::add);
        o.put("personId", m.personId());
        o.put("enteredAt", iso(m.enteredAt()));
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
        if (e.properties() != null) o.set(switch (e.type()) {
            case "identify", "group" -> "traits";
            case "preferences" -> "preferences";
            default -> "properties";
        }, e.properties());
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
