package io.herald.campaign;

import static io.herald.campaign.CampaignScenarioTest.WS;
import static io.herald.campaign.CampaignScenarioTest.json;
import static io.herald.campaign.CampaignScenarioTest.sent;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What activating a campaign schedules for people who already exist: date triggers and broadcasts. */
class CampaignLaunchTest {
    @TempDir
    Path dir;

    private static final String BIRTHDAY = """
            {"name":"birthday","trigger":{"date":{"attribute":"birthday","at":"09:00","annual":true}},
             "entry":{"reentry":"always"},"start":"m",
             "steps":{"m":{"type":"message","channel":"push","message":{"title":"Happy birthday"},"next":"x"},
                      "x":{"type":"exit"}}}""";

    private static String broadcast(String segmentId, String options) {
        return "{\"name\":\"launch news\",\"trigger\":{\"broadcast\":{\"segment\":\"" + segmentId + "\"" + options + "}},"
                + "\"start\":\"m\",\"steps\":{\"m\":{\"type\":\"message\",\"channel\":\"in_app\","
                + "\"message\":{\"title\":\"We launched\"},\"next\":\"x\"},\"x\":{\"type\":\"exit\"}}}";
    }

    private static void identify(Pipeline p, String userId, String traits, String timezone) {
        p.send(CallKind.IDENTIFY, "{\"userId\":\"" + userId + "\",\"traits\":" + traits + ",\"timestamp\":\""
                + p.clock().instant() + "\"" + (timezone == null ? "" : ",\"context\":{\"timezone\":\"" + timezone + "\"}")
                + "}");
    }

    /** Three people in three zones: Tokyo by attribute, Lisbon by the profile's context timezone, New York by attribute. */
    private static void threeZones(Pipeline p, String traits) {
        identify(p, "tokyo", traits.replace("}", ",\"timezone\":\"Asia/Tokyo\"}"), null);
        identify(p, "lisbon", traits, "Europe/Lisbon");
        identify(p, "nyc", traits.replace("}", ",\"timezone\":\"America/New_York\"}"), null);
        p.settle();
    }

    private static String create(Pipeline p, String campaign) {
        return p.campaigns().create(WS, json(campaign)).id();
    }

    private static List<Long> dueTimes(Pipeline p, String kind) {
        return p.store().db().read(c -> Sql.query(c, "SELECT due_at FROM timers WHERE kind = ? ORDER BY due_at",
                rs -> rs.getLong(1), kind));
    }

    private static List<Campaigns.RunView> runs(Pipeline p, String campaignId) {
        return p.campaigns().runs(WS, campaignId, null, 1000, null).data();
    }

    private static void at(Pipeline p, String instant) {
        p.clock().set(Instant.parse(instant));
        p.settle();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void peopleWhoAlreadyHaveABirthdayGetTheMessageAtNineLocalTimeOnceTheCampaignIsActivated(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            threeZones(p, "{\"birthday\":\"1990-11-22\"}");
            identify(p, "no-birthday", "{\"plan\":\"free\"}", null);
            p.settle();
            String id = create(p, BIRTHDAY);
            p.campaigns().activate(WS, id);
            p.settle();
            assertThat(dueTimes(p, CampaignStage.DATE_TRIGGER)).containsExactly(
                    Instant.parse("2026-11-22T00:00:00Z").toEpochMilli(),
                    Instant.parse("2026-11-22T09:00:00Z").toEpochMilli(),
                    Instant.parse("2026-11-22T14:00:00Z").toEpochMilli());
            assertThat(p.campaigns().launches().find(id, Launches.DATE).orElseThrow().scheduled()).isEqualTo(3);

            at(p, "2026-11-21T23:59:59Z");
            assertThat(sent(p, "tokyo")).isEmpty();
            at(p, "2026-11-22T00:00:00Z"); // 09:00 in Tokyo
            assertThat(sent(p, "tokyo")).containsExactly("push:m");
            assertThat(sent(p, "lisbon")).isEmpty();
            at(p, "2026-11-22T09:00:00Z"); // 09:00 in Lisbon
            assertThat(sent(p, "lisbon")).containsExactly("push:m");
            assertThat(sent(p, "nyc")).isEmpty();
            at(p, "2026-11-22T14:00:00Z"); // 09:00 in New York
            assertThat(sent(p, "nyc")).containsExactly("push:m");
            assertThat(sent(p, "no-birthday")).isEmpty();
            // each is scheduled for next year, once
            assertThat(dueTimes(p, CampaignStage.DATE_TRIGGER)).containsExactly(
                    Instant.parse("2027-11-22T00:00:00Z").toEpochMilli(),
                    Instant.parse("2027-11-22T09:00:00Z").toEpochMilli(),
                    Instant.parse("2027-11-22T14:00:00Z").toEpochMilli());
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void activatingADateCampaignAgainNeverSchedulesAPersonTwice(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            threeZones(p, "{\"birthday\":\"1990-11-22\"}");
            String id = create(p, BIRTHDAY);
            p.campaigns().activate(WS, id);
            p.settle();
            p.campaigns().pause(WS, id);
            identify(p, "late", "{\"birthday\":\"2001-11-22\"}", null); // while paused: no live timer
            p.settle();
            p.campaigns().activate(WS, id);
            p.settle();
            // a date change after activation replaces the person's timer too
            identify(p, "tokyo", "{\"birthday\":\"1990-11-23\"}", null);
            identify(p, "tokyo", "{\"birthday\":\"1990-11-22\"}", null);
            p.settle();
            assertThat(dueTimes(p, CampaignStage.DATE_TRIGGER)).hasSize(4);
            at(p, "2026-11-23T00:00:00Z");
            for (String user : List.of("tokyo", "lisbon", "nyc", "late")) {
                assertThat(sent(p, user)).as(user).containsExactly("push:m");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aLaunchInterruptedByARestartCarriesOnFromThePersonItReached(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-20T00:00:00Z"))) {
            threeZones(p, "{\"birthday\":\"1990-11-22\"}");
            String id = create(p, BIRTHDAY);
            p.campaigns().activate(WS, id); // recorded; not yet run
            List<String> people = p.store().db().read(c -> Sql.query(c, "SELECT id FROM persons ORDER BY id",
                    rs -> rs.getString(1)));
            // as the store is after a crash that followed the chunk which reached the second person
            p.store().db().inTransaction(c -> Sql.update(c, "UPDATE campaign_launches SET after_person = ?, scheduled = 2 "
                    + "WHERE campaign_id = ?", people.get(1), id));
            p.settle();
            List<String> scheduled = p.store().db().read(c -> Sql.query(c, "SELECT person_id FROM timers WHERE kind = ?",
                    rs -> rs.getString(1), CampaignStage.DATE_TRIGGER));
            assertThat(scheduled).containsExactly(people.get(2));
            Launches.Launch launch = p.campaigns().launches().find(id, Launches.DATE).orElseThrow();
            assertThat(launch.status()).isEqualTo(Launches.DONE);
            assertThat(launch.scheduled()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aLocalTimeBroadcastEntersEachMemberAtThatTimeOfDayInTheirOwnZone(Engine engine) {
        // 02:00 UTC: 09:00 has passed in Tokyo (11:00 there), not in Lisbon or New York.
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T02:00:00Z"))) {
            threeZones(p, "{\"plan\":\"pro\"}");
            identify(p, "free", "{\"plan\":\"free\",\"timezone\":\"Europe/Lisbon\"}", null);
            p.settle();
            String pro = p.segments().create(WS, json("{\"name\":\"pro\",\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\","
                    + "\"value\":\"pro\"}}")).id();
            p.settle();
            String id = create(p, broadcast(pro, ",\"at\":\"2026-11-22T09:00:00Z\",\"localTime\":true"));
            p.campaigns().activate(WS, id);
            p.settle();
            assertThat(runs(p, id)).isEmpty();
            assertThat(dueTimes(p, CampaignStage.BROADCAST)).containsExactly(
                    Instant.parse("2026-11-22T09:00:00Z").toEpochMilli(),
                    Instant.parse("2026-11-22T14:00:00Z").toEpochMilli(),
                    Instant.parse("2026-11-23T00:00:00Z").toEpochMilli()); // Tokyo's 09:00 had passed: the next day's

            at(p, "2026-11-22T09:00:00Z");
            assertThat(entered(p, id)).containsOnlyKeys("lisbon").containsEntry("lisbon", "2026-11-22T09:00:00Z");
            at(p, "2026-11-22T14:00:00Z");
            assertThat(entered(p, id)).containsEntry("nyc", "2026-11-22T14:00:00Z").hasSize(2);
            at(p, "2026-11-23T00:00:00Z");
            assertThat(entered(p, id)).containsEntry("tokyo", "2026-11-23T00:00:00Z").hasSize(3);
            assertThat(sent(p, "tokyo")).containsExactly("in_app:m");
            assertThat(sent(p, "free")).isEmpty();
        }
    }

    /** userId → when they entered the campaign. */
    private static Map<String, String> entered(Pipeline p, String campaignId) {
        Map<String, String> out = new TreeMap<>();
        for (Campaigns.RunView r : runs(p, campaignId)) out.put(r.userId(), Instant.ofEpochMilli(r.enteredAt()).toString());
        return out;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aBroadcastsRateLimitSpreadsEntriesSoNoSecondHasMoreThanPerSecond(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            for (int i = 0; i < 10; i++) identify(p, "u" + i, "{\"plan\":\"pro\"}", null);
            p.settle();
            String pro = p.segments().create(WS, json("{\"name\":\"pro\",\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\","
                    + "\"value\":\"pro\"}}")).id();
            p.settle();
            String id = create(p, broadcast(pro, ",\"perSecond\":4"));
            p.campaigns().activate(WS, id);
            p.settle();
            long t0 = Instant.parse("2026-11-22T10:00:00Z").toEpochMilli();
            List<Long> expected = new ArrayList<>();
            for (int i = 1; i < 10; i++) expected.add(t0 + i * 250L); // the first enters at once
            assertThat(dueTimes(p, CampaignStage.BROADCAST)).containsExactlyElementsOf(expected);
            assertThat(runs(p, id)).hasSize(1);

            for (int second = 1; second <= 3; second++) {
                at(p, Instant.ofEpochMilli(t0 + second * 1000L - 1).toString());
                assertThat(runs(p, id)).as("entered by second " + second).hasSize(Math.min(10, 4 * second));
            }
        }
    }

    @Test
    void slotsWhoseSpreadWouldOverlapFollowOneAnother() {
        // perSecond 1: a slot of 3 at t=10s takes 10s, 11s, 12s; a slot of 2 at t=11s starts after it, at 13s.
        var counts = EventCodec.mapper().createObjectNode();
        counts.putObject("counts").put("10000", 3).put("11000", 2).put("60000", 1);
        Launches.RateLine line = new Launches.RateLine(Launches.RateLine.fromCounts(counts, 1), 1);
        List<Long> due = new ArrayList<>();
        for (long m : new long[] {11000, 10000, 11000, 10000, 10000, 60000, 11000, 10000}) due.add(line.place(m));
        // the last two were not counted (they joined between the passes): they go after every slot
        assertThat(due).containsExactly(13000L, 10000L, 14000L, 11000L, 12000L, 60000L, 61000L, 62000L);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aBroadcastIsSentOnceAPausedOneHoldsItsPeopleAndResumingDoesNotSendItAgain(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            for (String u : List.of("a", "b", "c")) identify(p, u, "{\"plan\":\"pro\"}", null);
            p.settle();
            String pro = p.segments().create(WS, json("{\"name\":\"pro\",\"condition\":{\"attribute\":\"plan\",\"op\":\"eq\","
                    + "\"value\":\"pro\"}}")).id();
            p.settle();
            String id = create(p, broadcast(pro, ",\"at\":\"2026-11-22T12:00:00Z\""));
            p.campaigns().activate(WS, id);
            p.settle();
            identify(p, "c", "{\"plan\":\"free\"}", null); // leaves the segment before the broadcast
            p.settle();
            p.campaigns().pause(WS, id);
            at(p, "2026-11-22T12:00:01Z");
            assertThat(runs(p, id)).extracting(Campaigns.RunView::status).containsExactly("held", "held");
            assertThat(sent(p, "a")).isEmpty();

            p.campaigns().activate(WS, id);
            p.settle();
            assertThat(sent(p, "a")).containsExactly("in_app:m");
            assertThat(sent(p, "b")).containsExactly("in_app:m");
            assertThat(sent(p, "c")).isEmpty();
            assertThat(dueTimes(p, CampaignStage.BROADCAST)).as("not scheduled again").isEmpty();

            p.campaigns().pause(WS, id);
            p.campaigns().activate(WS, id);
            at(p, "2026-11-23T12:00:00Z");
            assertThat(runs(p, id)).hasSize(2);
            assertThat(sent(p, "a")).hasSize(1);
            assertThat(p.campaigns().launches().find(id, Launches.BROADCAST).orElseThrow().scheduled()).isEqualTo(3);
        }
    }
}
