package io.herald.person;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.Event;
import io.herald.event.Payload;
import io.herald.log.EventLog;
import io.herald.processor.Batch;
import io.herald.processor.BatchGuard;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import io.herald.store.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves which person an event belongs to, creating people and merging an anonymous visitor into the known
 * person they turn out to be.
 *
 * <p>Rules: an anonymous id seen with a userId links to that user; if the anonymous id already had a person of
 * its own (anonymous until now) that person is merged into the known one, so attributes, events, devices and
 * whatever later stages keep move with it (preferences too: the known person's win when both have them). Two
 * known people are merged only by an explicit {@code alias}. An erased (suppressed) userId is never re-created:
 * its events are dropped. A preference change never creates a person: it concerns the one its userId names.
 */
public final class IdentityStage implements Stage {
    /** People kept in memory between batches, over all partitions (about 1 KB each). */
    private static final int KNOWN_PEOPLE = 100_000;

    private final EventLog eventLog;
    private final Map<Integer, KnownPeople> known = new ConcurrentHashMap<>();
    private final int knownPerPartition;
    private final PersonIds personIds;

    /**
     * @param eventLog where the raw events of erased people are removed from
     * @param guard    the processor's; after work that changes people outside the pipeline, what is kept in memory
     *                 is dropped
     */
    public IdentityStage(EventLog eventLog, BatchGuard guard) {
        this(eventLog, guard, PersonIds.RANDOM);
    }

    /** As above, with new people's ids from {@code personIds} (the simulator's are reproducible). */
    public IdentityStage(EventLog eventLog, BatchGuard guard, PersonIds personIds) {
        this.eventLog = eventLog;
        this.personIds = personIds;
        this.knownPerPartition = Math.max(1_000, KNOWN_PEOPLE / eventLog.partitions());
        guard.afterExclusive(() -> known.values().forEach(KnownPeople::clear));
    }

    private PersonCache cacheOf(Batch batch) {
        return PersonCache.of(batch, known.computeIfAbsent(batch.partition(), p -> new KnownPeople(knownPerPartition)));
    }

    @Override
    public void prefetch(Batch batch, List<Event> events) throws SQLException {
        cacheOf(batch).prefetch(events);
    }

    @Override
    public void handle(Batch batch, EventContext ctx) throws SQLException {
        Event e = ctx.event();
        PersonCache cache = cacheOf(batch);
        String ws = e.workspaceId();
        switch (e.payload()) {
            case Payload.DeviceRemoved d -> {
                // Concerns a token: it belongs to whoever holds the device (later stages re-evaluate what depends
                // on their devices); an unknown token concerns nobody.
                Sql.queryOne(batch.connection(), "SELECT person_id FROM devices WHERE workspace_id = ? AND token = ?",
                        rs -> rs.getString(1), ws, d.token()).ifPresent(ctx::resolvedTo);
            }
            case Payload.TimerFired t -> {
                if (cache.get(t.personId()) == null) ctx.drop("person_gone");
                else ctx.resolvedTo(t.personId());
            }
            case Payload.PreferencesChanged pc -> {
                // Set through the admin API for a person who existed then; if they were erased since, the change
                // concerns nobody and must not create a person of preferences alone, nor linger in the raw log.
                Optional<String> person = cache.personFor(ws, PersonCache.USER, e.userId());
                if (person.isPresent()) {
                    ctx.resolvedTo(person.get());
                } else {
                    ctx.drop("person_gone");
                    eventLog.forget(ws, List.of(e.messageId()));
                }
            }
            default -> {
                // Only a userId nobody has yet can be an erased one: erasure deletes the person's identities.
                if (e.userId() != null && cache.personFor(ws, PersonCache.USER, e.userId()).isEmpty()
                        && cache.isSuppressed(ws, e.userId())) {
                    ctx.drop("suppressed");
                    // An erased person's data must not linger in the raw log either. Removed at once, before the batch
                    // commits: if the batch is then replayed, the event is simply gone.
                    eventLog.forget(ws, List.of(e.messageId()));
                    return;
                }
                ctx.resolvedTo(e.payload() instanceof Payload.Alias a
                        ? alias(batch, cache, ws, a.previousId(), e.userId(), e.timestamp())
                        : resolve(batch, cache, ws, e.userId(), e.anonymousId(), e.timestamp()));
            }
        }
    }

    private String resolve(Batch batch, PersonCache cache, String ws, String userId, String anonymousId, long at)
            throws SQLException {
        long now = batch.now();
        if (userId == null) {
            Optional<String> anon = cache.personFor(ws, PersonCache.ANON, anonymousId);
            if (anon.isPresent()) return anon.get();
            PersonState p = cache.create(personIds.next(ws, null, anonymousId), ws, null, at);
            cache.link(ws, PersonCache.ANON, anonymousId, p.id, now);
            return p.id;
        }
        Optional<String> known = cache.personFor(ws, PersonCache.USER, userId);
        Optional<String> anon = anonymousId == null ? Optional.empty()
                : cache.personFor(ws, PersonCache.ANON, anonymousId);
        if (known.isEmpty()) {
            if (anon.isPresent()) {
                PersonState a = cache.get(anon.get());
                if (a.userId == null) { // the visitor just identified: they become the known person
                    a.knownAs(userId);
                    cache.link(ws, PersonCache.USER, userId, a.id, now);
                    return a.id;
                }
            }
            // A new known person. An anonymous id already owned by another known person (a shared browser) stays
            // with its owner: known people are merged only by an explicit alias.
            PersonState p = cache.create(personIds.next(ws, userId, null), ws, userId, at);
            cache.link(ws, PersonCache.USER, userId, p.id, now);
            if (anon.isEmpty() && anonymousId != null) cache.link(ws, PersonCache.ANON, anonymousId, p.id, now);
            return p.id;
        }
        String personId = known.get();
        if (anonymousId != null) {
            if (anon.isEmpty()) {
                cache.link(ws, PersonCache.ANON, anonymousId, personId, now);
            } else if (!anon.get().equals(personId) && cache.get(anon.get()).userId == null) {
                merge(batch, cache, anon.get(), personId);
            }
        }
        return personId;
    }

    private String alias(Batch batch, PersonCache cache, String ws, String previousId, String userId, long at)
            throws SQLException {
        long now = batch.now();
        Optional<String> target = cache.personFor(ws, PersonCache.USER, userId);
        Optional<String> previous = cache.personFor(ws, PersonCache.USER, previousId);
        if (previous.isEmpty()) previous = cache.personFor(ws, PersonCache.ANON, previousId);
        if (previous.isEmpty()) {
            String id = target.isPresent() ? target.get() : createKnown(cache, ws, userId, at, now);
            // Remember the previous id, so later events sent under it find this person, whether they send it as
            // an anonymous id or as a user id: an unseen previousId could have been either.
            cache.link(ws, PersonCache.ANON, previousId, id, now);
            cache.link(ws, PersonCache.USER, previousId, id, now);
            return id;
        }
        if (target.isEmpty()) {
            // userId is the id the person goes by from now on; the previous one still finds them.
            PersonState p = cache.get(previous.get());
            p.knownAs(userId);
            cache.link(ws, PersonCache.USER, userId, p.id, now);
            return p.id;
        }
        if (!previous.get().equals(target.get())) merge(batch, cache, previous.get(), target.get());
        return target.get();
    }

    private String createKnown(PersonCache cache, String ws, String userId, long at, long now) {
        PersonState p = cache.create(personIds.next(ws, userId, null), ws, userId, at);
        cache.link(ws, PersonCache.USER, userId, p.id, now);
        return p.id;
    }

    /**
     * Moves everything of {@code fromId} to {@code intoId} and deletes {@code fromId}. Attributes the known person
     * already has win; the others are taken over.
     */
    static void merge(Batch batch, PersonCache cache, String fromId, String intoId) throws SQLException {
        cache.flush(); // pending rows of the merged person must exist before they are moved
        PersonState from = cache.get(fromId);
        PersonState into = cache.get(intoId);
        for (Iterator<Map.Entry<String, JsonNode>> it = from.attributes().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> a = it.next();
            if (!into.attributes().has(a.getKey())) into.attributes().set(a.getKey(), a.getValue());
        }
        into.attributesChanged();
        into.createdAt = Math.min(into.createdAt, from.createdAt);
        into.seenAt(from.lastSeenAt);
        if (into.timezone == null) into.timezone = from.timezone;
        if (into.locale == null) into.locale = from.locale;
        into.dirty = true;
        Connection c = batch.connection();
        Sql.update(c, "UPDATE identities SET person_id = ? WHERE person_id = ?", intoId, fromId);
        Sql.update(c, "UPDATE person_events SET person_id = ? WHERE person_id = ?", intoId, fromId);
        Sql.update(c, "UPDATE devices SET person_id = ? WHERE person_id = ?", intoId, fromId);
        // Preferences: the known person's choices win; the visitor's are taken over only when they have none.
        Sql.update(c, "DELETE FROM person_preferences WHERE person_id = ? AND EXISTS "
                + "(SELECT 1 FROM person_preferences WHERE person_id = ?)", fromId, intoId);
        Sql.update(c, "UPDATE person_preferences SET person_id = ? WHERE person_id = ?", intoId, fromId);
        Sql.update(c, "UPDATE timers SET person_id = ? WHERE person_id = ?", intoId, fromId);
        batch.announceMerge(fromId, intoId);
        Sql.update(c, "DELETE FROM persons WHERE id = ?", fromId);
        cache.forget(fromId);
    }
}
