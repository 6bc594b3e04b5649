package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.delivery.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the devices' answers become the delivery's one outcome. */
class PushChannelFoldTest {
    @Test
    void anyDeviceReachedMakesTheDeliverySentWithEveryProviderId() {
        assertThat(PushChannel.fold(List.of(new PushResult.Sent("a"), new PushResult.Retry("TooManyRequests", null),
                new PushResult.TokenGone("Unregistered"), new PushResult.Sent("b"))))
                .isEqualTo(new Outcome.Sent("a,b"));
        assertThat(PushChannel.fold(List.of(new PushResult.Sent(null)))).isEqualTo(new Outcome.Sent(null));
    }

    @Test
    void aLostAnswerWithNoDeviceReachedIsUnknownEvenBesideATransientFailure() {
        // Retrying would send again to the device that may have shown it.
        assertThat(PushChannel.fold(List.of(new PushResult.Retry("ServiceUnavailable", null),
                new PushResult.Unknown("apns_error: reset")))).isEqualTo(new Outcome.Unknown("apns_error: reset"));
    }

    @Test
    void aTransientFailureRetriesTheDeliveryNoSoonerThanTheLongestRetryAfter() {
        assertThat(PushChannel.fold(List.of(new PushResult.Rejected("BadTopic"),
                new PushResult.Retry("TooManyRequests", Duration.ofSeconds(5)),
                new PushResult.Retry("ServiceUnavailable", Duration.ofSeconds(30)))))
                .isEqualTo(new Outcome.Retry("ServiceUnavailable", Duration.ofSeconds(30)));
    }

    @Test
    void onlyPermanentFailuresFailTheDeliveryWithEachReasonOnce() {
        assertThat(PushChannel.fold(List.of(new PushResult.TokenGone("Unregistered"), new PushResult.Rejected("no_provider"),
                new PushResult.TokenGone("Unregistered")))).isEqualTo(new Outcome.Rejected("Unregistered; no_provider"));
    }
}
