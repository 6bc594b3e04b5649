package io.herald.person;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The people and ids one partition's processor saw last, kept from batch to batch so that a batch looks up in the
 * store only the people it has not met recently.
 *
 * <p>It holds only what committed: a batch works on copies and hands its people back after its transaction
 * commits, so a failed batch leaves nothing behind. It may hold what it holds because the processor is the only
 * writer of people: erasure runs while no batch does and then empties every {@code KnownPeople}, and a merge
 * (which moves ids between people in the store) empties its partition's. Both are rare. Bounded: least recently
 * used people and ids are dropped first.
 */
final class KnownPeople {
    private final Map<String, String> personOfId;
    private final Map<String, PersonState> people;

    KnownPeople(int capacity) {
        this.people = new LinkedHashMap<>(capacity, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PersonState> eldest) {
                return size() > capacity;
            }
        };
        int ids = capacity * 2; // a person has a userId and an anonymous id or two
        this.personOfId = new LinkedHashMap<>(ids, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > ids;
            }
        };
    }

    synchronized String personOf(String identityKey) {
        return personOfId.get(identityKey);
    }

    /** A copy of the person for a batch to change, or null when not known here. */
    synchronized PersonState person(String personId) {
        PersonState p = people.get(personId);
        return p == null ? null : p.copy();
    }

    /** Takes in what a batch committed: the ids it resolved and the people it read or wrote. */
    synchronized void remember(Map<String, Optional<String>> ids, Collection<PersonState> committed) {
        for (Map.Entry<String, Optional<String>> id : ids.entrySet()) {
            id.getValue().ifPresent(personId -> personOfId.put(id.getKey(), personId));
        }
        for (PersonState p : committed) people.put(p.id, p.copy());
    }

    synchronized void clear() {
        personOfId.clear();
        people.clear();
    }
}
