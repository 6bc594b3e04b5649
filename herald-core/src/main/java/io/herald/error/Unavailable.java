package io.herald.error;

/** Herald cannot take the request now (overloaded, store down, shutting down); the client should retry later. */
public final class Unavailable extends RuntimeException {
    private final int retryAfterSeconds;

    public Unavailable(String message, int retryAfterSeconds, Throwable cause) {
        super(message, cause);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
