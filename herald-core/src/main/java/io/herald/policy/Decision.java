package io.herald.policy;

/** What the policy gate says about one delivery now. */
public sealed interface Decision {
    /** Send it now. */
    record Send() implements Decision {
    }

    /** Not now: try again at {@code until} (epoch ms), e.g. the end of the person's quiet hours. */
    record Defer(long until, String reason) implements Decision {
    }

    /** Never: recorded as suppressed with the reason (unsubscribed, frequency_capped, quiet_hours, expired, ...). */
    record Suppress(String reason) implements Decision {
    }
}
