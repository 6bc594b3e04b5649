package io.herald.push;

import java.time.Duration;

/** What a push service answered for one device. */
public sealed interface PushResult {
    /** Accepted; {@code providerId} is the service's id for it (apns-id, FCM message name), or null. */
    record Sent(String providerId) implements PushResult {
    }

    /** Transient (throttled, unavailable): try again, no sooner than {@code retryAfter} when given. */
    record Retry(String reason, Duration retryAfter) implements PushResult {
    }

    /** Refused for good for this message (payload too large, bad request); the device stays. */
    record Rejected(String reason) implements PushResult {
    }

    /** The device's token is no longer valid (APNs Unregistered/BadDeviceToken/410, FCM UNREGISTERED, 404/410): disable it. */
    record TokenGone(String reason) implements PushResult {
    }

    /** The answer was lost in flight: it may have been delivered; never re-sent on its own. */
    record Unknown(String reason) implements PushResult {
    }
}
