package io.herald.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.campaign.CampaignMetrics;
import io.herald.campaign.Campaigns;
import io.herald.campaign.Deliveries;
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
import java.util.Map;
import java.util.Set;
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

    /** A campaign: what Herald keeps about it, then its current version's definition as it was sent. */
    static ObjectNode campaign(Campaigns.Campaign c) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", c.id());
        o.put("key", c.key());
        o.put("name", c.name());
        o.put("status", c.status());
        o.put("version", c.version());
        c.definition().fields().forEachRemaining(f -> {
            if (!Set.of("name", "key").contains(f.getKey())) o.set(f.getKey(), f.getValue());
        });
        o.put("createdAt", iso(c.createdAt()));
        o.put("updatedAt", iso(c.updatedAt()));
        return o;
    }

    static ObjectNode run(Campaigns.RunView r) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", r.id());
        o.put("campaignId", r.campaignId());
        o.put("campaignName", r.campaignName());
        o.put("version", r.version());
        o.put("userId", r.userId());
        o.put("status", r.status());
        o.put("step", r.step());
        if (r.waiting() == null) {
            o.putNull("waiting");
        } else {
            ObjectNode w = o.putObject("waiting");
            w.put("kind", r.waiting().path("kind").asText());
            w.put("until", r.waiting().hasNonNull("until") ? iso(r.waiting().get("until").asLong()) : null);
        }
        o.put("variant", r.variant());
        o.put("holdout", r.holdout());
        o.put("enteredAt", iso(r.enteredAt()));
        o.put("finishedAt", r.finishedAt() == null ? null : iso(r.finishedAt()));
        o.put("exitReason", r.exitReason());
        o.put("convertedAt", r.convertedAt() == null ? null : iso(r.convertedAt()));
        o.set("event", r.journey().path("event").isObject() ? r.journey().get("event") : null);
        o.set("data", r.journey().path("data").isObject() ? r.journey().get("data") : EventCodec.mapper().createObjectNode());
        ArrayNode path = o.putArray("path");
        for (Campaigns.PathEntry e : r.path()) {
            ObjectNode p = path.addObject();
            p.put("at", iso(e.at()));
            p.put("step", e.step());
            p.put("outcome", e.outcome());
            p.put("detail", e.detail());
        }
        return o;
    }

    static ObjectNode delivery(Deliveries.Delivery d) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("id", d.id());
        o.put("campaignId", d.campaignId());
        o.put("version", d.version());
        o.put("runId", d.runId());
        o.put("step", d.step());
        o.put("channel", d.channel());
        o.put("status", d.status());
        if (d.reason() != null) o.put("reason", d.reason());
        o.set("content", d.content());
        o.put("createdAt", iso(d.createdAt()));
        o.put("updatedAt", iso(d.updatedAt()));
        o.put("convertedAt", d.convertedAt() == null ? null : iso(d.convertedAt()));
        return o;
    }

    static ObjectNode metrics(CampaignMetrics.Report r) {
        ObjectNode o = EventCodec.mapper().createObjectNode();
        o.put("from", iso(r.from()));
        o.put("to", iso(r.to()));
        o.put("by", "day");
        o.set("totals", counts(EventCodec.mapper().createObjectNode(), r.totals()));
        ArrayNode steps = o.putArray("steps");
        for (CampaignMetrics.StepCounts s : r.steps()) {
            ObjectNode step = steps.addObject().put("step", s.step());
            if (s.variant() != null) step.put("variant", s.variant());
            counts(step, s.counts());
        }
        ArrayNode series = o.putArray("series");
        for (CampaignMetrics.Day d : r.series()) counts(series.addObject().put("date", d.date().toString()), d.counts());
        return o;
    }

    private static ObjectNode counts(ObjectNode o, CampaignMetrics.Counts c) {
        c.metrics().forEach(o::put);
        ObjectNode by = o.putObject("suppressedBy");
        for (Map.Entry<String, Long> e : c.suppressedBy().entrySet()) by.put(e.getKey(), e.getValue());
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
