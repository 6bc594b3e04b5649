package io.herald.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The few statements that differ between SQLite and PostgreSQL. */
public final class Dialect {
    private final Engine engine;

    Dialect(Engine engine) {
        this.engine = engine;
    }

    /** The dialect of the store {@code c} is a connection to, for code that is given connections, not the store. */
    public static Dialect of(Connection c) throws SQLException {
        return new Dialect(c.isWrapperFor(org.sqlite.SQLiteConnection.class) ? Engine.SQLITE : Engine.POSTGRESQL);
    }

    public Engine engine() {
        return engine;
    }

    /**
     * Serialises appends to the event log for the rest of the transaction.
     *
     * <p>Why: readers of the log follow it by sequence number. In PostgreSQL a transaction that took a lower
     * sequence number can commit after one that took a higher one, and a reader that already moved past the higher
     * number would skip the lower one for ever. Holding this lock from insert to commit makes sequence order equal
     * commit order. SQLite has one writer at a time already.
     */
    public void lockLogAppends(Connection c) throws SQLException {
        if (engine == Engine.POSTGRESQL) {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(4242001)");
            }
        }
    }

    /**
     * Serialises appends to the in-app feed for the rest of the transaction, for the reason given at
     * {@link #lockLogAppends}: open streams follow a person's feed by sequence number.
     */
    public void lockFeedAppends(Connection c) throws SQLException {
        if (engine == Engine.POSTGRESQL) {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(4242006)");
            }
        }
    }

    /**
     * Serialises the dispatchers' gate steps (threads and nodes) for the rest of the transaction.
     *
     * <p>Why: a gate step counts a person's sends under the frequency caps and marks the ones it lets through as
     * sent. Two steps at once under READ COMMITTED would each count without the other's sends and could together
     * pass more than a cap allows. SQLite's write transaction is this lock already.
     */
    public void lockGate(Connection c) throws SQLException {
        if (engine == Engine.POSTGRESQL) {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(4242007)");
            }
        }
    }

    /** Row locking for claiming work; SQLite's single writer needs none. */
    public String forUpdateSkipLocked() {
        return engine == Engine.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
    }

    /** An aggregate of a group's {@code expression}s as one text, joined by {@code separator} (an SQL literal). */
    public String joined(String expression, String separator) {
        return (engine == Engine.POSTGRESQL ? "string_agg(" : "group_concat(") + expression + ", " + separator + ")";
    }

    /** Whether the text {@code expression} contains {@code literal} (an SQL string literal) anywhere. */
    public String contains(String expression, String literal) {
        return (engine == Engine.POSTGRESQL ? "strpos(" : "instr(") + expression + ", " + literal + ") > 0";
    }

    /** Case-insensitive LIKE. */
    public String ilike() {
        return engine == Engine.POSTGRESQL ? "ILIKE" : "LIKE";
    }
}
