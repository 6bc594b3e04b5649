package io.herald.segment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** What a condition is evaluated against: one person's profile, tallies, memberships, devices, subscriptions. */
interface Facts {
    /** The person's attributes (read lazily: only attribute conditions need them). */
    JsonNode attributes();

    /** The person's tally for a behavioral part of a condition; null when they never did such an event. */
    Tally tally(Condition.Performed p);

    boolean inSegment(String segmentId);

    List<DeviceFact> devices();

    boolean subscribed(String channel, String topic);

    record DeviceFact(String platform, String provider, String appId, boolean pushEnabled) {
    }
}
