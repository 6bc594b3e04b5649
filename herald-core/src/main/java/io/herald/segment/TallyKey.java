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

    private static String operand(Condition.Operand o) {
        return switch (o) {
            case Condition.Operand.Value v -> "=" + v.value();
            case Condition.Operand.Values v -> "in" + v.values();
            case Condition.Operand.At a -> "@" + a.epochMillis();
            case Condition.Operand.Ago a -> "-" + a.ago().toMillis();
            case Condition.Operand.None n -> "";
        };
    }

    /** Whether an event at {@code ts} falls in the key's fixed range. */
    boolean inRange(long ts) {
        return from == null || (ts >= from && ts < to);
    }

    /**
     * A short stable id: the same key hashes the same in every process and version. Built from an explicit
     * canonical form rather than the records' toString, which would change with a renamed field and orphan every
     * stored tally.
     */
    String id() {
        StringBuilder b = new StringBuilder("v1|").append(filter.event()).append('|');
        for (Condition.PropertyFilter f : filter.where()) {
            b.append(f.path()).append(' ').append(f.op().name()).append(' ').append(operand(f.operand())).append(';');
        }
        b.append('|').append(filter.property()).append('|').append(from).append('|').append(to);
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
