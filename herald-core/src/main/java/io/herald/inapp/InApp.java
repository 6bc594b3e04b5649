package io.herald.inapp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.DeliveryProgress;
import io.herald.error.ClientError;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.ingest.Ingest;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * In-app messages as the person's own clients see them: the eligible set, what the person did with a message
 * (shown, clicked, dismissed, submitted, step reached), and an admin's recall. Identity is settled by the caller:
 * every method takes the person it acts for and finds nothing of anyone else's.
 */
public final class InApp {
    /** How many eligible messages one answer carries at most (a person has a handful). */
    static final int MAX_ELIGIBLE = 200;
    public static final Set<String> EVENT_TYPES = Set.of("shown", "clicked", "dismissed", "submitted", "step");

    private final Database db;
    private final InAppFeed feed;
    private final DeliveryProgress progress;
    private final Ingest ingest;
    private final InstantSource clock;
    /** Lists kept between page views, on SQLite (see {@link ListingMemory}); null on PostgreSQL. */
    private final ListingMemory memory;

    public InApp(Database db, InAppFeed feed, DeliveryProgress progress, Ingest ingest, InstantSource clock) {
        this.db = db;
        this.feed = feed;
        this.progress = progress;
        this.ingest = ingest;
        this.clock = clock;
        this.memory = db.engine() == Engine.SQLITE ? new ListingMemory() : null;
    }

    public InAppFeed feed() {
        return feed;
    }

    /**
     * The eligible messages (each its JSON text, as the SDK renders it) and the feed position read with them: a
     * stream resumed there misses none.
     */
    public record Listing(long lastEventId, List<String> data) {
        static final Listing NONE = new Listing(0, List.of());
    }

    /**
     * What a client's identity finds: its {@link Listing}, and whether the person it names has since been identified
     * (has a userId; an anonymousId alone must not act for them). Nobody yet (a visitor whose first event is still on
     * its way): an empty listing at position 0.
     */
    public record Found(boolean identified, Listing listing) {
        static final Found NOBODY = new Found(false, Listing.NONE);
    }

    /**
     * The eligible in-app messages of the person an identity names ({@code kind} user or anon), most important first
     * (priority, then oldest first), the first {@link #MAX_ELIGIBLE} of them: available (sent and not retired) and not
     * expired; for {@code anonymousOnly}, only those meant for anonymous visitors.
     *
     * <p>On SQLite the list is first looked for in {@link ListingMemory}: one statement reads who the identity names
     * and that person's list version, and a list kept for them at that version (none of its messages expired since)
     * is the answer. The version is read before the list it keeps, so a list is never kept under a version newer than
     * what it holds: a change committed between the two reads only costs the next page view a read.
     */
    public Found listing(String workspaceId, String kind, String value, boolean anonymousOnly) {
        long now = clock.millis();
        return db.read(c -> {
            if (memory == null) return read(c, workspaceId, kind, value, anonymousOnly, now).found();
            List<Object[]> named = Sql.queryKept(c, VERSION, rs -> new Object[] {rs.getString(1), rs.getLong(2)},
                    workspaceId, kind, value);
            if (named.isEmpty()) return Found.NOBODY;
            String personId = (String) named.get(0)[0];
            long version = (Long) named.get(0)[1];
            ListingMemory.Key key = new ListingMemory.Key(workspaceId, kind, value, anonymousOnly);
            Found kept = memory.get(key, personId, version, now);
            if (kept != null) return kept;
            Read read = read(c, workspaceId, kind, value, anonymousOnly, now);
            if (read.keepable() && personId.equals(read.personId())) {
                memory.put(key, personId, version, read.validUntil(), read.found());
            }
            return read.found();
        });
    }

    /** Forgets the lists kept for a person who was just erased (what the store held of them is gone already). */
    public void forget(String personId) {
        if (memory != null) memory.forget(personId);
    }

    /** The identity's person and their list version (0 before anything changed it since V16). */
    private static final String VERSION = "SELECT i.person_id, COALESCE(v.version, 0) FROM identities i "
            + "LEFT JOIN inapp_versions v ON v.person_id = i.person_id "
            + "WHERE i.workspace_id = ? AND i.kind = ? AND i.value = ?";

    /**
     * A list read from the store, with what keeping it needs: the person it was read for and the earliest expiry
     * among its messages; not keepable when nobody was found or some of it was built from renderings (V13).
     */
    private record Read(Found found, String personId, long validUntil, boolean keepable) {
    }

    /**
     * One statement: who the identity is, their feed position and their messages, in the order the answer lists
     * them. Every page view of every visitor the memory cannot answer asks, and on SQLite each statement is a read
     * transaction of its own; one statement also reads all three from one snapshot, so a message recorded meanwhile
     * is in both the list and the stream's resume position, never in neither. It reads only what the answer needs (a
     * call into the SQLite driver per value read cost about 0.6 µs): the person's three facts from the first row,
     * then one text per message (and its expiry when the list may be kept). With V14's index a single-threaded probe
     * ran it in 29 µs; the statement before it (a CTE, every column of every row read) took 44–49 µs.
     */
    private Read read(Connection c, String workspaceId, String kind, String value, boolean anonymousOnly, long now)
            throws SQLException {
        record Head(boolean identified, long lastSeq, String personId) {
        }
        Head[] head = {null};
        String[] legacyOf = {null};
        long[] validUntil = {Long.MAX_VALUE};
        List<String> messages = new ArrayList<>();
        Sql.queryKept(c, LISTING, rs -> {
            if (head[0] == null) head[0] = new Head(rs.getString(1) != null, rs.getLong(2), rs.getString(3));
            String json = rs.getString(4);
            if (json != null) {
                messages.add(json);
                if (memory != null) {
                    long expires = rs.getLong(6);
                    if (!rs.wasNull()) validUntil[0] = Math.min(validUntil[0], expires);
                }
            } else if (legacyOf[0] == null && rs.getString(5) != null) {
                legacyOf[0] = rs.getString(3); // sent before its client text was kept (V13)
            }
            return null;
        }, now, anonymousOnly, workspaceId, kind, value, MAX_ELIGIBLE);
        if (head[0] == null) return new Read(Found.NOBODY, null, 0, false);
        // Unmodifiable: a kept list is handed to every page view that asks until it changes.
        List<String> data = legacyOf[0] == null ? List.copyOf(messages)
                : withLegacy(c, workspaceId, legacyOf[0], anonymousOnly, now);
        return new Read(new Found(head[0].identified(), new Listing(head[0].lastSeq(), data)), head[0].personId(),
                validUntil[0], legacyOf[0] == null);
    }

    /**
     * An in-app delivery the person can see now (one parameter: the time). V14's index is partial on the same terms,
     * which is what lets SQLite read a list from it alone.
     */
    private static final String ELIGIBLE = "d.channel = 'in_app' AND d.retired_at IS NULL AND d.status IN "
            + InAppFeed.AVAILABLE + " AND (d.expires_at IS NULL OR d.expires_at > ?)";

    /**
     * The identity's person (a LEFT JOIN: someone with nothing eligible is one row of nulls), their feed position, and
     * their available, unexpired in-app deliveries in the answer's order. The anonymous-only test lets a delivery
     * without its kept text through: {@link #withLegacy} reads its rendering to decide.
     */
    private static final String LISTING = "SELECT p.user_id, (SELECT MAX(f.seq) FROM inapp_feed f "
            + "WHERE f.person_id = i.person_id AND f.workspace_id = i.workspace_id), i.person_id, "
            + "d.inapp_message, d.id, d.expires_at FROM identities i LEFT JOIN persons p ON p.id = i.person_id "
            + "LEFT JOIN deliveries d ON d.person_id = i.person_id AND d.workspace_id = i.workspace_id AND " + ELIGIBLE
            + " AND (d.inapp_anonymous OR d.inapp_message IS NULL OR NOT ?) "
            + "WHERE i.workspace_id = ? AND i.kind = ? AND i.value = ? "
            + "ORDER BY d.inapp_priority DESC, d.created_at, d.id LIMIT ?";

    /**
     * The list when some of the person's deliveries went out before their client text was kept (V13): those are built
     * from their rendering, whose priority then places them.
     */
    private static List<String> withLegacy(Connection c, String workspaceId, String personId, boolean anonymousOnly,
                                           long now) throws SQLException {
        record Message(int priority, long createdAt, String id, String json) {
        }
        List<Message> messages = new ArrayList<>();
        Sql.query(c, "SELECT " + InAppMessages.COLUMNS + " FROM deliveries d WHERE d.person_id = ? "
                + "AND d.workspace_id = ? AND " + ELIGIBLE, rs -> {
            InAppMessages.Client m = InAppMessages.read(rs, 1);
            if (m != null && (!anonymousOnly || m.anonymous())) {
                messages.add(new Message(m.priority(), rs.getLong(3), rs.getString(1), m.json()));
            }
            return null;
        }, personId, workspaceId, now);
        return messages.stream().sorted(Comparator.comparingInt(Message::priority).reversed()
                .thenComparingLong(Message::createdAt).thenComparing(Message::id)).limit(MAX_ELIGIBLE)
                .map(Message::json).toList();
    }

    /**
     * What the person did with a message, reported by their client.
     *
     * @param type      shown, clicked, dismissed, submitted or step (a step of a multi-step message reached)
     * @param step      the message step (counting from 1) it happened on, or null
     * @param answers   the form's answers (submitted only), or null
     * @param sessionId the reporting page's session (its stream does not get the once-only withdraw), or null
     * @param userId    the ids the request acted as, for the identify a form's setAttributes makes
     */
    public record Report(String deliveryId, String type, String buttonId, Integer step, ObjectNode answers,
                         String sessionId, String userId, String anonymousId) {
    }

    /** Records a report; the delivery must be an in-app delivery of this person that went out, else 404. */
    public void report(String workspaceId, String personId, boolean anonymousOnly, Report r) {
        Optional<Object[]> row = db.read(c -> Sql.queryOne(c, "SELECT person_id, channel, rendered FROM deliveries "
                + "WHERE workspace_id = ? AND id = ?", rs -> new Object[] {rs.getString(1), rs.getString(2),
                rs.getString(3)}, workspaceId, r.deliveryId()));
        // Someone else's delivery is not even confirmed to exist.
        if (row.isEmpty() || personId == null || !personId.equals(row.get()[0]) || !"in_app".equals(row.get()[1])
                || row.get()[2] == null) {
            throw ClientError.notFound("delivery " + r.deliveryId());
        }
        JsonNode content = json((String) row.get()[2]);
        if (anonymousOnly && !InAppMessages.anonymous(content)) throw ClientError.notFound("delivery " + r.deliveryId());

        ObjectNode extra = EventCodec.mapper().createObjectNode();
        if (r.buttonId() != null) extra.put("buttonId", r.buttonId());
        // "step" is the campaign step in every message.* event; the message's own step is messageStep.
        if (r.step() != null) extra.put("messageStep", r.step());
        if (r.answers() != null) extra.set("answers", r.answers());
        if (r.sessionId() != null) extra.put("sessionId", r.sessionId());
        String key = switch (r.type()) {
            case "clicked" -> r.buttonId() == null ? "clicked" : "clicked:" + r.buttonId();
            case "step" -> "step:" + (r.step() == null ? "" : r.step());
            default -> r.type();
        };
        progress.report(workspaceId, r.deliveryId(), r.type(), null, extra, key);

        switch (r.type()) {
            case "dismissed", "submitted" -> retire(workspaceId, personId, r.deliveryId(), r.type(), false, null);
            case "shown" -> {
                if (InAppMessages.onceOnly(content)) retire(workspaceId, personId, r.deliveryId(), "shown_once", true,
                        r.sessionId());
            }
            default -> {
            }
        }
        if (r.type().equals("submitted") && r.answers() != null) setAttributes(workspaceId, r, content);
    }

    private void retire(String workspaceId, String personId, String deliveryId, String reason, boolean withdraw,
                        String exceptSession) {
        long now = clock.millis();
        boolean retired = db.inTransaction(c -> {
            int n = Sql.update(c, "UPDATE deliveries SET retired_at = ?, retired_reason = ? WHERE id = ? "
                    + "AND retired_at IS NULL", now, reason, deliveryId);
            if (n == 1 && withdraw) feed.withdraw(c, workspaceId, personId, deliveryId, exceptSession);
            return n == 1;
        });
        if (retired && withdraw) feed.poke(List.of(personId));
    }

    /**
     * A form's answers set the attributes its message declares ({@code setAttributes: {attribute: answerId}}),
     * through the person's log as an identify would, so segments and journeys see the change in order.
     */
    private void setAttributes(String workspaceId, Report r, JsonNode content) {
        JsonNode mapping = content.path("setAttributes");
        if (!mapping.isObject()) return;
        ObjectNode traits = EventCodec.mapper().createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode answer = r.answers().get(e.getValue().asText());
            if (answer != null && !answer.isNull()) traits.set(e.getKey(), answer);
        }
        if (traits.isEmpty()) return;
        long now = clock.millis();
        ingest.append(List.of(new Event(workspaceId, -1, -1, "delivery:" + r.deliveryId() + ":attributes", r.userId(),
                r.userId() == null ? r.anonymousId() : null, now, now, null, new Payload.Identify(traits))));
    }

    /** What a recall left: the delivery and its status. */
    public record Recalled(String id, String status) {
    }

    /**
     * Takes an in-app delivery back: a queued one is never sent, one already out is withdrawn from the person's open
     * pages. 404 when the workspace has no such delivery; 409 when it is not in-app or already closed or in flight.
     */
    public Recalled recall(String workspaceId, String deliveryId) {
        long now = clock.millis();
        String[] person = new String[1];
        Recalled result = db.inTransaction(c -> {
            Optional<Object[]> row = Sql.queryOne(c, "SELECT person_id, channel, status, lease_until FROM deliveries "
                    + "WHERE workspace_id = ? AND id = ?", rs -> new Object[] {rs.getString(1), rs.getString(2),
                    rs.getString(3), Sql.nullableLong(rs, "lease_until")}, workspaceId, deliveryId);
            if (row.isEmpty()) throw ClientError.notFound("delivery " + deliveryId);
            String channel = (String) row.get()[1];
            String status = (String) row.get()[2];
            if (!channel.equals("in_app")) {
                throw new ClientError(409, "not_recallable", "only in-app deliveries can be recalled; this one is "
                        + channel, "deliveryId");
            }
            if (status.equals("recalled")) return new Recalled(deliveryId, status);
            boolean pending = Set.of("queued", "deferred", "retrying").contains(status);
            boolean out = InAppFeed.AVAILABLE.contains("'" + status + "'");
            // A pending one leased to a dispatcher round is being sent: its status is about to be overwritten.
            Long lease = (Long) row.get()[3];
            if ((!pending && !out) || (pending && lease != null && lease >= now)) {
                throw new ClientError(409, "not_recallable", "a delivery that is " + status
                        + (pending ? " and being sent right now" : "") + " cannot be recalled", "deliveryId");
            }
            int n = Sql.update(c, "UPDATE deliveries SET status = 'recalled', reason = 'recalled', retired_at = ?, "
                    + "retired_reason = 'recalled', updated_at = ? WHERE id = ? AND status = ?", now, now, deliveryId,
                    status);
            if (n != 1) throw new ClientError(409, "not_recallable", "the delivery changed meanwhile; retry", "deliveryId");
            if (out) {
                feed.withdraw(c, workspaceId, (String) row.get()[0], deliveryId, null);
                person[0] = (String) row.get()[0];
            }
            return new Recalled(deliveryId, "recalled");
        });
        if (person[0] != null) feed.poke(List.of(person[0]));
        return result;
    }

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt rendered in-app message in the store", e);
        }
    }
}
