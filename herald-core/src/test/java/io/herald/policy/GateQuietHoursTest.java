package io.herald.policy;

import static io.herald.policy.GateFixture.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Engine;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Quiet hours in the person's own timezone, on both engines: windows crossing midnight, DST change days in New
 * York (2026-03-08, clocks forward) and Berlin (2026-10-25, clocks back), a zone without DST (Kolkata, +05:30), the
 * order in which the person's zone is found, and what defer and skip do.
 */
class GateQuietHoursTest {
    private static final String NIGHT = "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":\"defer\"}}";
    private static final Decision SEND = new Decision.Send();
    private static final Decision SKIPPED = new Decision.Suppress("quiet_hours");

    @TempDir
    Path dir;

    private GateFixture inZone(Engine engine, String now, String zone, String policies) {
        GateFixture f = new GateFixture(engine, dir, now);
        f.person(GateFixture.PERSON, "{\"timezone\":\"" + zone + "\"}", null);
        f.policies(policies);
        return f;
    }

    private static Decision deferUntil(String iso) {
        return new Decision.Defer(at(iso), "quiet_hours");
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void newYorkNightBeforeClocksGoForwardEndsAnHourEarlierInUtc(Engine engine) {
        // 2026-03-08 02:00 EST → 03:00 EDT. 22:00 EST on the 7th is 03:00Z; 08:00 EDT on the 8th is 12:00Z.
        try (GateFixture f = inZone(engine, "2026-03-08T06:30:00Z", "America/New_York", NIGHT)) {
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-03-08T12:00:00Z"));
            f.clock.set(Instant.parse("2026-03-08T02:59:59Z"));
            assertThat(f.request("push").check()).as("21:59:59 EST").isEqualTo(SEND);
            f.clock.set(Instant.parse("2026-03-08T03:00:00Z"));
            assertThat(f.request("push").check()).as("22:00 EST").isEqualTo(deferUntil("2026-03-08T12:00:00Z"));
            f.clock.set(Instant.parse("2026-03-08T11:59:59Z"));
            assertThat(f.request("push").check()).as("07:59:59 EDT").isEqualTo(deferUntil("2026-03-08T12:00:00Z"));
            f.clock.set(Instant.parse("2026-03-08T12:00:00Z"));
            assertThat(f.request("push").check()).as("08:00 EDT").isEqualTo(SEND);
            // The night after starts at 22:00 EDT (02:00Z).
            f.clock.set(Instant.parse("2026-03-09T02:00:00Z"));
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-03-09T12:00:00Z"));
            // A week before, in EST all night: 08:00 EST is 13:00Z.
            f.clock.set(Instant.parse("2026-03-01T06:30:00Z"));
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-03-01T13:00:00Z"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void berlinNightWhenClocksGoBackEndsAnHourLaterInUtc(Engine engine) {
        // 2026-10-25 03:00 CEST → 02:00 CET. 22:00 CEST on the 24th is 20:00Z; 08:00 CET on the 25th is 07:00Z.
        try (GateFixture f = inZone(engine, "2026-10-25T01:30:00Z", "Europe/Berlin", NIGHT)) {
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-10-25T07:00:00Z"));
            f.clock.set(Instant.parse("2026-10-24T19:59:00Z"));
            assertThat(f.request("push").check()).as("21:59 CEST").isEqualTo(SEND);
            f.clock.set(Instant.parse("2026-10-24T20:00:00Z"));
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-10-25T07:00:00Z"));
            f.clock.set(Instant.parse("2026-10-25T07:00:00Z"));
            assertThat(f.request("push").check()).isEqualTo(SEND);
            // That evening, CET: 22:00 is 21:00Z.
            f.clock.set(Instant.parse("2026-10-25T20:30:00Z"));
            assertThat(f.request("push").check()).as("21:30 CET").isEqualTo(SEND);
            f.clock.set(Instant.parse("2026-10-25T21:00:00Z"));
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-10-26T07:00:00Z"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void kolkataHalfHourOffsetWithoutDst(Engine engine) {
        // +05:30 all year: 22:30 IST is 17:00Z; 08:00 IST is 02:30Z.
        try (GateFixture f = inZone(engine, "2026-11-22T17:00:00Z", "Asia/Kolkata", NIGHT)) {
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-11-23T02:30:00Z"));
            f.clock.set(Instant.parse("2026-11-22T16:29:59Z"));
            assertThat(f.request("push").check()).as("21:59:59 IST").isEqualTo(SEND);
            f.clock.set(Instant.parse("2026-11-23T02:30:00Z"));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void quietHoursEndingInTheSpringGapEndWhenTheClockJumpsPastThem(Engine engine) {
        // New York has no 02:30 on 2026-03-08: at 07:00Z the clock goes from 01:59:59 EST to 03:00 EDT.
        String policies = "{\"quietHours\":{\"start\":\"23:00\",\"end\":\"02:30\"}}";
        try (GateFixture f = inZone(engine, "2026-03-08T06:30:00Z", "America/New_York", policies)) {
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-03-08T07:00:00Z"));
            f.clock.set(Instant.parse("2026-03-08T07:00:00Z"));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void quietHoursEndingInTheAutumnOverlapEndAtItsFirstOccurrence(Engine engine) {
        // Berlin shows 02:00–02:59 twice on 2026-10-25: first CEST (00:00Z–00:59Z), then CET (01:00Z–01:59Z).
        String policies = "{\"quietHours\":{\"start\":\"23:00\",\"end\":\"02:30\"}}";
        try (GateFixture f = inZone(engine, "2026-10-25T00:10:00Z", "Europe/Berlin", policies)) {
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-10-25T00:30:00Z"));
            f.clock.set(Instant.parse("2026-10-25T01:10:00Z"));
            assertThat(f.request("push").check()).as("02:10 CET, the second time round: the night is over").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void windowWithinOneDay(Engine engine) {
        String policies = "{\"quietHours\":{\"start\":\"12:00\",\"end\":\"14:00\",\"action\":\"defer\"}}";
        try (GateFixture f = inZone(engine, "2026-06-10T11:00:00Z", "Europe/Lisbon", policies)) {
            // Lisbon is at +01:00 in June: 12:00 local is 11:00Z.
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-06-10T13:00:00Z"));
            f.clock.set(Instant.parse("2026-06-10T10:59:00Z"));
            assertThat(f.request("push").check()).isEqualTo(SEND);
            f.clock.set(Instant.parse("2026-06-10T13:00:00Z"));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void zoneIsTheTimezoneAttributeThenTheLatestReportedThenTheWorkspaces(Engine engine) {
        // 2026-11-22T23:00Z: 18:00 in New York, 00:00 in Berlin, 08:00 in Tokyo, 23:00 UTC, 10:00 in Sydney.
        String policies = "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\"},\"defaultTimezone\":\"Asia/Tokyo\"}";
        try (GateFixture f = new GateFixture(engine, dir, "2026-11-22T23:00:00Z")) {
            f.policies(policies);
            f.person(GateFixture.PERSON, "{\"timezone\":\"America/New_York\"}", "Europe/Berlin");
            assertThat(f.request("push").check()).as("attribute first").isEqualTo(SEND);
            f.person(GateFixture.PERSON, "{\"timezone\":\"Not/AZone\"}", "Europe/Berlin");
            assertThat(f.request("push").check()).as("an attribute that is no zone is passed over")
                    .isEqualTo(deferUntil("2026-11-23T07:00:00Z"));
            f.person(GateFixture.PERSON, "{\"plan\":\"pro\",\"nested\":{\"timezone\":\"America/New_York\"}}", "Europe/Berlin");
            assertThat(f.request("push").check()).as("device/context timezone next")
                    .isEqualTo(deferUntil("2026-11-23T07:00:00Z"));
            f.person(GateFixture.PERSON, "{\"about\":\"timezone\",\"note\":\"\\\"timezone\\\" is set\"}", "Europe/Berlin");
            assertThat(f.request("push").check()).as("the word in values only (attributes read, no field found)")
                    .isEqualTo(deferUntil("2026-11-23T07:00:00Z"));
            f.person(GateFixture.PERSON, "{\"timezone\":42}", null);
            assertThat(f.request("push").check()).as("then the workspace's (Tokyo, 08:00: over)").isEqualTo(SEND);
            f.person(GateFixture.PERSON, "{\"timezone\":-1}", null);
            assertThat(f.request("push").check()).as("a number is no zone (not the offset -01:00, 22:00: quiet)")
                    .isEqualTo(SEND);
            f.policies("{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\"}}");
            assertThat(f.request("push").check()).as("and UTC when the workspace set none")
                    .isEqualTo(deferUntil("2026-11-23T08:00:00Z"));
            f.person(GateFixture.PERSON, "{}", "Australia/Sydney");
            assertThat(f.request("push").check()).as("Sydney, 10:00").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void skipSuppressesWhatDeferWouldDelay(Engine engine) {
        String skip = "{\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":\"skip\"}}";
        try (GateFixture f = inZone(engine, "2026-11-22T23:00:00Z", "UTC", skip)) {
            assertThat(f.request("push").check()).isEqualTo(SKIPPED);
            assertThat(f.request("push").action(QuietHoursAction.DEFER).check()).as("the campaign's choice wins")
                    .isEqualTo(deferUntil("2026-11-23T08:00:00Z"));
            f.policies(NIGHT);
            assertThat(f.request("push").check()).isEqualTo(deferUntil("2026-11-23T08:00:00Z"));
            assertThat(f.request("push").action(QuietHoursAction.SKIP).check()).isEqualTo(SKIPPED);
            assertThat(f.request("push").noQuietHours().check()).as("a campaign not held to quiet hours").isEqualTo(SEND);
            assertThat(f.request("in_app").check()).as("in-app too").isEqualTo(deferUntil("2026-11-23T08:00:00Z"));
            assertThat(f.request("webhook").check()).as("webhooks call systems, not people").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void deferralThatWouldOutliveTheDeliveryIsASuppression(Engine engine) {
        try (GateFixture f = inZone(engine, "2026-11-22T23:00:00Z", "UTC", NIGHT)) {
            assertThat(f.request("push").expiresAt(at("2026-11-23T08:00:00Z")).check()).isEqualTo(SKIPPED);
            assertThat(f.request("push").expiresAt(at("2026-11-23T08:00:01Z")).check())
                    .isEqualTo(deferUntil("2026-11-23T08:00:00Z"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void expiredDeliveriesAreSuppressedOutsideQuietHours(Engine engine) {
        try (GateFixture f = inZone(engine, "2026-11-22T12:00:00Z", "UTC", NIGHT)) {
            assertThat(f.request("push").expiresAt(f.now()).check()).isEqualTo(new Decision.Suppress("expired"));
            assertThat(f.request("push").expiresAt(f.now() + 1).check()).isEqualTo(SEND);
            assertThat(f.request("push").transactional().expiresAt(f.now() - 5).check()).as("transactional too")
                    .isEqualTo(new Decision.Suppress("expired"));
            assertThat(f.request("webhook").expiresAt(f.now() - 5).check()).isEqualTo(new Decision.Suppress("expired"));
        }
    }
}
