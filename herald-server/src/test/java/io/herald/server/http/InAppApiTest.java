package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.OpenWriter;
import io.herald.testing.TestClock;
import io.herald.workspace.Secrets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The in-app Client API over real HTTP: eligible messages, the live stream (messages, withdrawals, resume),
 * events a person's client reports, identity verification, and merges, on both engines.
 */
class InAppApiTest {
    @TempDir
    Path dir;

    private final TestClock clock = TestClock.at("2026-11-22T10:00:00Z");

    private TestHerald start(Engine engine) {
        TestHerald h = TestHerald.start(engine, dir, clock);
        Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"traits\":{\"name\":\"Ada\"}}");
        Api.accepted(h, "/v1/identify", "{\"userId\":\"bob\",\"traits\":{\"name\":\"Bob\"}}");
        Api.accepted(h, "/v1/track", "{\"anonymousId\":\"anon-7\",\"event\":\"landed\"}");
        h.process();
        return h;
    }

    static String modal(String text, String display) {
        return "{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}]"
                + (display == null ? "" : ",\"display\":" + display) + "}";
    }

    /** Queues an in-app delivery of {@code message} to the person with this identity (dispatch sends it). */
    private String queue(TestHerald h, String kind, String value, String message) {
        String id = "d-" + UUID.randomUUID();
        long now = clock.millis();
        h.herald().database().inTransaction(c -> {
            Object[] who = Sql.queryOne(c, "SELECT workspace_id, person_id FROM identities WHERE kind = ? AND value = ?",
                    rs -> new Object[] {rs.getString(1), rs.getString(2)}, kind, value).orElseThrow();
            return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, step, channel, idempotency_key, "
                    + "status, message, context, priority, created_at, updated_at) VALUES (?, ?, ?, 's1', 'in_app', ?, "
                    + "'queued', ?, '{}', 0, ?, ?)", id, who[0], who[1], id, message, now, now);
        });
        return id;
    }

    private String sent(TestHerald h, String kind, String value, String message) {
        String id = queue(h, kind, value, message);
        h.herald().dispatcher().dispatchDue();
        assertThat(status(h, id)).isEqualTo("sent");
        return id;
    }

    static String status(TestHerald h, String id) {
        return h.herald().database().read(c -> Sql.queryOne(c, "SELECT status FROM deliveries WHERE id = ?",
                rs -> rs.getString(1), id)).orElseThrow();
    }

    static String hash(String userId) {
        return Secrets.hmacSha256Hex(TestHerald.IDENTITY_SECRET, userId);
    }

    static String as(String userId) {
        return "?writeKey=" + TestHerald.WRITE_KEY + "&userId=" + userId + "&userHash=" + hash(userId);
    }

    static String asAnonymous(String anonymousId) {
        return "?writeKey=" + TestHerald.WRITE_KEY + "&anonymousId=" + anonymousId;
    }

    static TestHerald.Answer messages(TestHerald h, String query) {
        return Api.request(h, "GET", "/v1/inapp/messages" + query, Map.of(), null);
    }

    static TestHerald.Answer event(TestHerald h, String userId, String json) {
        String identity = "\"userId\":\"" + userId + "\",\"userHash\":\"" + hash(userId) + "\",";
        return Api.request(h, "POST", "/v1/inapp/events", Map.of("Content-Type", Api.JSON,
                "Authorization", TestHerald.basic(TestHerald.WRITE_KEY)), Api.utf8("{" + identity + json.substring(1)));
    }

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eligibleMessagesAreRenderedMostImportantFirstAndExpiredOnesDrop(Engine engine) {
        try (TestHerald h = start(engine)) {
            String low = sent(h, "user", "ada", modal("Low {{ person.name }}", "{\"priority\":10}"));
            clock.advance(Duration.ofSeconds(1));
            String high = sent(h, "user", "ada", modal("High", "{\"priority\":90,\"expiresAfter\":\"PT1H\"}"));
            clock.advance(Duration.ofSeconds(1));
            String plain = sent(h, "user", "ada", modal("Plain", null));
            sent(h, "user", "bob", modal("Bob's", null));

            TestHerald.Answer a = messages(h, as("ada"));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            JsonNode data = a.json().path("data");
            assertThat(data.findValuesAsText("deliveryId")).containsExactly(high, plain, low);
            JsonNode first = data.get(0);
            assertThat(first.path("format").asText()).isEqualTo("modal");
            assertThat(first.path("priority").asInt()).isEqualTo(90);
            assertThat(first.path("expiresAt").asText()).isEqualTo("2026-11-22T11:00:01Z");
            assertThat(first.path("display").path("frequency").asText()).isEqualTo("once");
            assertThat(first.path("display").has("expiresAfter")).isFalse();
            assertThat(data.get(2).path("steps").get(0).path("blocks").get(0).path("text").asText()).isEqualTo("Low Ada");
            assertThat(data.get(2).path("expiresAt").isNull()).isTrue();
            assertThat(a.json().path("styles").path("colors").isObject()).isTrue();
            assertThat(a.json().path("lastEventId").asText()).isNotEmpty();

            clock.advance(Duration.ofHours(1));
            assertThat(messages(h, as("ada")).json().path("data").findValuesAsText("deliveryId")).containsExactly(plain, low);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonWithMoreThanTwoHundredMessagesGetsTheFirstTwoHundredInDisplayOrder(Engine engine) {
        try (TestHerald h = start(engine)) {
            List<String> routine = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                routine.add(queue(h, "user", "ada", modal("Routine " + i, "{\"priority\":10}")));
                clock.advance(Duration.ofMillis(1));
            }
            String urgent = queue(h, "user", "ada", modal("Urgent", "{\"priority\":90}"));
            h.herald().dispatcher().dispatchDue();
            assertThat(status(h, urgent)).isEqualTo("sent");

            // Most important first, then oldest first; the cap keeps the head of that order, so the newest routine
            // message waits for room rather than the urgent one.
            List<String> listed = messages(h, as("ada")).json().path("data").findValuesAsText("deliveryId");
            assertThat(listed).hasSize(200);
            assertThat(listed.get(0)).isEqualTo(urgent);
            assertThat(listed.subList(1, 200)).containsExactlyElementsOf(routine.subList(0, 199));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anAnonymousVisitorSeesOnlyAnonymousMessagesAndANewVisitorAnEmptyList(Engine engine) {
        try (TestHerald h = start(engine)) {
            sent(h, "anon", "anon-7", modal("For members", null));
            String open = sent(h, "anon", "anon-7", "{\"format\":\"banner\",\"anonymous\":true,\"steps\":[{\"blocks\":"
                    + "[{\"type\":\"text\",\"text\":\"Welcome\"}]}]}");
            JsonNode data = messages(h, asAnonymous("anon-7")).json().path("data");
            assertThat(data.findValuesAsText("deliveryId")).containsExactly(open);
            assertThat(data.get(0).path("anonymous").asBoolean()).isTrue();

            TestHerald.Answer stranger = messages(h, asAnonymous("anon-never-seen"));
            assertThat(stranger.status()).as(stranger.body()).isEqualTo(200);
            assertThat(stranger.json().path("data").size()).isZero();
            TestHerald.Answer newUser = messages(h, as("carol"));
            assertThat(newUser.status()).isEqualTo(200);
            assertThat(newUser.json().path("data").size()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void messagesSentBeforeTheirClientTextWasKeptAreListedAndStreamedTheSame(Engine engine) {
        try (TestHerald h = start(engine)) {
            sent(h, "user", "ada", modal("Kept", "{\"priority\":20,\"expiresAfter\":\"PT1H\"}"));
            sent(h, "user", "ada", modal("Also kept", "{\"priority\":70,\"frequency\":\"always\"}"));
            String listed = messages(h, as("ada")).body();
            String streamed;
            try (SseProbe s = SseProbe.open(h, as("ada") + "&lastEventId=0")) {
                s.next(); // styles
                streamed = s.next().data() + s.next().data();
            }
            // As rows written before V13 are: the message text is built from the stored rendering instead.
            h.herald().database().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET inapp_message = NULL, "
                    + "inapp_priority = NULL, inapp_anonymous = NULL"));
            assertThat(messages(h, as("ada")).body()).isEqualTo(listed);
            try (SseProbe s = SseProbe.open(h, as("ada") + "&lastEventId=0")) {
                s.next();
                assertThat(s.next().data() + s.next().data()).isEqualTo(streamed);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aForgedHashIsRefusedAndAnotherPersonsDeliveryIsNotFound(Engine engine) {
        try (TestHerald h = start(engine)) {
            String bobs = sent(h, "user", "bob", modal("Bob's", null));
            String forged = "?writeKey=" + TestHerald.WRITE_KEY + "&userId=bob&userHash=" + hash("ada");
            TestHerald.Answer list = messages(h, forged);
            assertThat(list.status()).isEqualTo(403);
            assertThat(list.errorCode()).isEqualTo("identity_unverified");
            try (SseProbe s = SseProbe.open(h, forged)) {
                assertThat(s.status()).isEqualTo(403);
            }
            TestHerald.Answer bobAsAnonymous = messages(h, "?writeKey=" + TestHerald.WRITE_KEY + "&anonymousId=anon-7");
            assertThat(bobAsAnonymous.status()).isEqualTo(200); // anon-7 is someone else, not bob
            assertThat(bobAsAnonymous.json().path("data").size()).isZero();

            TestHerald.Answer other = event(h, "ada", "{\"deliveryId\":\"" + bobs + "\",\"type\":\"dismissed\"}");
            assertThat(other.status()).isEqualTo(404);
            assertThat(status(h, bobs)).isEqualTo("sent");
            assertThat(messages(h, as("bob")).json().path("data").size()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theStreamGetsACampaignsMessageAsSoonAsItIsDispatched(Engine engine) {
        try (TestHerald h = start(engine)) {
            TestHerald.Answer c = Api.admin(h, "POST", "/api/v1/campaigns", CampaignsApiTest.WELCOME);
            assertThat(c.status()).as(c.body()).isEqualTo(201);
            String campaign = c.json().path("id").asText();
            assertThat(Api.admin(h, "POST", "/api/v1/campaigns/" + campaign + "/activate", null).status()).isEqualTo(200);
            try (SseProbe s = SseProbe.open(h, as("ada"))) {
                SseProbe.Ev styles = s.next();
                assertThat(styles.event()).isEqualTo("styles");
                assertThat(json(styles.data()).path("colors").isObject()).isTrue();
                assertThat(styles.id()).isNotNull();

                TestHerald.Answer t = Api.admin(h, "POST", "/api/v1/campaigns/" + campaign + "/trigger",
                        "{\"userId\":\"ada\",\"data\":{\"plan\":\"pro\"}}");
                assertThat(t.status()).as(t.body()).isLessThan(300);
                h.process();
                h.herald().dispatcher().dispatchDue();

                SseProbe.Ev m = s.next();
                assertThat(m.event()).isEqualTo("message");
                JsonNode msg = json(m.data());
                assertThat(msg.path("campaignId").asText()).isEqualTo(campaign);
                assertThat(msg.path("steps").get(0).path("blocks").get(0).path("text").asText()).isEqualTo("Hi pro");
                assertThat(Long.parseLong(m.id())).isGreaterThan(Long.parseLong(styles.id()));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aVisitorWhoConnectsBeforeTheirFirstEventIsProcessedStillGetsTheirMessages(Engine engine) {
        try (TestHerald h = start(engine); SseProbe s = SseProbe.open(h, asAnonymous("anon-new"))) {
            SseProbe.Ev styles = s.next();
            assertThat(styles.event()).isEqualTo("styles");
            assertThat(styles.id()).isEqualTo("0");
            Api.accepted(h, "/v1/track", "{\"anonymousId\":\"anon-new\",\"event\":\"landed\"}");
            h.process();
            String members = sent(h, "anon", "anon-new", modal("Members only", null));
            String open = sent(h, "anon", "anon-new", "{\"format\":\"banner\",\"anonymous\":true,\"steps\":"
                    + "[{\"blocks\":[{\"type\":\"text\",\"text\":\"Hello stranger\"}]}]}");
            SseProbe.Ev m = s.next();
            assertThat(m.event()).isEqualTo("message");
            assertThat(m.data()).contains(open).doesNotContain(members);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void recalledAndExpiredMessagesAreWithdrawnFromOpenStreams(Engine engine) throws Exception {
        try (TestHerald h = start(engine); SseProbe s = SseProbe.open(h, as("ada"))) {
            assertThat(s.next().event()).isEqualTo("styles");
            String recalled = sent(h, "user", "ada", modal("Recall me", null));
            String expiring = sent(h, "user", "ada", modal("Soon gone", "{\"expiresAfter\":\"PT10M\"}"));
            assertThat(s.next().data()).contains(recalled);
            assertThat(s.next().data()).contains(expiring);

            TestHerald.Answer r = Api.admin(h, "POST", "/api/v1/deliveries/" + recalled + "/recall", null);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().path("status").asText()).isEqualTo("recalled");
            SseProbe.Ev w = s.next();
            assertThat(w.event()).isEqualTo("withdraw");
            assertThat(json(w.data()).path("deliveryId").asText()).isEqualTo(recalled);
            assertThat(status(h, recalled)).isEqualTo("recalled");

            // Not yet; and a sweep with nothing to withdraw does not queue behind a long writer.
            assertThat(OpenWriter.whileOpen(h.herald().database(), h.herald().inAppFeed()::withdrawExpired)).isZero();
            clock.advance(Duration.ofMinutes(10));
            assertThat(h.herald().inAppFeed().withdrawExpired()).isEqualTo(1);
            SseProbe.Ev e = s.next();
            assertThat(e.event()).isEqualTo("withdraw");
            assertThat(json(e.data()).path("deliveryId").asText()).isEqualTo(expiring);
            assertThat(messages(h, as("ada")).json().path("data").size()).isZero();
            // A recall of what is not in-app is refused.
            String sms = PushEventsApiTest.sentDelivery(h, "user", "ada", "sms");
            assertThat(Api.admin(h, "POST", "/api/v1/deliveries/" + sms + "/recall", null).status()).isEqualTo(409);
            assertThat(Api.admin(h, "POST", "/api/v1/deliveries/d-nope/recall", null).status()).isEqualTo(404);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aOnceOnlyMessageShownOnOnePageIsWithdrawnFromThePersonsOtherPages(Engine engine) {
        try (TestHerald h = start(engine);
             SseProbe here = SseProbe.open(h, as("ada") + "&sessionId=tab-1");
             SseProbe there = SseProbe.open(h, as("ada") + "&sessionId=tab-2")) {
            assertThat(here.next().event()).isEqualTo("styles");
            assertThat(there.next().event()).isEqualTo("styles");
            String once = sent(h, "user", "ada", modal("Once", null));
            String always = sent(h, "user", "ada", modal("Always", "{\"frequency\":\"always\"}"));
            for (SseProbe s : new SseProbe[] {here, there}) {
                assertThat(s.next().data()).contains(once);
                assertThat(s.next().data()).contains(always);
            }
            assertThat(event(h, "ada", "{\"deliveryId\":\"" + always + "\",\"type\":\"shown\",\"sessionId\":\"tab-1\"}")
                    .status()).isEqualTo(200);
            TestHerald.Answer shown = event(h, "ada", "{\"deliveryId\":\"" + once + "\",\"type\":\"shown\","
                    + "\"sessionId\":\"tab-1\"}");
            assertThat(shown.status()).as(shown.body()).isEqualTo(200);

            SseProbe.Ev w = there.next();
            assertThat(w.event()).isEqualTo("withdraw");
            assertThat(json(w.data()).path("deliveryId").asText()).isEqualTo(once);
            // The page that showed it is not told; the next thing it hears is the next message.
            String next = sent(h, "user", "ada", modal("Next", null));
            SseProbe.Ev after = here.next();
            assertThat(after.event()).isEqualTo("message");
            assertThat(after.data()).contains(next);
            assertThat(messages(h, as("ada")).json().path("data").findValuesAsText("deliveryId"))
                    .containsExactlyInAnyOrder(always, next);
            assertThat(status(h, once)).isEqualTo("shown");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPageThatReconnectsWithItsLastEventIdMissesNothing(Engine engine) {
        try (TestHerald h = start(engine)) {
            String lastSeen;
            try (SseProbe s = SseProbe.open(h, as("ada"))) {
                lastSeen = s.next().id();
            }
            String first = sent(h, "user", "ada", modal("While away 1", null));
            String second = sent(h, "user", "ada", modal("While away 2", null));
            String firstId;
            try (SseProbe s = new SseProbe(h, as("ada"), Map.of("Last-Event-ID", lastSeen))) {
                assertThat(s.next().event()).isEqualTo("styles");
                SseProbe.Ev a = s.next();
                assertThat(a.data()).contains(first);
                firstId = a.id();
                assertThat(s.next().data()).contains(second);
            }
            try (SseProbe s = SseProbe.open(h, as("ada") + "&lastEventId=" + firstId)) {
                assertThat(s.next().event()).isEqualTo("styles");
                assertThat(s.next().data()).contains(second);
                assertThat(s.poll(Duration.ofMillis(300))).isNull();
            }
            // The list's lastEventId is where a stream opened after it resumes.
            String listed = messages(h, as("ada")).json().path("lastEventId").asText();
            String third = sent(h, "user", "ada", modal("After the list", null));
            try (SseProbe s = SseProbe.open(h, as("ada") + "&lastEventId=" + listed)) {
                assertThat(s.next().event()).isEqualTo("styles");
                assertThat(s.next().data()).contains(third);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void heartbeatsKeepAnIdleStreamAlive(Engine engine) {
        try (TestHerald h = start(engine)) {
            h.herald().inAppFeed().heartbeatEvery(Duration.ofMillis(100));
            try (SseProbe s = SseProbe.open(h, as("ada"))) {
                assertThat(s.next().event()).isEqualTo("styles");
                String hb = s.comments.poll(5, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(hb).isEqualTo("hb");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eventsMoveTheStatusAreThePersonsEventsAndAnswersSetAttributes(Engine engine) {
        try (TestHerald h = start(engine)) {
            String form = "{\"format\":\"modal\",\"steps\":[{\"blocks\":[{\"type\":\"text\",\"text\":\"Hi\"},"
                    + "{\"type\":\"button\",\"id\":\"go\",\"label\":\"Go\",\"action\":\"next\"}]},"
                    + "{\"blocks\":[{\"type\":\"input\",\"id\":\"mail\",\"inputType\":\"email\",\"label\":\"Work email\"},"
                    + "{\"type\":\"button\",\"id\":\"send\",\"label\":\"Send\",\"action\":\"submit\"}]}],"
                    + "\"display\":{\"frequency\":\"always\"},\"setAttributes\":{\"work_email\":\"mail\"}}";
            String id = sent(h, "user", "ada", form);
            assertThat(event(h, "ada", "{\"deliveryId\":\"" + id + "\",\"type\":\"shown\"}").status()).isEqualTo(200);
            assertThat(status(h, id)).isEqualTo("shown");
            assertThat(event(h, "ada", "{\"deliveryId\":\"" + id + "\",\"type\":\"clicked\",\"buttonId\":\"go\","
                    + "\"step\":1}").status()).isEqualTo(200);
            assertThat(event(h, "ada", "{\"deliveryId\":\"" + id + "\",\"type\":\"step\",\"step\":2}").status())
                    .isEqualTo(200);
            assertThat(status(h, id)).isEqualTo("clicked");
            TestHerald.Answer sub = event(h, "ada", "{\"deliveryId\":\"" + id + "\",\"type\":\"submitted\","
                    + "\"step\":2,\"answers\":{\"mail\":\"ada@work.example\"}}");
            assertThat(sub.status()).as(sub.body()).isEqualTo(200);
            assertThat(status(h, id)).isEqualTo("submitted");
            h.process();

            var events = Api.events(h, "ada");
            assertThat(events.toString()).contains("message.shown", "message.clicked", "message.step", "message.submitted");
            JsonNode submitted = events.stream().filter(e -> e.toString().contains("message.submitted")).findFirst()
                    .orElseThrow();
            assertThat(submitted.toString()).contains("\"answers\":{\"mail\":\"ada@work.example\"}");
            JsonNode clicked = events.stream().filter(e -> e.toString().contains("message.clicked")).findFirst()
                    .orElseThrow();
            assertThat(clicked.toString()).contains("\"buttonId\":\"go\"").contains("\"messageStep\":1");
            assertThat(Api.person(h, "ada").path("attributes").path("work_email").asText()).isEqualTo("ada@work.example");
            // Submitted: it leaves the person's eligible set.
            assertThat(messages(h, as("ada")).json().path("data").size()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anAnonymousVisitorsInAppStateMovesToThemOnIdentify(Engine engine) {
        try (TestHerald h = start(engine)) {
            String id = sent(h, "anon", "anon-7", "{\"format\":\"banner\",\"anonymous\":true,\"steps\":[{\"blocks\":"
                    + "[{\"type\":\"text\",\"text\":\"Welcome\"}]}]}");
            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"anonymousId\":\"anon-7\",\"traits\":{}}");
            h.process();

            assertThat(messages(h, as("ada")).json().path("data").findValuesAsText("deliveryId")).containsExactly(id);
            TestHerald.Answer anon = messages(h, asAnonymous("anon-7"));
            assertThat(anon.status()).isEqualTo(403);
            String adaPerson = h.herald().database().read(c -> Sql.queryOne(c, "SELECT person_id FROM identities "
                    + "WHERE kind = 'user' AND value = 'ada'", rs -> rs.getString(1))).orElseThrow();
            java.util.List<String> feedOwners = h.herald().database().read(c -> Sql.query(c, "SELECT DISTINCT person_id "
                    + "FROM inapp_feed WHERE delivery_id = ?", rs -> rs.getString(1), id));
            assertThat(feedOwners).containsExactly(adaPerson);
            // Ada's stream from the beginning replays it.
            try (SseProbe s = SseProbe.open(h, as("ada") + "&lastEventId=0")) {
                assertThat(s.next().event()).isEqualTo("styles");
                assertThat(s.next().data()).contains(id);
            }
            assertThat(event(h, "ada", "{\"deliveryId\":\"" + id + "\",\"type\":\"dismissed\"}").status()).isEqualTo(200);
            assertThat(messages(h, as("ada")).json().path("data").size()).isZero();
            // Erasure takes the feed with everything else.
            assertThat(Api.adminDelete(h, "/api/v1/people/ada").status()).isLessThan(300);
            int left = h.herald().database().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM inapp_feed WHERE person_id = ?",
                    rs -> rs.getInt(1), adaPerson)).orElseThrow();
            assertThat(left).isZero();
        }
    }

    // A list answered once is kept in memory on SQLite (inapp.ListingMemory): each test below asks for a list, changes
    // what it holds in one way, and asks again.

    private static List<String> listed(TestHerald h, String query) {
        return messages(h, query).json().path("data").findValuesAsText("deliveryId");
    }

    private static String lastEventId(TestHerald h, String query) {
        return messages(h, query).json().path("lastEventId").asText();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aListAnsweredBeforeAMessageWentOutHasItOnTheNextPageView(Engine engine) {
        try (TestHerald h = start(engine)) {
            String first = sent(h, "user", "ada", modal("First", null));
            assertThat(listed(h, as("ada"))).containsExactly(first);
            String before = lastEventId(h, as("ada"));

            clock.advance(Duration.ofSeconds(1));
            String second = sent(h, "user", "ada", modal("Second", "{\"priority\":90}"));
            assertThat(listed(h, as("ada"))).containsExactly(second, first);
            assertThat(Long.parseLong(lastEventId(h, as("ada")))).isGreaterThan(Long.parseLong(before));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDismissedOrRecalledMessageLeavesAListAlreadyAnswered(Engine engine) {
        try (TestHerald h = start(engine)) {
            String dismissed = sent(h, "user", "ada", modal("Dismiss me", "{\"frequency\":\"always\"}"));
            clock.advance(Duration.ofSeconds(1));
            String recalled = sent(h, "user", "ada", modal("Recall me", "{\"frequency\":\"always\"}"));
            clock.advance(Duration.ofSeconds(1));
            String kept = sent(h, "user", "ada", modal("Keep me", "{\"frequency\":\"always\"}"));
            assertThat(listed(h, as("ada"))).containsExactly(dismissed, recalled, kept);

            // Dismissing retires the delivery without a feed entry: only the delivery's row changes.
            assertThat(event(h, "ada", "{\"deliveryId\":\"" + dismissed + "\",\"type\":\"dismissed\"}").status())
                    .isEqualTo(200);
            assertThat(listed(h, as("ada"))).containsExactly(recalled, kept);
            String before = lastEventId(h, as("ada"));
            assertThat(Api.admin(h, "POST", "/api/v1/deliveries/" + recalled + "/recall", null).status()).isEqualTo(200);
            assertThat(listed(h, as("ada"))).containsExactly(kept);
            assertThat(Long.parseLong(lastEventId(h, as("ada")))).isGreaterThan(Long.parseLong(before));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aKeptListDropsAMessageTheMomentItExpires(Engine engine) {
        try (TestHerald h = start(engine)) {
            String lasting = sent(h, "user", "ada", modal("Lasting", null));
            String brief = sent(h, "user", "ada", modal("Brief", "{\"priority\":90,\"expiresAfter\":\"PT10M\"}"));
            assertThat(listed(h, as("ada"))).containsExactly(brief, lasting);

            clock.advance(Duration.ofMinutes(10).minusMillis(1));
            assertThat(listed(h, as("ada"))).containsExactly(brief, lasting);
            clock.advance(Duration.ofMillis(1));
            assertThat(listed(h, as("ada"))).containsExactly(lasting);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aChangeWrittenStraightToTheStoreIsSeenByTheNextPageView(Engine engine) {
        try (TestHerald h = start(engine)) {
            String id = sent(h, "user", "ada", modal("Before", null));
            assertThat(messages(h, as("ada")).body()).contains("Before");

            // As another process or an operator's SQL would: nothing tells the server.
            h.herald().database().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET inapp_message = "
                    + "REPLACE(inapp_message, 'Before', 'After') WHERE id = ?", id));
            assertThat(messages(h, as("ada")).body()).contains("After").doesNotContain("Before");
            h.herald().database().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET status = 'failed' WHERE id = ?",
                    id));
            assertThat(listed(h, as("ada"))).isEmpty();
            h.herald().database().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET status = 'delivered' "
                    + "WHERE id = ?", id));
            assertThat(listed(h, as("ada"))).containsExactly(id);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void listsAnsweredBeforeAMergeFollowTheVisitorToTheKnownPerson(Engine engine) {
        try (TestHerald h = start(engine)) {
            String welcome = sent(h, "anon", "anon-7", "{\"format\":\"banner\",\"anonymous\":true,\"steps\":[{\"blocks\":"
                    + "[{\"type\":\"text\",\"text\":\"Welcome\"}]}]}");
            String adas = sent(h, "user", "ada", modal("Ada's", null));
            assertThat(listed(h, asAnonymous("anon-7"))).containsExactly(welcome);
            assertThat(listed(h, as("ada"))).containsExactly(adas);

            Api.accepted(h, "/v1/identify", "{\"userId\":\"ada\",\"anonymousId\":\"anon-7\",\"traits\":{}}");
            h.process();
            assertThat(listed(h, as("ada"))).containsExactlyInAnyOrder(welcome, adas);
            assertThat(messages(h, asAnonymous("anon-7")).status()).isEqualTo(403);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anErasedPersonsListIsGoneWithThem(Engine engine) {
        try (TestHerald h = start(engine)) {
            sent(h, "user", "ada", modal("Private", null));
            assertThat(listed(h, as("ada"))).hasSize(1);

            assertThat(Api.adminDelete(h, "/api/v1/people/ada").status()).isLessThan(300);
            TestHerald.Answer a = messages(h, as("ada"));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.json().path("data").size()).isZero();
            assertThat(a.body()).doesNotContain("Private");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aVisitorsEmptyListIsRefusedOnceTheirIdIsLinkedToAKnownPerson(Engine engine) {
        try (TestHerald h = start(engine)) {
            // Neither person has ever had an in-app message: their list versions are alike, only the person differs.
            assertThat(messages(h, asAnonymous("anon-7")).status()).isEqualTo(200);
            Api.accepted(h, "/v1/alias", "{\"userId\":\"ada\",\"previousId\":\"anon-7\"}");
            h.process();
            assertThat(messages(h, asAnonymous("anon-7")).status()).isEqualTo(403);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aVisitorsKeptListIsRefusedOnceTheyIdentifyAsSomeoneNew(Engine engine) {
        try (TestHerald h = start(engine)) {
            Api.accepted(h, "/v1/track", "{\"anonymousId\":\"anon-9\",\"event\":\"landed\"}");
            h.process();
            assertThat(messages(h, asAnonymous("anon-9")).status()).isEqualTo(200);

            // Carol is new: the visitor's own person gets her userId, no merge.
            Api.accepted(h, "/v1/identify", "{\"userId\":\"carol\",\"anonymousId\":\"anon-9\",\"traits\":{}}");
            h.process();
            assertThat(messages(h, asAnonymous("anon-9")).status()).isEqualTo(403);
            assertThat(messages(h, as("carol")).status()).isEqualTo(200);
        }
    }
}
