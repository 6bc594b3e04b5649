package io.herald.policy;

import io.herald.store.Sql;
import io.herald.store.Statements;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The gate's set-based statements: one statement text with an {@code IN} list over a round's keys, run in chunks. */
final class InListQuery {
    /**
     * {@code IN} lists are padded (with their last value repeated) to one of these sizes, so that a handful of
     * statement texts serve every round and stay prepared per connection ({@link Statements}).
     */
    private static final int[] LIST_SIZES = {1, 8, 64, Sql.MAX_IN_LIST};
    private static final Map<String, String> SQL = new ConcurrentHashMap<>();

    private InListQuery() {
    }

    /** Reads one row of a set-based statement. */
    interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    /**
     * Runs {@code head IN-list tail} over {@code keys} in chunks, binding {@code before}, the chunk (padded to one of
     * {@link #LIST_SIZES}) and {@code after}; statements are kept per connection.
     */
    static void run(Connection c, String head, String tail, Object[] before, List<String> keys,
                    Object[] after, Row row) throws SQLException {
        for (List<String> chunk : Sql.chunks(keys)) {
            int size = listSize(chunk.size());
            String sql = SQL.computeIfAbsent(head + size + tail, k -> head + Sql.placeholders(size) + tail);
            PreparedStatement cached = Statements.cached(c, sql);
            PreparedStatement ps = cached != null ? cached : c.prepareStatement(sql);
            try {
                int i = 1;
                for (Object v : before) bind(ps, i++, v);
                for (int k = 0; k < size; k++) ps.setString(i++, chunk.get(Math.min(k, chunk.size() - 1)));
                for (Object v : after) bind(ps, i++, v);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) row.read(rs);
                }
            } finally {
                if (cached == null) ps.close();
            }
        }
    }

    private static void bind(PreparedStatement ps, int i, Object v) throws SQLException {
        switch (v) {
            case Boolean b -> ps.setBoolean(i, b);
            case Long l -> ps.setLong(i, l);
            case Integer n -> ps.setInt(i, n);
            default -> ps.setString(i, (String) v);
        }
    }

    private static int listSize(int n) {
        for (int size : LIST_SIZES) if (n <= size) return size;
        throw new IllegalArgumentException("an IN list holds at most " + Sql.MAX_IN_LIST + " values, was " + n);
    }
}
