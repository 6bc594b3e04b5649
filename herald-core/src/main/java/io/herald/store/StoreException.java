package io.herald.store;

/** The store could not do what was asked: the database is unreachable, full, or a statement failed. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
