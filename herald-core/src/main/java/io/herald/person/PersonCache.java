package io.herald.person;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.event.Event;
import io.herald.event.EventCodec;
import io.herald.event.Payload;
import io.herald.processor.Batch;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The persons, identities and event-history rows one batch touches: read once (from what the partition's processor
 * remembers, {@link KnownPeople}, else from the store), changed in memory, written back in a few batched statements
 * when the batch flushes. This is what lets one transaction process thousands of events.
 */
public final class PersonCache implements Batch.Flushable {
    static final String USER = "user";
    static final String ANON = "anon";
    private static final Comparator<Object[]> IDENTITY_ORDER = Comparator
            .comparing((Object[] row) -> (String) row[0])
            .thenComparing(row -> (String) row[1])
            .thenComparing(row -> (String) row[2]);

    private final Batch batch;
    private final Map<String, Optional<String>> identities = new HashMap<>();
    private final Map<String, PersonState> persons = new LinkedHashMap<>();
    private final Map<String, Boolean> suppressed = new HashMap<>();
    private final List<Object[]> newIdentities = new ArrayList<>();
    private final List<Event> newEvents = new ArrayList<>();
    private final List<String> newEventPersons = new ArrayList<>();

    private final KnownPeople known; // null: nothing kept between batches
    private final Set<String> created = new HashSet<>();
    private boolean merged;

    private PersonCache(Batch batch, KnownPeople known) {
        this.batch = batch;
        this.known = known;
    }

    static PersonCache of(Batch batch) {
        return of(batch, null);
    }

    /** The batch's cache, created on first use over what the partition's processor already knows. */
    static PersonCache of(Batch batch, KnownPeople known) {
        return batch.local(PersonCache.class, () -> new PersonCache(batch, known));
    }

    /** The batch's connection of the moment: a reading one while prefetching, then its transaction's. */
    private Connection c() {
        return batch.connection();
    }

    /**
     * Loads, in a few queries, the identities and persons a batch's events name, so that resolving each event
     * is a map look-up. Ids not found are remembered as absent.
     */
    void prefetch(List<Event> events) throws SQLException {
        Map<String, Set<String>> wanted = new HashMap<>(); // "workspace\0kind" -> values
        for (Event e : events) {
            String ws = e.workspaceId();
            if (e.userId() != null) want(wanted, ws, USER, e.userId());
            if (e.anonymousId() != null) want(wanted, ws, ANON, e.anonymousId());
            if (e.payload() instanceof Payload.Alias a) {
                want(wanted, ws, USER, a.previousId());
                want(wanted, ws, ANON, a.previousId());
            }
        }
        Set<String> personIds = new HashSet<>();
        // A timer names its person: loaded with the others, so the stages find them (and their runs) without a
        // query per timer (a broadcast or a wave of delays is a batch of timers only).
        for (Event e : events) if (e.payload() instanceof Payload.TimerFired t) personIds.add(t.personId());
        for (Map.Entry<String, Set<String>> w : wanted.entrySet()) {
            String[] wk = w.getKey().split("\u0000", 2);
            List<String> values = new ArrayList<>();
            for (String v : w.getValue()) {
                String key = key(wk[0], wk[1], v);
                String personId = known == null ? null : known.personOf(key);
                if (personId != null) {
                    identities.put(key, Optional.of(personId));
                    personIds.add(personId);
                } else {
                    identities.putIfAbsent(key, Optional.empty());
                    values.add(v);
                }
            }
            for (List<String> chunk : Sql.chunks(values)) {
                String sql = "SELECT value, person_id FROM identities WHERE workspace_id = ? AND kind = ? AND value IN ("
                        + Sql.placeholders(chunk.size()) + ")";
                Object[] params = new Object[chunk.size() + 2];
                params[0] = wk[0];
                params[1] = wk[1];
                for (int i = 0; i < chunk.size(); i++) params[i + 2] = chunk.get(i);
                for (String[] row : Sql.query(c(), sql, rs -> new String[] {rs.getString(1), rs.getString(2)}, params)) {
                    identities.put(key(wk[0], wk[1], row[0]), Optional.of(row[1]));
                    personIds.add(row[1]);
                }
            }
        }
        personIds.removeAll(persons.keySet());
        if (known != null) {
            for (Iterator<String> it = personIds.iterator(); it.hasNext(); ) {
                PersonState p = known.person(it.next());
                if (p != null) {
                    persons.put(p.id, p);
                    it.remove();
                }
            }
        }
        for (List<String> chunk : Sql.chunks(new ArrayList<>(personIds))) {
            for (PersonState p : Sql.query(c(), "SELECT * FROM persons WHERE id IN (" + Sql.placeholders(chunk.size()) + ")",
                    PersonCache::map, chunk.toArray())) {
                persons.put(p.id, p);
            }
        }
    }

    private static void want(Map<String, Set<String>> wanted, String ws, String kind, String value) {
        wanted.computeIfAbsent(ws + '\u0000' + kind, k -> new HashSet<>()).add(value);
    }

    private static String key(String workspaceId, String kind, String value) {
        return workspaceId + '\u0000' + kind + '\u0000' + value;
    }

    Optional<String> personFor(String workspaceId, String kind, String value) throws SQLException {
        String key = key(workspaceId, kind, value);
        Optional<String> found = identities.get(key);
        // After a merge in this batch the memory may name the merged-away person: the store knows better.
        if (found == null && known != null && !merged) {
            String personId = known.personOf(key);
            if (personId != null) found = Optional.of(personId);
        }
        if (found == null) {
            found = Sql.queryOne(c(), "SELECT person_id FROM identities WHERE workspace_id = ? AND kind = ? AND value = ?",
                    rs -> rs.getString(1), workspaceId, kind, value);
            identities.put(key, found);
        }
        return found;
    }

    void link(String workspaceId, String kind, String value, String personId, long now) {
        identities.put(key(workspaceId, kind, value), Optional.of(personId));
        newIdentities.add(new Object[] {workspaceId, kind, value, personId, now});
    }

    boolean isSuppressed(String workspaceId, String userId) throws SQLException {
        String key = workspaceId + '\u0000' + userId;
        Boolean s = suppressed.get(key);
        if (s == null) {
            s = Sql.queryOne(c(), "SELECT 1 FROM suppressed_users WHERE workspace_id = ? AND user_id = ?",
                    rs -> true, workspaceId, userId).isPresent();
            suppressed.put(key, s);
        }
        return s;
    }

    PersonState get(String personId) throws SQLException {
        PersonState p = persons.get(personId);
        if (p == null && known != null && !merged) {
            p = known.person(personId);
            if (p != null) persons.put(personId, p);
        }
        if (p == null) {
            p = Sql.queryOne(c(), "SELECT * FROM persons WHERE id = ?", PersonCache::map, personId).orElse(null);
            if (p != null) persons.put(personId, p);
        }
        return p;
    }

    PersonState create(String id, String workspaceId, String userId, long at) {
        PersonState p = new PersonState(id, workspaceId, userId,
                "{}", null, null, at, at);
        p.isNew = true;
        p.dirty = true;
        persons.put(p.id, p);
        created.add(p.id);
        return p;
    }

    /**
     * The attributes of a person of this batch, as changed so far (read-only for other stages: they change a
     * person through events). Null when the person does not exist.
     */
    public static com.fasterxml.jackson.databind.JsonNode attributesOf(Batch batch, String personId) throws SQLException {
        PersonState p = of(batch).get(personId);
        return p == null ? null : p.attributes();
    }

    /**
     * Sets (or, with null, removes) attributes of a person of this batch: a journey's update step. Returns the
     * names whose value changed.
     */
    public static List<String> setAttributes(Batch batch, String personId, Map<String, com.fasterxml.jackson.databind.JsonNode> values)
            throws SQLException {
        PersonState p = of(batch).get(personId);
        List<String> changed = new ArrayList<>();
        if (p == null) return changed;
        ObjectNode attributes = p.attributes();
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : values.entrySet()) {
            if (e.getValue() == null || e.getValue().isNull()) {
                if (attributes.remove(e.getKey()) != null) changed.add(e.getKey());
            } else if (!e.getValue().equals(attributes.get(e.getKey()))) {
                attributes.set(e.getKey(), e.getValue());
                changed.add(e.getKey());
            }
        }
        if (!changed.isEmpty()) p.attributesChanged();
        return changed;
    }

    /** The person's ids and profile fields as templates see them ({@code person.*}). */
    public static Map<String, Object> templateView(Batch batch, String personId) throws SQLException {
        PersonState p = of(batch).get(personId);
        Map<String, Object> out = new java.util.HashMap<>();
        if (p == null) return out;
        out.putAll(EventCodec.mapper().convertValue(p.attributes(), Map.class));
        out.put("userId", p.userId);
        out.put("timezone", p.timezone);
        out.put("locale", p.locale);
        return out;
    }

    /** The person's timezone (profile or latest context), or null. */
    public static String timezoneOf(Batch batch, String personId) throws SQLException {
        PersonState p = of(batch).get(personId);
        return p == null ? null : p.timezone;
    }

    /** The workspace of a person of this batch; null when the person does not exist. */
    public static String workspaceOf(Batch batch, String personId) throws SQLException {
        PersonState p = of(batch).get(personId);
        return p == null ? null : p.workspaceId;
    }

    /** The people this batch found in memory or the store before processing (new people are not among them). */
    public static Set<String> prefetchedPersonIds(Batch batch) {
        Set<String> ids = new HashSet<>(of(batch).persons.keySet());
        ids.removeAll(of(batch).created);
        return ids;
    }

    /** Whether the person came into being in this batch (so no stage holds anything about them yet). */
    public static boolean createdInBatch(Batch batch, String personId) {
        return of(batch).created.contains(personId);
    }

    void recordEvent(String personId, Event e) {
        newEvents.add(e);
        newEventPersons.add(personId);
    }

    /** Forgets a person merged away; its row is deleted by the merge itself. */
    void forget(String personId) {
        merged = true;
        persons.remove(personId);
        identities.values().removeIf(v -> v.isPresent() && v.get().equals(personId));
    }

    /**
     * Hands what committed to the partition's memory. A merge moved ids between people in the store, some of them
     * perhaps not in this batch: then the memory starts over instead.
     */
    @Override
    public void committed() {
        if (known == null) return;
        if (merged) {
            known.clear();
            return;
        }
        try {
            known.remember(identities, persons.values());
        } catch (RuntimeException e) {
            known.clear(); // half taken in: start over rather than keep a partial picture
            throw e;
        }
    }

    @Override
    public void flush() throws SQLException {
        flushPersons();
        flushIdentities();
        flushEvents();
    }

    private void flushPersons() throws SQLException {
        try (PreparedStatement insert = c().prepareStatement("INSERT INTO persons (id, workspace_id, user_id, attributes, "
                + "timezone, locale, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
             // Most changes leave the attributes alone: a null keeps them, sparing their serialisation. One
             // statement for both cases keeps the rows in one lock order (below).
             PreparedStatement update = c().prepareStatement("UPDATE persons SET attributes = COALESCE(?, attributes), "
                     + "timezone = ?, locale = ?, created_at = ?, last_seen_at = ? WHERE id = ?");
             // The user id apart, and only when it changed (an identify of a visitor, an alias): naming it in every
             // update rewrote its index entry for each row, 5-8 % of the pages a batch wrote. The rows it names were
             // all updated (and, on PostgreSQL, locked) by the statement above in this transaction.
             PreparedStatement userIds = c().prepareStatement("UPDATE persons SET user_id = ? WHERE id = ?")) {
            int inserts = 0;
            int updates = 0;
            int known = 0;
            // In id order: two batches that write the same rows then lock them in the same order, so on PostgreSQL
            // they wait for each other instead of deadlocking.
            List<PersonState> dirty = new ArrayList<>();
            for (PersonState p : persons.values()) if (p.dirty) dirty.add(p);
            dirty.sort(Comparator.comparing(p -> p.id));
            for (PersonState p : dirty) {
                if (p.isNew) {
                    Sql.bind(insert, p.id, p.workspaceId, p.userId, p.attributesJson(), p.timezone, p.locale,
                            p.createdAt, p.lastSeenAt);
                    insert.addBatch();
                    inserts++;
                } else {
                    Sql.bind(update, p.attributesDirty() ? p.attributesJson() : null, p.timezone, p.locale,
                            p.createdAt, p.lastSeenAt, p.id);
                    update.addBatch();
                    updates++;
                    if (p.userIdDirty()) {
                        Sql.bind(userIds, p.userId, p.id);
                        userIds.addBatch();
                        known++;
                    }
                }
                p.written();
            }
            if (inserts > 0) insert.executeBatch();
            if (updates > 0) update.executeBatch();
            if (known > 0) userIds.executeBatch();
        }
    }

    private void flushIdentities() throws SQLException {
        if (newIdentities.isEmpty()) return;
        // In key order, for the same reason as persons; the sort is stable, so of two rows for one key the first
        // still wins.
        newIdentities.sort(IDENTITY_ORDER);
        try (PreparedStatement ps = c().prepareStatement("INSERT INTO identities (workspace_id, kind, value, person_id, "
                + "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, kind, value) DO NOTHING")) {
            for (Object[] row : newIdentities) {
                Sql.bind(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        newIdentities.clear();
    }

    private void flushEvents() throws SQLException {
        if (newEvents.isEmpty()) return;
        // No conflict check: the log's messageId index already let each event in once, and a batch's effects
        // commit with its checkpoint, so an event is never recorded twice.
        try (PreparedStatement ps = c().prepareStatement("INSERT INTO person_events (workspace_id, message_id, person_id, "
                + "seq, type, event, name, properties, context, ts, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < newEvents.size(); i++) {
                Event e = newEvents.get(i);
                String event = null;
                String name = null;
                ObjectNode props = null;
                switch (e.payload()) {
                    case Payload.Track t -> { event = t.event(); props = t.properties(); }
                    case Payload.Page p -> { name = p.name(); props = p.properties(); }
                    case Payload.Screen s -> { name = s.name(); props = s.properties(); }
                    case Payload.Identify id -> props = id.traits();
                    case Payload.Group g -> { name = g.groupId(); props = g.traits(); }
                    case Payload.Alias a -> name = a.previousId();
                    case Payload.DeviceRegistered d -> {
                        props = EventCodec.mapper().createObjectNode().put("platform", d.platform())
                                .put("provider", d.provider()).put("appId", d.appId())
                                .put("pushEnabled", d.pushEnabled());
                    }
                    case Payload.DeviceRemoved d -> { }
                    case Payload.TimerFired t -> { event = t.kind(); props = t.data(); }
                    case Payload.PreferencesChanged pc -> props = pc.preferences();
                }
                Sql.bind(ps, e.workspaceId(), e.messageId(), newEventPersons.get(i), e.position(),
                        e.payload().typeName(), event, name, props == null ? null : props.toString(),
                        e.context() == null ? null : e.context().toString(), e.timestamp(), e.receivedAt());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        newEvents.clear();
        newEventPersons.clear();
    }

    private static PersonState map(ResultSet rs) throws SQLException {
        return new PersonState(rs.getString("id"), rs.getString("workspace_id"), rs.getString("user_id"),
                rs.getString("attributes"), rs.getString("timezone"), rs.getString("locale"), rs.getLong("created_at"),
                rs.getLong("last_seen_at"));
    }
}
