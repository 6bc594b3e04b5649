package io.herald.person;

import com.github.f4b6a3.uuid.UuidCreator;

/**
 * Where the ids of new people come from. Live, random time-ordered UUIDs; the simulator derives them from the ids
 * people are known by, so a split (which assigns people by person id) sends a simulated person down the same path
 * in every run.
 */
@FunctionalInterface
public interface PersonIds {
    PersonIds RANDOM = (workspaceId, userId, anonymousId) -> UuidCreator.getTimeOrderedEpoch().toString();

    /**
     * The id of a person about to be created, known by {@code userId} or, for an anonymous visitor, by
     * {@code anonymousId} (the other is null). Must never return the id of a person who exists.
     */
    String next(String workspaceId, String userId, String anonymousId);
}
