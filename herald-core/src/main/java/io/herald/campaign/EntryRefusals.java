package io.herald.campaign;

/**
 * Told when a campaign's trigger matched a person but its entry rules or audience kept them out, and why. Live
 * nothing listens (a refusal changes nothing and is not stored); the simulator shows them as each person's
 * "why not".
 */
@FunctionalInterface
public interface EntryRefusals {
    EntryRefusals IGNORE = (campaignId, personId, at, reason) -> { };

    /** Called inside the processor's batch, so it must be quick and must not touch the store. */
    void refused(String campaignId, String personId, long at, String reason);
}
