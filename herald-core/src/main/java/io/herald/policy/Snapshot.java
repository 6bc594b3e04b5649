package io.herald.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.preference.Preferences;
import io.herald.store.Dialect;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the gate reads about a round's people, read once for the round in a few set-based statements, and
 * what the round itself has sent so far.
 *
 * <p>Why a round at once: the gate runs for every delivery, and a statement per delivery cost most of the gate's
 * time (on SQLite a prepare, JNI round trips and a dozen B-tree seeks; on PostgreSQL a round trip to the server,
 * ~50 µs, five times the gate's budget). Here each kind of fact is one statement over the round's people: their
 * person rows with preferences, the topics the round's messages use, their sends in the longest window of their
 * caps (the covering index {@code deliveries_person_sent}, V11; on SQLite only for people the gate does not remember
 * at their current version, see {@link SendLedger}) and, for the requests that can reach the priority rule, their
 * waiting deliveries (the partial covering index {@code deliveries_waiting_person}). Sends per cap, the round's own sends and the priority counts are then counted in
 * memory, per request, with exactly the predicates the store would apply.
 *
 * <p>The store changes while a round is gated only where the gate says Send: the dispatcher marks that delivery
 * {@code sending} with {@code sent_at = now}. {@link #sent} applies the same change here, so a later request of
 * the same person sees it counted under its caps and no longer waiting, as it would have seen it in the store.
 * Nothing else the gate reads changes within a round (a deferral or suppression is written after the gate, and a
 * claimed delivery has no {@code sent_at}: the dispatcher clears it on every outcome but sent and unknown).
 */
final class Snapshot {
    /** The channels an {@code any} cap counts in the store's sends and waiting counts (the five person channels). */
    private static final Set<String> PERSON_CHANNELS = Set.of("in_app", "push", "email", "sms", "whatsapp");

    /** One person's facts; preferences and the attribute zone are parsed when a check first needs them. */
    private static final class Person {
        String profileZone;
        String attributes;
        String preferencesText;
        PersonDocuments.Choices preferences;
        boolean preferencesParsed;
        String attributeZone;
        boolean attributeZoneParsed;
        /** The version of the person's sends (SQLite, V15; 0 before any), read with the person row; null: not read. */
        Long sendsVersion;
        /** Per workspace and {@code now}: the stored sends counted per cap of the workspace, in its order. */
        final Map<CountKey, int[]> stored = new HashMap<>(2);
        /** Sends the gate decided in this round. */
        final List<Send> roundSends = new ArrayList<>(2);
        final List<Waiting> waiting = new ArrayList<>();
    }

    /** A non-transactional delivery of the person's, sent at {@code at} in this round. */
    private record Send(long at, String channel) {
    }

    /** A waiting (queued or deferred), non-transactional delivery of the person's. */
    private static final class Waiting {
        final String id;
        final String channel;
        final int priority;
        final Long nextAttemptAt;
        final Long expiresAt;
        /** Its campaign holds it to caps; read from its context only when an exact priority count needs it. */
        Boolean heldToCaps;
        /** The gate said Send to it in this round: it is {@code sending} now, no longer waiting. */
        boolean gone;

        Waiting(String id, String channel, int priority, Long nextAttemptAt, Long expiresAt) {
            this.id = id;
            this.channel = channel;
            this.priority = priority;
            this.nextAttemptAt = nextAttemptAt;
            this.expiresAt = expiresAt;
        }

        /** The store's predicate for a delivery competing with {@code r}, but for the cap and its channel. */
        boolean competesWith(GateRequest r) {
            return !gone && priority > r.priority() && !id.equals(r.deliveryId() == null ? "" : r.deliveryId())
                    && (nextAttemptAt == null || nextAttemptAt <= r.now()) && (expiresAt == null || expiresAt > r.now());
        }
    }

    private final Map<String, Person> people = new HashMap<>();
    /**
     * {@link QuietTime#endIfQuiet} per window, zone and now (empty: not quiet): a round's people share a few zones
     * and one now, and turning an instant into a zone's local date was a tenth of a round.
     */
    private final Map<QuietKey, Optional<Long>> quietEnds = new HashMap<>();
    /** Topics by workspace and key: {@code default_opt_in}; absent when the workspace has no such topic. */
    private final Map<String, Boolean> topics = new HashMap<>();
    /** Per person whose sends the ledger now remembers: the version it remembers them at. */
    private final Map<String, Long> versions = new HashMap<>();

    private Snapshot() {
    }

    /** Reads what {@code plans} need, for all of them at once, but the waiting deliveries ({@link #readWaiting}). */
    static Snapshot read(Connection c, List<Gate.Plan> plans, Dialect dialect, SendLedger ledger) throws SQLException {
        Snapshot s = new Snapshot();
        Set<String> personRows = new LinkedHashSet<>();
        Set<String> capped = new LinkedHashSet<>();
        Map<CountKey, CountGroup> groups = new HashMap<>();
        Map<String, Set<String>> topicsByWorkspace = new HashMap<>();
        boolean zone = false;
        boolean subscription = false;
        for (Gate.Plan p : plans) {
            GateRequest r = p.request();
            if (p.subscription() || p.quiet()) personRows.add(r.personId());
            zone |= p.quiet();
            subscription |= p.subscription();
            if (p.subscription() && r.topic() != null) {
                topicsByWorkspace.computeIfAbsent(r.workspaceId(), k -> new LinkedHashSet<>()).add(r.topic());
            }
            if (!p.caps().isEmpty()) {
                capped.add(r.personId());
                groups.computeIfAbsent(countKey(r), k -> new CountGroup(r.workspaceId(), r.now(),
                        p.policies().frequencyCaps(), new LinkedHashSet<>())).people().add(r.personId());
            }
        }
        for (String id : personRows) s.person(id); // a person without a row has no zone and no preferences
        boolean versions = ledger != null && !capped.isEmpty(); // (a capped request is a subscription check too)
        if (!personRows.isEmpty()) {
            // The preferences of a person without a person row are nobody's: joined to the row, as segments read them.
            // Attributes are read (for their timezone) only where they name one: most people's do not, and reading
            // a profile's text across JNI and parsing it was a tenth of a round. Herald writes attributes with
            // Jackson, which escapes no letter of a field name, so a document with a top-level "timezone" field
            // holds that quoted name verbatim.
            String attributes = zone ? "CASE WHEN " + dialect.contains("p.attributes", "'\"timezone\"'")
                    + " THEN p.attributes END" : "NULL";
            String head = "SELECT p.id, p.timezone, " + attributes + ", "
                    + (subscription ? "pp.preferences" : "NULL") + ", " + (versions ? "sv.version" : "NULL")
                    + " FROM persons p"
                    + (subscription ? " LEFT JOIN person_preferences pp ON pp.person_id = p.id" : "")
                    + (versions ? " LEFT JOIN send_versions sv ON sv.person_id = p.id" : "") + " WHERE p.id IN (";
            InListQuery.run(c, head, ")", new Object[0], List.copyOf(personRows), new Object[0], rs -> {
                Person p = s.person(rs.getString(1));
                p.profileZone = rs.getString(2);
                p.attributes = rs.getString(3);
                p.preferencesText = rs.getString(4);
                if (versions) p.sendsVersion = rs.getLong(5);
            });
        }
        for (Map.Entry<String, Set<String>> e : topicsByWorkspace.entrySet()) {
            String workspace = e.getKey();
            InListQuery.run(c, "SELECT topic_key, default_opt_in FROM topics WHERE workspace_id = ? AND topic_key IN (", ")",
                    new Object[] {workspace}, List.copyOf(e.getValue()), new Object[0],
                    rs -> s.topics.put(topicKey(workspace, rs.getString(1)), rs.getBoolean(2)));
        }
        if (!capped.isEmpty()) {
            for (String id : capped) s.person(id);
            s.readCounts(c, groups, dialect, ledger);
        }
        return s;
    }

    /**
     * Reads the waiting deliveries that may compete with {@code contenders}' requests under the priority rule: the
     * requests that can reach it (see {@link Gate#round}). Only deliveries above the lowest of their priorities, due
     * and not expired at some request's now can ever compete; the predicate on status is the partial index's own, so
     * both engines read the index alone.
     */
    void readWaiting(Connection c, List<Gate.Plan> contenders) throws SQLException {
        if (contenders.isEmpty()) return;
        Set<String> ids = new LinkedHashSet<>();
        int lowestPriority = Integer.MAX_VALUE;
        long earliest = Long.MAX_VALUE;
        long latest = Long.MIN_VALUE;
        for (Gate.Plan p : contenders) {
            GateRequest r = p.request();
            ids.add(r.personId());
            lowestPriority = Math.min(lowestPriority, r.priority());
            earliest = Math.min(earliest, r.now());
            latest = Math.max(latest, r.now());
        }
        InListQuery.run(c, "SELECT person_id, id, channel, priority, next_attempt_at, expires_at FROM deliveries WHERE person_id IN (",
                ") AND status IN ('queued', 'deferred') AND priority > ? AND transactional = ? AND (next_attempt_at "
                + "IS NULL OR next_attempt_at <= ?) AND (expires_at IS NULL OR expires_at > ?)", new Object[0],
                List.copyOf(ids), new Object[] {lowestPriority, false, latest, earliest},
                rs -> person(rs.getString(1)).waiting.add(new Waiting(rs.getString(2), rs.getString(3), rs.getInt(4),
                        nullableLong(rs, 5), nullableLong(rs, 6))));
    }

    /**
     * The requests of one workspace asking at one {@code now} (the dispatcher asks a whole round at one now): their
     * people's stored sends are counted per cap of the workspace by one statement.
     */
    private record CountGroup(String workspaceId, long now, List<Policies.FrequencyCap> caps, Set<String> people) {
    }

    private record CountKey(String workspaceId, long now) {
    }

    private static CountKey countKey(GateRequest r) {
        return new CountKey(r.workspaceId(), r.now());
    }

    /**
     * Counts the groups' people's stored sends per cap of their workspace. Their sends in the longest window come
     * from the ledger where it remembers the person at the version just read, else from the store (one statement for
     * all the others, remembered afterwards where the version is known); counted in memory either way.
     */
    private void readCounts(Connection c, Map<CountKey, CountGroup> groups, Dialect dialect, SendLedger ledger)
            throws SQLException {
        Map<String, Long> from = new HashMap<>(); // per person, the oldest instant a cap of theirs looks back to
        long oldest = Long.MAX_VALUE;
        for (CountGroup g : groups.values()) {
            long f = g.now();
            for (Policies.FrequencyCap cap : g.caps()) f = Math.min(f, g.now() - cap.per().toMillis());
            for (String id : g.people()) from.merge(id, f, Math::min);
            oldest = Math.min(oldest, f);
        }
        Map<String, SendLedger.Sends> sends = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, Long> e : from.entrySet()) {
            Long version = person(e.getKey()).sendsVersion;
            SendLedger.Sends known = version == null ? null : ledger.get(e.getKey(), version, e.getValue());
            if (known != null) {
                sends.put(e.getKey(), known);
                versions.put(e.getKey(), version);
            } else {
                unknown.add(e.getKey());
            }
        }
        if (!unknown.isEmpty()) {
            for (String id : unknown) {
                Long version = person(id).sendsVersion;
                sends.put(id, new SendLedger.Sends(version == null ? 0 : version, oldest));
            }
            // One row a person, its sends as "sent_at channel" items: a row a send crossed JNI column by column.
            InListQuery.run(c, "SELECT person_id, " + dialect.joined("sent_at || ' ' || channel", "','")
                    + " FROM deliveries WHERE person_id IN (", ") AND sent_at > ? AND transactional = ? GROUP BY person_id",
                    new Object[0], unknown, new Object[] {oldest, false},
                    rs -> addAll(sends.get(rs.getString(1)), rs.getString(2)));
            for (String id : unknown) {
                Long version = person(id).sendsVersion;
                if (version == null) continue; // no person row read (or not SQLite): nothing to be true at
                ledger.remember(id, sends.get(id));
                versions.put(id, version);
            }
        }
        // Under the ledger's lock: a caller other than the dispatcher (whose gate steps take turns) may be applying
        // its sends to what this round counts.
        synchronized (ledger != null ? ledger : this) {
            for (Map.Entry<CountKey, CountGroup> e : groups.entrySet()) {
                CountGroup g = e.getValue();
                for (String id : g.people()) {
                    SendLedger.Sends known = sends.get(id);
                    int[] counts = new int[g.caps().size()];
                    for (int k = 0; k < counts.length; k++) counts[k] = known.count(g.caps().get(k), g.now());
                    person(id).stored.put(e.getKey(), counts);
                }
            }
        }
    }

    /** Adds the sends {@code items} lists ("sent_at channel", comma-separated) to {@code to}. */
    private static void addAll(SendLedger.Sends to, String items) {
        int from = 0;
        while (from < items.length()) {
            int space = items.indexOf(' ', from);
            int comma = items.indexOf(',', space);
            int end = comma < 0 ? items.length() : comma;
            to.add(Long.parseLong(items, from, space, 10), channel(items, space + 1, end));
            from = end + 1;
        }
    }

    /** The versions of people's sends this round read and the ledger remembers them at (see {@link Gate#written}). */
    Map<String, Long> versions() {
        return versions;
    }

    /** The channel named at {@code [from, to)} of {@code s}, as the one shared string (not one per remembered send). */
    private static String channel(String s, int from, int to) {
        for (String known : Policies.CAP_CHANNELS) {
            if (known.length() == to - from && s.regionMatches(from, known, 0, known.length())) return known;
        }
        return s.substring(from, to);
    }

    private Person person(String id) {
        return people.computeIfAbsent(id, k -> new Person());
    }

    private static String topicKey(String workspaceId, String topic) {
        return workspaceId + '\n' + topic;
    }

    /**
     * Applies a Send to {@code r} as the dispatcher writes it: counted from now under the person's caps (unless
     * transactional) and no longer waiting.
     */
    void sent(GateRequest r) {
        Person p = people.get(r.personId());
        if (p == null) return; // nobody in this round is capped for this person: nothing here counts sends
        if (!r.transactional()) p.roundSends.add(new Send(r.now(), r.channel()));
        if (r.deliveryId() == null) return;
        for (Waiting w : p.waiting) if (w.id.equals(r.deliveryId())) w.gone = true;
    }

    /**
     * Per cap of {@code plan}, the person's sends in its window {@code (now - per, now]} on the channels it counts:
     * those stored, as counted for the round, and those decided in it.
     */
    int[] sentCounts(Gate.Plan plan) {
        GateRequest r = plan.request();
        List<Policies.FrequencyCap> caps = plan.caps();
        List<Policies.FrequencyCap> all = plan.policies().frequencyCaps();
        Person p = people.get(r.personId());
        int[] stored = p.stored.get(countKey(r));
        int[] sent = new int[caps.size()];
        for (int i = 0; i < caps.size(); i++) {
            Policies.FrequencyCap cap = caps.get(i);
            sent[i] = stored[all.indexOf(cap)];
            for (Send s : p.roundSends) {
                if (s.at <= r.now() && s.at > r.now() - cap.per().toMillis() && counts(cap, s.channel)) sent[i]++;
            }
        }
        return sent;
    }

    /**
     * Whether the person's deliveries waiting with a higher priority fill the room {@code sent} leaves under some
     * cap (see {@link Gate}'s priority rule). Counts first without their campaigns' cap opt-outs (an upper bound);
     * only when that bound reaches the room does it read the competitors' contexts, once each per round.
     */
    boolean outranked(Connection c, GateRequest r, List<Policies.FrequencyCap> caps, int[] sent) throws SQLException {
        Person p = people.get(r.personId());
        int[] upper = new int[caps.size()];
        List<Waiting> competing = new ArrayList<>();
        for (Waiting w : p.waiting) {
            if (!w.competesWith(r)) continue;
            competing.add(w);
            for (int i = 0; i < caps.size(); i++) if (counts(caps.get(i), w.channel)) upper[i]++;
        }
        if (!fillsRoom(caps, upper, sent)) return false;
        List<String> unknown = new ArrayList<>();
        for (Waiting w : competing) if (w.heldToCaps == null) unknown.add(w.id);
        if (!unknown.isEmpty()) {
            Map<String, Boolean> held = new HashMap<>();
            InListQuery.run(c, "SELECT id, context FROM deliveries WHERE id IN (", ")", new Object[0], unknown, new Object[0],
                    rs -> held.put(rs.getString(1), heldToCaps(rs.getString(2))));
            for (Waiting w : competing) if (w.heldToCaps == null) w.heldToCaps = held.getOrDefault(w.id, true);
        }
        int[] exact = new int[caps.size()];
        for (Waiting w : competing) {
            if (!w.heldToCaps) continue;
            for (int i = 0; i < caps.size(); i++) if (caps.get(i).covers(w.channel)) exact[i]++;
        }
        return fillsRoom(caps, exact, sent);
    }

    private static boolean fillsRoom(List<Policies.FrequencyCap> caps, int[] waiting, int[] sent) {
        for (int i = 0; i < caps.size(); i++) {
            if (waiting[i] > 0 && waiting[i] >= caps.get(i).max() - sent[i]) return true;
        }
        return false;
    }

    /** Whether the store's counts count a delivery on {@code channel} under {@code cap}. */
    static boolean counts(Policies.FrequencyCap cap, String channel) {
        return cap.channel().equals("any") ? PERSON_CHANNELS.contains(channel) : cap.channel().equals(channel);
    }

    /** Whether a waiting delivery's campaign holds it to caps ({@code context.policies.frequencyCap}, default true). */
    private static boolean heldToCaps(String context) {
        if (context == null) return true;
        try {
            JsonNode policies = EventCodec.mapper().readTree(context).path("policies");
            return !(policies.path("frequencyCap").isBoolean() && !policies.path("frequencyCap").booleanValue());
        } catch (IOException e) {
            return true; // unreadable context: assume the usual (held), the cautious answer for the lower delivery
        }
    }

    /** As a segment's {@code subscribed} condition answers it (see the segment package's PersonFacts). */
    boolean subscribed(GateRequest r) throws SQLException {
        String channel = r.channel();
        String topic = r.topic();
        if (!Preferences.CHANNELS.contains(channel)) return true;
        PersonDocuments.Choices preferences = preferences(r.personId());
        if (preferences != null && Boolean.FALSE.equals(preferences.channels().get(channel))) return false;
        if (topic == null) return true;
        Boolean topicDefault = topics.get(topicKey(r.workspaceId(), topic));
        if (topicDefault == null) return false;
        Map<String, Boolean> topicChoices = preferences == null ? null : preferences.topics().get(topic);
        Boolean topicChoice = topicChoices == null ? null : topicChoices.get(channel);
        if (topicChoice != null) return topicChoice;
        return topicDefault;
    }


    /** The person's preference choices, parsed once a round; null without a person row or preferences. */
    PersonDocuments.Choices preferences(String personId) throws SQLException {
        Person p = people.get(personId);
        if (p.preferencesParsed) return p.preferences;
        if (p.preferencesText != null) p.preferences = PersonDocuments.choices(p.preferencesText);
        p.preferencesParsed = true;
        return p.preferences;
    }

    /** The person's zone: timezone attribute, else the profile's (latest device/context), else the workspace's. */
    ZoneId zone(String personId, ZoneId workspaceDefault) throws SQLException {
        Person p = people.get(personId);
        ZoneId z = PersonDocuments.zone(attributeZone(p));
        if (z == null) z = PersonDocuments.zone(p.profileZone);
        return z != null ? z : workspaceDefault;
    }

    private record QuietKey(Policies.QuietHours window, ZoneId zone, long now) {
    }

    /** When the quiet hours that hold {@code now} in {@code zone} end, or null when it is not quiet there then. */
    Long quietEnd(Policies.QuietHours q, ZoneId zone, long now) {
        return quietEnds.computeIfAbsent(new QuietKey(q, zone, now),
                k -> Optional.ofNullable(QuietTime.endIfQuiet(q.start(), q.end(), zone, now))).orElse(null);
    }

    /** The {@code timezone} attribute, read once a round. */
    String attributeZone(String personId) throws SQLException {
        return attributeZone(people.get(personId));
    }

    private static String attributeZone(Person p) throws SQLException {
        if (!p.attributeZoneParsed) {
            p.attributeZone = p.attributes == null ? null : PersonDocuments.topLevelString(p.attributes, "timezone");
            p.attributeZoneParsed = true;
        }
        return p.attributeZone;
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
