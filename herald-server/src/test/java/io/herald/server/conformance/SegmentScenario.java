package io.herald.server.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.EventCodec;
import io.herald.server.testing.TestHerald;
import io.herald.store.Sql;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The calls every Segment client conformance test sends, and the check that Herald stored each of them exactly
 * once, as its admin API shows them (API.md "Admin API → People").
 *
 * <p>Three people: Ada and Bob identify and then track; Cy first browses anonymously (a trait and an event under
 * an anonymousId), then identifies with both ids and tracks as a known user, so everything from the anonymous
 * visit must end up on Cy.
 *
 * <p>The expected outcome does not depend on the order in which Herald receives the client's requests: no trait is
 * set twice, and the anonymous visit merges into Cy whichever comes first. Clients may reorder: analytics-node
 * sends its batches concurrently, so a later batch can arrive first.
 */
final class SegmentScenario {
    static final String ADA = "u_ada";
    static final String BOB = "u_bob";
    static final String CY = "u_cy";
    static final String CY_ANONYMOUS = "a_cy_browser";

    /** One Segment call; {@code fields} are the traits of an identify or the properties of a track. */
    record Call(String type, String userId, String anonymousId, String messageId, String event,
                Map<String, Object> fields) {
        /** The person the call ends up on. */
        String owner() {
            if (userId != null) return userId;
            if (CY_ANONYMOUS.equals(anonymousId)) return CY; // Cy's visit before identifying
            throw new IllegalStateException("no owner known for anonymous id " + anonymousId);
        }
    }

    private SegmentScenario() {
    }

    /** The scenario's calls in sending order; message ids start with {@code idPrefix}. */
    static List<Call> calls(String idPrefix) {
        List<Call> calls = new ArrayList<>();
        Ids ids = new Ids(idPrefix);
        calls.add(identify(ids, ADA, null, map("name", "Ada Lovelace", "plan", "pro", "seats", 3, "beta", true,
                "company", map("name", "Analytical Engines", "size", 50))));
        calls.add(track(ids, ADA, null, "report_exported", map("format", "csv", "rows", 120)));
        calls.add(identify(ids, BOB, null, map("name", "Bob", "plan", "free")));
        calls.add(track(ids, BOB, null, "signed_in", map("method", "sso")));
        calls.add(track(ids, null, CY_ANONYMOUS, "pricing_viewed",
                map("plan", "team", "currency", "EUR")));
        calls.add(identify(ids, null, CY_ANONYMOUS, map("referrer", "newsletter")));
        calls.add(track(ids, ADA, null, "report_exported", map("format", "pdf", "rows", 7)));
        calls.add(identify(ids, CY, CY_ANONYMOUS, map("email", "cy@example.com", "plan", "trial")));
        calls.add(track(ids, BOB, null, "limit_reached", map("resource", "contacts", "limit", 100)));
        calls.add(track(ids, CY, null, "trial_started", map("days", 14, "tags", List.of("a", "b"))));
        calls.add(track(ids, ADA, null, "project_created", map("template", "blank", "shared", false)));
        calls.add(identify(ids, BOB, null, map("seats", 2, "company", map("name", "Bobco"))));
        return calls;
    }

    /** The calls as the JSON array {@code send.mjs} reads. */
    static String toJson(List<Call> calls) {
        ArrayNode array = EventCodec.mapper().createArrayNode();
        for (Call c : calls) {
            ObjectNode o = array.addObject();
            o.put("type", c.type());
            if (c.userId() != null) o.put("userId", c.userId());
            if (c.anonymousId() != null) o.put("anonymousId", c.anonymousId());
            o.put("messageId", c.messageId());
            if (c.event() != null) o.put("event", c.event());
            o.set(c.type().equals("identify") ? "traits" : "properties", EventCodec.mapper().valueToTree(c.fields()));
        }
        return array.toString();
    }

    /**
     * Asserts that Herald holds every call exactly once, on the right person, with its traits or properties, and
     * nothing else: no stray person, no extra event.
     *
     * @param sentFrom when the client started sending; every stored timestamp (skew-corrected) lies after it
     */
    static void assertEachCallStoredOnce(TestHerald h, List<Call> calls, Instant sentFrom) {
        Map<String, List<Call>> byOwner = new LinkedHashMap<>();
        for (Call c : calls) byOwner.computeIfAbsent(c.owner(), k -> new ArrayList<>()).add(c);

        long logged = h.herald().logDatabase().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM event_log",
                rs -> rs.getLong(1))).orElseThrow();
        assertThat(logged).as("rows in the event log").isEqualTo(calls.size());

        TestHerald.Answer people = h.admin("/api/v1/people?limit=1000");
        assertThat(people.status()).as(people.body()).isEqualTo(200);
        List<String> userIds = new ArrayList<>();
        people.json().path("data").forEach(p -> userIds.add(p.path("userId").asText(null)));
        assertThat(userIds).as("people Herald holds (the anonymous visitor must have merged into " + CY + ")")
                .containsExactlyInAnyOrderElementsOf(byOwner.keySet());

        byOwner.forEach((userId, theirs) -> assertPerson(h, userId, theirs, sentFrom));

        TestHerald.Answer byAnonymousId = h.admin("/api/v1/people?anonymousId=" + CY_ANONYMOUS);
        assertThat(byAnonymousId.status()).as(byAnonymousId.body()).isEqualTo(200);
        assertThat(byAnonymousId.json().path("data").path(0).path("userId").asText(null))
                .as("person found by the anonymous id").isEqualTo(CY);
    }

    private static void assertPerson(TestHerald h, String userId, List<Call> theirs, Instant sentFrom) {
        TestHerald.Answer person = h.admin("/api/v1/people/" + userId);
        assertThat(person.status()).as("GET person %s: %s", userId, person.body()).isEqualTo(200);
        ObjectNode expectedAttributes = EventCodec.mapper().createObjectNode();
        Set<String> anonymousIds = new LinkedHashSet<>();
        for (Call c : theirs) {
            if (c.type().equals("identify")) {
                expectedAttributes.setAll((ObjectNode) EventCodec.mapper().valueToTree(c.fields()));
            }
            if (c.anonymousId() != null) anonymousIds.add(c.anonymousId());
        }
        assertThat(person.json().path("attributes")).as("attributes of %s", userId).isEqualTo(expectedAttributes);
        List<String> storedAnonymousIds = new ArrayList<>();
        person.json().path("anonymousIds").forEach(a -> storedAnonymousIds.add(a.asText()));
        assertThat(storedAnonymousIds).as("anonymous ids of %s", userId)
                .containsExactlyInAnyOrderElementsOf(anonymousIds);

        TestHerald.Answer events = h.admin("/api/v1/people/" + userId + "/events?limit=1000");
        assertThat(events.status()).as(events.body()).isEqualTo(200);
        Map<String, JsonNode> stored = new LinkedHashMap<>();
        List<String> storedIds = new ArrayList<>();
        for (JsonNode e : events.json().path("data")) {
            storedIds.add(e.path("id").asText());
            stored.put(e.path("id").asText(), e);
        }
        // A list, not a set: a call stored twice shows up as a duplicate here.
        assertThat(storedIds).as("message ids of %s's events", userId)
                .containsExactlyInAnyOrderElementsOf(theirs.stream().map(Call::messageId).toList());
        for (Call c : theirs) {
            JsonNode e = stored.get(c.messageId());
            String what = c.type() + " " + c.messageId() + " of " + userId;
            assertThat(e.path("type").asText()).as("type of %s", what).isEqualTo(c.type());
            if (c.event() != null) assertThat(e.path("event").asText()).as("event of %s", what).isEqualTo(c.event());
            String fields = c.type().equals("identify") ? "traits" : "properties";
            assertThat(e.path(fields)).as("%s of %s", fields, what)
                    .isEqualTo(EventCodec.mapper().valueToTree(c.fields()));
            Instant timestamp = Instant.parse(e.path("timestamp").asText());
            Instant receivedAt = Instant.parse(e.path("receivedAt").asText());
            assertThat(timestamp).as("skew-corrected timestamp of %s", what)
                    .isBetween(sentFrom.minusSeconds(1), receivedAt);
        }
    }

    private static Call identify(Ids ids, String userId, String anonymousId, Map<String, Object> traits) {
        return new Call("identify", userId, anonymousId, ids.next(), null, traits);
    }

    private static Call track(Ids ids, String userId, String anonymousId, String event,
                              Map<String, Object> properties) {
        return new Call("track", userId, anonymousId, ids.next(), event, properties);
    }

    /** A map from alternating keys and values, in the order written, so the JSON sent reads like the code. */
    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    private static final class Ids {
        private final String prefix;
        private int n;

        Ids(String prefix) {
            this.prefix = prefix;
        }

        String next() {
            return "%s-msg-%02d".formatted(prefix, ++n);
        }
    }
}
