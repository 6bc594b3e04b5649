package io.herald.segment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What one {@link Tally} counts: events matching a filter, and only those between two fixed instants when a
 * condition says {@code between} with dates (null: all). Its {@link #id()} names the tally in stored state.
 */
record TallyKey(EventFilter filter, Long from, Long to) {

    static TallyKey of(Condition.Performed p) {
        if (p.window() instanceof Condition.Window.Between b) return new TallyKey(p.filter(), b.from(), b.to());
        return new TallyKey(p.filter(), null, null);
    }

    /** Whether an event at {@code ts} falls in the key's fixed range. */
    boolean inRange(long ts) {
        return from == null || (ts >= from && ts < to);
    }

    /** A short stable id: the same key hashes the same in every process and version. */
    String id() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
