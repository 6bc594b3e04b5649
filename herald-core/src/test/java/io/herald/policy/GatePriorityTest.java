package io.herald.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Engine;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Priority, on both engines: when a person's deliveries compete for the last room under a cap, a lower-priority
 * one does not take room that higher-priority ones, waiting and due, need.
 */
class GatePriorityTest {
    private static final String NOW = "2026-11-22T12:00:00Z";
    private static final String PUSH_CAP_2 = "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":2,\"per\":\"P1D\"}]}";
    private static final String CAPPED_CONTEXT = "{\"policies\":{\"quietHours\":true,\"frequencyCap\":true,\"priority\":80}}";
    private static final Decision SEND = new Decision.Send();

    @TempDir
    Path dir;

    private GateFixture lastRoomOnPush(Engine engine) {
        GateFixture f = new GateFixture(engine, dir, NOW);
        f.policies(PUSH_CAP_2);
        f.sent("push", f.now() - 60_000);
        return f;
    }

    private static Decision outranked(GateFixture f) {
        return new Decision.Defer(f.now() + Gate.OUTRANKED_RETRY_MS, "outranked");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void lowerPriorityWaitsWhileAHigherOneNeedsTheLastRoomThenIsCapped(Engine engine) {
        try (GateFixture f = lastRoomOnPush(engine)) {
            String high = f.waiting("push", "queued", 80, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(50).check()).isEqualTo(outranked(f));
            // The higher one is not outranked by the lower one (which is not waiting here, it is asking).
            assertThat(f.request("push").priority(80).id(high).check()).isEqualTo(SEND);
            // It goes: the dispatcher records sent_at in the transaction the gate answered Send in.
            f.db().inTransaction(c -> io.herald.store.Sql.update(c, "UPDATE deliveries SET status = 'sent', sent_at = ? "
                    + "WHERE id = ?", f.now(), high));
            f.advance(Duration.ofMillis(Gate.OUTRANKED_RETRY_MS));
            assertThat(f.request("push").priority(50).check()).isEqualTo(new Decision.Suppress("frequency_capped"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void deferredHigherOneDueNowCompetesToo(Engine engine) {
        try (GateFixture f = lastRoomOnPush(engine)) {
            f.waiting("push", "deferred", 60, f.now() - 1000, f.now() + 3_600_000, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(50).check()).isEqualTo(outranked(f));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void equalPrioritiesGoFirstComeFirstServed(Engine engine) {
        try (GateFixture f = lastRoomOnPush(engine)) {
            f.waiting("push", "queued", 50, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(50).check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void roomForEveryHigherOneLeavesRoomForTheLowerToo(Engine engine) {
        try (GateFixture f = new GateFixture(engine, dir, NOW)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":3,\"per\":\"P1D\"}]}");
            f.sent("push", f.now() - 60_000);
            f.waiting("push", "queued", 90, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(10).check()).as("room 2, one higher waiting").isEqualTo(SEND);
            f.waiting("push", "queued", 70, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(10).check()).as("room 2, two higher waiting").isEqualTo(outranked(f));
            assertThat(f.request("push").priority(80).check()).as("only the 90 outranks an 80").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void deliveriesThatDoNotNeedTheRoomDoNotCompete(Engine engine) {
        try (GateFixture f = lastRoomOnPush(engine)) {
            f.waiting("push", "deferred", 90, f.now() + 3_600_000, null, CAPPED_CONTEXT); // not due yet
            f.waiting("push", "queued", 90, null, f.now(), CAPPED_CONTEXT); // expired
            f.waiting("push", "sent", 90, null, null, CAPPED_CONTEXT); // gone already (and counted if sent in window)
            f.waiting("push", "queued", 90, null, null, "{\"policies\":{\"frequencyCap\":false}}"); // not held to caps
            f.waiting("email", "queued", 90, null, null, CAPPED_CONTEXT); // a channel the push cap does not cover
            f.delivery("push", "queued", 90, null, null, CAPPED_CONTEXT, null, true); // transactional
            assertThat(f.request("push").priority(50).check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anyCapMakesDeliveriesOnOtherChannelsCompete(Engine engine) {
        try (GateFixture f = new GateFixture(engine, dir, NOW)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":2,\"per\":\"P1D\"}]}");
            f.sent("email", f.now() - 60_000);
            f.waiting("in_app", "queued", 70, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(50).check()).isEqualTo(outranked(f));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void outrankedDeliveryThatWouldExpireBeforeAskingAgainIsSuppressed(Engine engine) {
        try (GateFixture f = lastRoomOnPush(engine)) {
            f.waiting("push", "queued", 80, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(50).expiresAt(f.now() + 30_000).check())
                    .isEqualTo(new Decision.Suppress("outranked"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void deliveriesNotHeldToCapsAreNeverOutranked(Engine engine) {
        try (GateFixture f = lastRoomOnPush(engine)) {
            f.waiting("push", "queued", 80, null, null, CAPPED_CONTEXT);
            assertThat(f.request("push").priority(10).noFrequencyCap().check()).isEqualTo(SEND);
            assertThat(f.request("push").priority(10).transactional().check()).isEqualTo(SEND);
            assertThat(f.request("email").priority(10).check()).as("no cap on email").isEqualTo(SEND);
        }
    }
}
