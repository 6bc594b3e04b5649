package io.herald.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** Small helpers over plain JDBC, so repositories read as their SQL. */
public final class Sql {
    private Sql() {
    }

    /** Maps the current row of a result set. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return rows(ps, mapper, params);
        }
    }

    private static <T> List<T> rows(PreparedStatement ps, RowMapper<T> mapper, Object... params) throws SQLException {
        bind(ps, params);
        try (ResultSet rs = ps.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) out.add(mapper.map(rs));
            return out;
        }
    }

    /**
     * As {@link #query}, on a statement kept prepared on the connection ({@link Statements}): for the few statements a
     * hot path runs on every request, where preparing would cost more than running.
     */
    public static <T> List<T> queryKept(Connection c, String sql, RowMapper<T> mapper, Object... params)
            throws SQLException {
        PreparedStatement kept = Statements.cached(c, sql);
        return kept == null ? query(c, sql, mapper, params) : rows(kept, mapper, params);
    }

    public static <T> Optional<T> queryOne(Connection c, String sql, RowMapper<T> mapper, Object... params)
            throws SQLException {
        List<T> rows = query(c, sql, mapper, params);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    public static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof Boolean b) ps.setBoolean(i + 1, b);
            else ps.setObject(i + 1, p);
        }
    }

    /** Most values bound in one {@code IN (…)} list: well under both engines' limits on bound parameters. */
    public static final int MAX_IN_LIST = 500;

    /** {@code ?, ?, …} for an {@code IN (…)} list of {@code n} values. */
    public static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** Slices of at most {@link #MAX_IN_LIST} values, one {@code IN (…)} statement each. */
    public static <T> List<List<T>> chunks(List<T> values) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < values.size(); i += MAX_IN_LIST) {
            out.add(values.subList(i, Math.min(values.size(), i + MAX_IN_LIST)));
        }
        return out;
    }

    /** Reads a nullable BIGINT column. */
    public static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
