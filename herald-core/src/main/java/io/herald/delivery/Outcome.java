package io.herald.delivery;

import java.time.Duration;

/**
 * What a channel's provider answered for one delivery. A rejection is permanent and a retry transient, as the
 * provider said; {@link Unknown} is neither: the request may or may not have reached the provider, so Herald must not
 * send it again on its own.
 */
public sealed interface Outcome {
    /** Accepted; {@code providerId} is the provider's id for it (null when it gives none). */
    record Sent(String providerId) implements Outcome {
    }

    /** Not now: try again, no sooner than {@code retryAfter} when the provider said so (else null). */
    record Retry(String reason, Duration retryAfter) implements Outcome {
    }

    /** Never: the provider refused it for good (bad address, bad request); {@code reason} is recorded. */
    record Rejected(String reason) implements Outcome {
    }

    /** The answer was lost in flight: it may have been delivered. Recorded as {@code unknown}, never re-sent. */
    record Unknown(String reason) implements Outcome {
    }
}
