package io.herald.store;

/** The SQL engines Herald stores its data in. */
public enum Engine {
    SQLITE,
    POSTGRESQL
}
