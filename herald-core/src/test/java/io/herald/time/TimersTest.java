package io.herald.time;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.Payload;
import io.herald.ingest.CallKind;
import io.herald.processor.Batch;
import io.herald.processor.EventContext;
import io.herald.processor.Stage;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TimersTest {
    @TempDir
    Path dir;

    /** Schedules a reminder 30 minutes after "setup_started" and records the reminders that fire. */
    static final class Reminder implements Stage {
        final List<String> fired = new ArrayList<>();

        @Override
        public void handle(Batch batch, EventContext ctx) throws SQLException {
            var e = ctx.event();
            if (e.payload() instanceof Payload.Track t && t.event().equals("setup_started")) {
                Timers.schedule(batch.connection(), e.workspaceId(), ctx.personId(), e.partition(),
                        e.timestamp() + Duration.ofMinutes(30).toMillis(), "reminder", null, batch.now());
            }
            if (e.payload() instanceof Payload.TimerFired t) fired.add(t.kind() + "@" + ctx.personId());
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void timerFiresIntoThePersonsLogWhenItsTimeComesAndNotBefore(Engine engine) {
        Reminder reminder = new Reminder();
        TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
        try (Pipeline p = new Pipeline(engine, dir, clock, reminder)) {
            u1StartsSetup(p);
            String personId = p.people().byUserId(Pipeline.WORKSPACE, "u1").orElseThrow().id();

            clock.advance(Duration.ofMinutes(29));
            assertThat(p.timers().fireDue()).isZero();
            p.process();
            assertThat(reminder.fired).isEmpty();

            clock.advance(Duration.ofMinutes(1));
            assertThat(p.timers().fireDue()).isEqualTo(1);
            p.process();
            assertThat(reminder.fired).containsExactly("reminder@" + personId);

            clock.advance(Duration.ofDays(1));
            assertThat(p.timers().fireDue()).as("a timer fires once").isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void timerOfAnErasedPersonDoesNotFire(Engine engine) {
        Reminder reminder = new Reminder();
        TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
        try (Pipeline p = new Pipeline(engine, dir, clock, reminder)) {
            u1StartsSetup(p);
            p.people().erase(Pipeline.WORKSPACE, "u1", true);

            clock.advance(Duration.ofHours(1));
            assertThat(p.timers().fireDue()).isZero();
            p.process();
            assertThat(reminder.fired).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void timersFollowAnAnonymousPersonIntoTheKnownOne(Engine engine) {
        Reminder reminder = new Reminder();
        TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
        try (Pipeline p = new Pipeline(engine, dir, clock, reminder)) {
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u1\",\"messageId\":\"m0\"}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"a1\",\"event\":\"setup_started\",\"messageId\":\"m1\"}");
            p.process();
            p.send(CallKind.TRACK, "{\"anonymousId\":\"a1\",\"userId\":\"u1\",\"event\":\"login\",\"messageId\":\"m2\"}");
            p.process();
            String known = p.people().byUserId(Pipeline.WORKSPACE, "u1").orElseThrow().id();

            clock.advance(Duration.ofMinutes(30));
            p.timers().fireDue();
            p.process();
            assertThat(reminder.fired).containsExactly("reminder@" + known);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void nextDueNamesTheEarliestTimerSoATimeSkippingRunCanJumpToIt(Engine engine) {
        Reminder reminder = new Reminder();
        TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
        try (Pipeline p = new Pipeline(engine, dir, clock, reminder)) {
            assertThat(p.timers().nextDue()).isEmpty();
            u1StartsSetup(p);
            clock.advance(Duration.ofMinutes(10));
            p.send(CallKind.TRACK, "{\"userId\":\"u2\",\"event\":\"setup_started\",\"messageId\":\"m2\"}");
            p.process();
            long first = clock.instant().minus(Duration.ofMinutes(10)).plus(Duration.ofMinutes(30)).toEpochMilli();
            assertThat(p.timers().nextDue()).hasValue(first);

            clock.set(java.time.Instant.ofEpochMilli(p.timers().nextDue().getAsLong()));
            assertThat(p.timers().fireDue()).isEqualTo(1);
            assertThat(p.timers().nextDue()).hasValue(first + Duration.ofMinutes(10).toMillis());
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void dueTimersWaitWhileTheLogHasABacklogAndFireOnceTheProcessorCatchesUp(Engine engine) {
        Reminder reminder = new Reminder();
        TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
        try (Pipeline p = new Pipeline(engine, dir, clock, reminder)) {
            for (int i = 0; i < 5; i++) {
                p.send(CallKind.TRACK, "{\"userId\":\"u" + i + "\",\"event\":\"setup_started\",\"messageId\":\"m" + i + "\"}");
            }
            p.process();
            Timers bounded = new Timers(p.store().db(), p.log(), clock, p.processor()::lag, 3);
            clock.advance(Duration.ofMinutes(30));

            assertThat(bounded.fireDue()).as("room for 3 events in the log").isEqualTo(3);
            assertThat(bounded.fireDue()).as("no room until they are processed: the others wait").isZero();
            p.process();
            assertThat(reminder.fired).hasSize(3);

            assertThat(bounded.fireDue()).isEqualTo(2);
            p.process();
            assertThat(reminder.fired).hasSize(5);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theBacklogIsCountedOnlyWhenATimerIsDueAndOnlyUpToTwiceTheBound(Engine engine) {
        Reminder reminder = new Reminder();
        TestClock clock = TestClock.at("2026-11-22T10:00:00Z");
        try (Pipeline p = new Pipeline(engine, dir, clock, reminder)) {
            u1StartsSetup(p);
            List<Long> asked = new ArrayList<>();
            Timers bounded = new Timers(p.store().db(), p.log(), clock, atMost -> {
                asked.add(atMost);
                return p.processor().lag(atMost);
            }, 3);

            assertThat(bounded.fireDue()).as("nothing due yet").isZero();
            assertThat(asked).as("a poll finding nothing due does not count the backlog").isEmpty();
            clock.advance(Duration.ofMinutes(30));
            assertThat(bounded.fireDue()).isEqualTo(1);
            assertThat(asked).isNotEmpty().containsOnly(6L);
        }
    }

    /** u1 does "setup_started", processed: their reminder is due 30 minutes later. */
    private static void u1StartsSetup(Pipeline p) {
        p.send(CallKind.TRACK, "{\"userId\":\"u1\",\"event\":\"setup_started\",\"messageId\":\"m1\"}");
        p.process();
    }
}
