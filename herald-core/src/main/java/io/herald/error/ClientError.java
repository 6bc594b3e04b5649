package io.herald.error;

/**
 * A mistake in what a client sent: it maps to a 4xx answer naming the problem, and nothing was changed.
 *
 * <p>Services throw it at the edge, where input is validated; the HTTP layer turns it into API.md's error JSON.
 */
public final class ClientError extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    public ClientError(int status, String code, String message, String field) {
        super(message, null, false, false);
        if (status < 400 || status > 499) throw new IllegalArgumentException("status must be 4xx, was " + status);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public static ClientError invalid(String field, String message) {
        return new ClientError(400, "invalid_field", message, field);
    }

    public static ClientError missing(String field) {
        return new ClientError(400, "missing_field", field + " is required", field);
    }

    public static ClientError notFound(String what) {
        return new ClientError(404, "not_found", what + " not found", null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The path of the field at fault, or null when the request as a whole is. */
    public String field() {
        return field;
    }

    /** The same error about a field nested under {@code prefix} (e.g. a call inside a batch). */
    public ClientError under(String prefix) {
        String f = field == null ? prefix : prefix + "." + field;
        return new ClientError(status, code, prefix + ": " + getMessage(), f);
    }
}
