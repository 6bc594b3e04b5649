package io.herald.inapp;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The eligible lists a server has answered lately, on SQLite, each kept with the person it was read for and that
 * person's version in {@code inapp_versions} (V16) when it was read.
 *
 * <p>Why: every page view of every visitor asks for their list, and reading it (the person's deliveries in display
 * order, their feed position) was most of what a list cost the server, for a list that rarely changes between two
 * page views. The version makes the memory safe without trusting any writer to report to it: the store's triggers
 * bump a person's version on every change to what their list reads, whoever makes it. A kept list is given out only
 * while the identity still names the same person, that person's stored version is the one it was kept with, and
 * none of its messages has expired since (expiry is the one change no statement makes).
 *
 * <p>At most {@value #MAX_CHARS} characters of kept message text (about 32 MB for the ASCII JSON messages are), the
 * least recently asked for forgotten first; each list also counts {@value #OVERHEAD} for its key and bookkeeping.
 */
final class ListingMemory {
    static final long MAX_CHARS = 32L << 20;
    static final int OVERHEAD = 256;

    /** Whose list: an identity ({@code kind} user or anon) and whether only anonymous messages are asked for. */
    record Key(String workspaceId, String kind, String value, boolean anonymousOnly) {
    }

    private record Kept(String personId, long version, long validUntil, InApp.Found found, long chars) {
    }

    private final long maxChars;
    private final LinkedHashMap<Key, Kept> kept = new LinkedHashMap<>(1024, 0.75f, true);
    private long chars;

    ListingMemory() {
        this(MAX_CHARS);
    }

    ListingMemory(long maxChars) {
        this.maxChars = maxChars;
    }

    /** The list kept for {@code key}, if it was read for this person at this version and nothing in it expired. */
    synchronized InApp.Found get(Key key, String personId, long version, long now) {
        Kept k = kept.get(key);
        return k != null && k.version == version && k.personId.equals(personId) && now < k.validUntil ? k.found : null;
    }

    /**
     * Keeps a list read for {@code personId} after its version was read as {@code version} (so what it holds is at
     * least that new); {@code validUntil} is the earliest expiry among its messages.
     */
    synchronized void put(Key key, String personId, long version, long validUntil, InApp.Found found) {
        long size = OVERHEAD;
        for (String m : found.listing().data()) size += m.length();
        Kept old = kept.remove(key);
        if (old != null) chars -= old.chars;
        if (size > maxChars / 16) return; // an unusually long list is read every time rather than crowd out others
        kept.put(key, new Kept(personId, version, validUntil, found, size));
        chars += size;
        for (Iterator<Kept> it = kept.values().iterator(); chars > maxChars && it.hasNext(); ) {
            chars -= it.next().chars;
            it.remove();
        }
    }

    /** Forgets every list kept for this person: an erased person's messages do not stay in memory until evicted. */
    synchronized void forget(String personId) {
        for (Iterator<Kept> it = kept.values().iterator(); it.hasNext(); ) {
            Kept k = it.next();
            if (k.personId.equals(personId)) {
                chars -= k.chars;
                it.remove();
            }
        }
    }

    /** How many lists are kept (for tests). */
    synchronized int size() {
        return kept.size();
    }
}
