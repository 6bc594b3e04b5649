package io.herald.message;

/**
 * A message that cannot be rendered for a person: a strict message met an undefined variable, or a render went
 * over its time or size limit. The reason is recorded on the delivery.
 */
public final class RenderFailure extends Exception {
    private final String reason;

    public RenderFailure(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** A snake_case reason for the delivery's record, e.g. {@code undefined_variable}, {@code render_limit}. */
    public String reason() {
        return reason;
    }
}
