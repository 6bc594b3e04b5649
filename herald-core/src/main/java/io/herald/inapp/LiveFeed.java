package io.herald.inapp;

/**
 * Tells a person's open in-app streams that their feed has something new. Only a nudge travels: each stream then
 * reads the feed from the store after the last entry it sent, so a nudge lost, repeated or crossing another loses
 * nothing. Streams subscribe under the identity they connected with ({@link #key}), which works before the person's
 * first event has been processed and follows identity merges. {@link LocalLiveFeed} serves one node; a cross-node
 * implementation only has to carry the keys.
 */
public interface LiveFeed {
    /** What a subscription is registered under: a workspace and an identity ({@code user} or {@code anon}). */
    static String key(String workspaceId, String kind, String value) {
        return workspaceId + '\n' + kind + '\n' + value;
    }

    /** Nudges every stream subscribed under {@code key}. Never blocks on a stream. */
    void poke(String key);

    /** Registers {@code listener} under {@code key} until the returned handle is closed. */
    AutoCloseable subscribe(String key, Runnable listener);

    /** How many streams are subscribed (a gauge, and what benchmarks count). */
    int subscribers();
}
