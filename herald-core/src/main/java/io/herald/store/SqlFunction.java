package io.herald.store;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with one connection; may throw the driver's exceptions, which the {@link Database} wraps. */
@FunctionalInterface
public interface SqlFunction<T> {
    T apply(Connection connection) throws SQLException;
}
