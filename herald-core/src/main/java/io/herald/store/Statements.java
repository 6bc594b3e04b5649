package io.herald.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prepared statements kept per physical connection across borrows from the pool, for the statements hot paths run
 * on every delivery, event or client request (the policy gate, the in-app list, feed and identity checks, a
 * person's campaign runs, the log's positions after an append).
 *
 * <p>Why: on SQLite preparing a small statement costs several times executing it
 * (SQLite has no statement cache of its own, and the pool closes a borrower's statements when it returns the
 * connection). Statements are prepared on the physical connection under the pool's proxy ({@code
 * unwrap(Connection.class)}), so returning the proxy leaves them open; they run in whatever transaction the
 * connection is in, like the proxy's own. A physical connection is used by one thread at a time (whoever borrowed
 * it), so a statement is never shared between threads. Entries of connections the pool has closed are dropped when
 * a new connection first comes by; the cache holds at most {@link #MAX_PER_CONNECTION} statements a connection.
 */
public final class Statements {
    static final int MAX_PER_CONNECTION = 64;
    /**
     * By physical connection (drivers' connections compare by identity). Concurrent rather than locked: every
     * client request looks its connection up here, and a lock that parks virtual threads on every collision cost
     * more than the look-up.
     */
    private static final Map<Connection, Map<String, PreparedStatement>> CACHE = new ConcurrentHashMap<>();

    private Statements() {
    }

    /**
     * A prepared statement for {@code sql} on {@code c}'s physical connection: the caller sets every parameter and
     * closes the result set, never the statement. Null when the cache is full for this connection: the caller
     * prepares (and closes) its own.
     */
    public static PreparedStatement cached(Connection c, String sql) throws SQLException {
        Connection physical = c.unwrap(Connection.class);
        Map<String, PreparedStatement> statements = CACHE.get(physical);
        if (statements == null) {
            purgeClosed();
            statements = new HashMap<>();
            CACHE.put(physical, statements); // only this borrower has the connection: nobody races this put
        }
        // Only the thread that borrowed this connection is here now: the inner map needs no lock.
        PreparedStatement ps = statements.get(sql);
        if (ps != null && !ps.isClosed()) return ps;
        if (ps == null && statements.size() >= MAX_PER_CONNECTION) return null;
        ps = physical.prepareStatement(sql);
        statements.put(sql, ps);
        return ps;
    }

    private static void purgeClosed() {
        for (Iterator<Connection> it = CACHE.keySet().iterator(); it.hasNext(); ) {
            Connection k = it.next();
            try {
                if (k.isClosed()) it.remove();
            } catch (SQLException e) {
                it.remove();
            }
        }
    }
}
