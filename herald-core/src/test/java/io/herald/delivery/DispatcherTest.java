package io.herald.delivery;

import static io.herald.delivery.Outbox.WS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.policy.Settings;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.OpenWriter;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The delivery pipeline from the outbox to a recorded status, on both engines, with a test clock. */
class DispatcherTest {
    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    private Dispatcher dispatcher(Pipeline p, Channel... channels) {
        return dispatcher(p, DispatchOptions.defaults().withMaxAttempts(3), channels);
    }

    private Dispatcher dispatcher(Pipeline p, DispatchOptions options, Channel... channels) {
        return new Dispatcher(p.store().db(), p.log(), Channels.of(channels), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), meters, options);
    }

    private static void identify(Pipeline p, String userId) {
        p.send(CallKind.IDENTIFY, "{\"userId\":\"" + userId + "\",\"traits\":{\"name\":\"Ada\"},\"timestamp\":\""
                + p.clock().instant() + "\"}");
        p.settle();
    }

    private static long now(Pipeline p) {
        return p.clock().millis();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aCampaignsInAppMessageIsSentAndASegmentOnItsSentMessageBecomesTrue(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String campaign = p.campaigns().create(WS, json("""
                    {"name":"welcome","trigger":{"event":"signed_up"},"start":"s1",
                     "steps":{"s1":{"type":"message","channel":"in_app","message":{"format":"banner","steps":[{"blocks":[{"type":"text","text":"Hi {{ person.userId }}, on {{ event.plan }}"}]}]},"next":"done"},
                              "done":{"type":"exit"}}}""")).id();
            p.campaigns().activate(WS, campaign);
            String segment = p.segments().create(WS, json("{\"name\":\"welcomed\",\"condition\":{\"message\":\""
                    + campaign + "\",\"status\":\"sent\"}}")).id();
            p.send(CallKind.TRACK, "{\"userId\":\"ada\",\"event\":\"signed_up\",\"properties\":{\"plan\":\"pro\"},"
                    + "\"timestamp\":\"" + p.clock().instant() + "\"}");
            p.settle();
            assertThat(p.segments().count(WS, segment)).isZero();

            assertThat(dispatcher(p, new InAppChannel()).dispatchDue()).isEqualTo(1);
            p.settle();

            String id = p.store().db().read(c -> Sql.queryOne(c, "SELECT id FROM deliveries", rs -> rs.getString(1))).orElseThrow();
            var row = Outbox.row(p.store().db(), id);
            assertThat(row.get("status")).isEqualTo("sent");
            assertThat(row.get("provider_id")).isEqualTo(id);
            assertThat(row.get("sent_at")).isEqualTo(now(p));
            // The trigger event's properties read as event.<property>, as in a preview.
            assertThat(json((String) row.get("rendered")).path("steps").path(0).path("blocks").path(0).path("text").asText())
                    .isEqualTo("Hi ada, on pro");
            assertThat(row.get("lease_owner")).isNull();
            List<JsonNode> told = Outbox.events(p.store().db(), "ada", "message.");
            assertThat(told).hasSize(1);
            assertThat(told.get(0).path("event").asText()).isEqualTo("message.sent");
            assertThat(told.get(0).path("properties").path("campaignId").asText()).isEqualTo(campaign);
            assertThat(told.get(0).path("properties").path("deliveryId").asText()).isEqualTo(id);
            assertThat(told.get(0).path("properties").path("step").asText()).isEqualTo("s1");
            assertThat(told.get(0).path("properties").path("channel").asText()).isEqualTo("in_app");
            assertThat(p.segments().count(WS, segment)).isEqualTo(1);
            assertThat(meters.counter("herald.deliveries", "channel", "in_app", "status", "sent").count()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDeliveryOnAChannelWithoutAProviderFailsWithNoProvider(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            String id = Outbox.queue(p.store().db(), "ada", "push", "{\"title\":\"Hi\",\"body\":\"there\"}", now(p));
            dispatcher(p, new InAppChannel()).dispatchDue();
            p.settle();
            var row = Outbox.row(p.store().db(), id);
            assertThat(row.get("status")).isEqualTo("failed");
            assertThat(row.get("reason")).isEqualTo("no_provider");
            assertThat(row.get("sent_at")).isNull();
            assertThat(Outbox.events(p.store().db(), "ada", "message.")).extracting(e -> e.path("event").asText())
                    .containsExactly("message.failed");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aQueuedDeliveryOfACampaignArchivedSinceIsSuppressed(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String campaign = p.campaigns().create(WS, json("""
                    {"name":"welcome","trigger":{"event":"signed_up"},"start":"s1",
                     "steps":{"s1":{"type":"message","channel":"in_app","message":{"format":"banner","steps":[{"blocks":[{"type":"text","text":"Hi"}]}]},"next":"done"},
                              "done":{"type":"exit"}}}""")).id();
            p.campaigns().activate(WS, campaign);
            p.send(CallKind.TRACK, "{\"userId\":\"ada\",\"event\":\"signed_up\",\"timestamp\":\"" + p.clock().instant() + "\"}");
            p.settle();
            p.campaigns().archive(WS, campaign);
            ScriptedChannel inApp = new ScriptedChannel("in_app");
            dispatcher(p, inApp).dispatchDue();
            String id = p.store().db().read(c -> Sql.queryOne(c, "SELECT id FROM deliveries", rs -> rs.getString(1))).orElseThrow();
            assertThat(Outbox.row(p.store().db(), id)).containsEntry("status", "suppressed").containsEntry("reason", "campaign_archived");
            assertThat(inApp.received).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTransientFailureIsRetriedNoSoonerThanRetryAfterAndThenSent(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            String id = Outbox.queue(p.store().db(), "ada", "webhook", "{\"url\":\"https://example.com/h\"}", now(p));
            ScriptedChannel hook = new ScriptedChannel("webhook", new Outcome.Retry("http_429", Duration.ofMinutes(2)));
            Dispatcher d = dispatcher(p, hook);
            d.dispatchDue();
            var row = Outbox.row(p.store().db(), id);
            assertThat(row).containsEntry("status", "retrying").containsEntry("reason", "http_429").containsEntry("attempts", 1L);
            assertThat((Long) row.get("next_attempt_at")).isGreaterThanOrEqualTo(now(p) + 120_000);
            assertThat(row.get("sent_at")).isNull();

            p.clock().advance(Duration.ofSeconds(119));
            assertThat(d.dispatchDue()).isZero();
            p.clock().set(java.time.Instant.ofEpochMilli((Long) row.get("next_attempt_at")));
            assertThat(d.dispatchDue()).isEqualTo(1);
            assertThat(Outbox.row(p.store().db(), id)).containsEntry("status", "sent").containsEntry("attempts", 2L)
                    .containsEntry("reason", null);
            assertThat(hook.received).extracting(Outbound::attempt).containsExactly(1, 2);
            assertThat(hook.received).extracting(Outbound::idempotencyKey).containsOnly(hook.received.get(0).idempotencyKey());
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void retriesStopAtTheMaximumNumberOfAttemptsAsFailedWithTheLastReason(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            String id = Outbox.queue(p.store().db(), "ada", "webhook", "{}", now(p));
            ScriptedChannel hook = new ScriptedChannel("webhook", new Outcome.Retry("http_500", null),
                    new Outcome.Retry("http_502", null), new Outcome.Retry("timeout", null));
            Dispatcher d = dispatcher(p, hook); // at most 3 attempts
            long previous = now(p);
            for (int i = 0; i < 3; i++) {
                d.dispatchDue();
                Long next = (Long) Outbox.row(p.store().db(), id).get("next_attempt_at");
                if (i < 2) {
                    // Exponential: 10 s, then 20 s, each with up to half of it as jitter.
                    long wait = next - previous;
                    assertThat(wait).isBetween(5_000L * (1L << i), 10_000L * (1L << i));
                    p.clock().set(java.time.Instant.ofEpochMilli(next));
                    previous = next;
                }
            }
            assertThat(Outbox.row(p.store().db(), id)).containsEntry("status", "failed").containsEntry("reason", "timeout")
                    .containsEntry("attempts", 3L);
            p.clock().advance(Duration.ofDays(1));
            assertThat(d.dispatchDue()).isZero();
            assertThat(hook.received).hasSize(3);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aRejectionFailsAtOnceAndALostAnswerIsUnknownWithoutARetry(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            String rejected = Outbox.queue(p.store().db(), "ada", "webhook", "{}", now(p));
            p.clock().advance(Duration.ofMillis(1));
            String lost = Outbox.queue(p.store().db(), "ada", "webhook", "{}", now(p));
            ScriptedChannel hook = new ScriptedChannel("webhook", new Outcome.Rejected("http_400: bad field"),
                    new Outcome.Unknown("connection_reset_after_send"));
            Dispatcher d = dispatcher(p, hook);
            d.dispatchDue();
            p.clock().advance(Duration.ofDays(1));
            d.dispatchDue();
            p.settle();
            assertThat(Outbox.row(p.store().db(), rejected)).containsEntry("status", "failed")
                    .containsEntry("reason", "http_400: bad field").containsEntry("sent_at", null);
            var unknown = Outbox.row(p.store().db(), lost);
            assertThat(unknown).containsEntry("status", "unknown").containsEntry("reason", "connection_reset_after_send");
            assertThat(unknown.get("sent_at")).as("an unknown delivery may have reached the person: caps count it").isNotNull();
            assertThat(hook.received).hasSize(2);
            assertThat(Outbox.events(p.store().db(), "ada", "message.")).extracting(e -> e.path("event").asText())
                    .containsExactlyInAnyOrder("message.failed", "message.unknown");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDeliveryLeftSendingByADeadDispatcherBecomesUnknownOnceItsLeaseRunsOutAndIsNeverResent(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            Database db = p.store().db();
            String id = Outbox.queue(db, "ada", "webhook", "{}", now(p));
            long leaseUntil = now(p) + 60_000;
            db.inTransaction(c -> Sql.update(c, "UPDATE deliveries SET status = 'sending', sent_at = ?, attempts = 1, "
                    + "lease_owner = 'dead', lease_until = ? WHERE id = ?", now(p), leaseUntil, id));
            ScriptedChannel hook = new ScriptedChannel("webhook");
            Dispatcher d = dispatcher(p, hook);
            assertThat(d.dispatchDue()).isZero();
            assertThat(Outbox.status(db, id)).isEqualTo("sending");

            p.clock().advance(Duration.ofMinutes(2));
            d.dispatchDue();
            p.settle();
            assertThat(Outbox.row(db, id)).containsEntry("status", "unknown").containsEntry("reason", "answer_lost");
            assertThat(hook.received).isEmpty();
            assertThat(meters.counter("herald.deliveries.answer_lost").count()).isEqualTo(1);
            assertThat(Outbox.events(db, "ada", "message.")).extracting(e -> e.path("properties").path("reason").asText())
                    .containsExactly("answer_lost");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDeliveryClaimedByADeadDispatcherBeforeSendingIsTakenAgainAfterItsLease(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            Database db = p.store().db();
            String id = Outbox.queue(db, "ada", "webhook", "{}", now(p));
            db.inTransaction(c -> Sql.update(c, "UPDATE deliveries SET lease_owner = 'dead', lease_until = ? WHERE id = ?",
                    now(p) + 60_000, id));
            ScriptedChannel hook = new ScriptedChannel("webhook");
            Dispatcher d = dispatcher(p, hook);
            assertThat(d.dispatchDue()).isZero();
            p.clock().advance(Duration.ofSeconds(61));
            assertThat(d.dispatchDue()).isEqualTo(1);
            assertThat(Outbox.status(db, id)).isEqualTo("sent");
            assertThat(hook.received).hasSize(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPollThatFindsNothingDueDoesNotWaitForAWriter(Engine engine) throws Exception {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            String later = Outbox.queue(p.store().db(), "ada", "in_app", "{}", now(p));
            p.store().db().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET next_attempt_at = ? WHERE id = ?",
                    now(p) + 60_000, later));
            Dispatcher dispatcher = dispatcher(p, new ScriptedChannel("in_app"));
            assertThat(OpenWriter.whileOpen(p.store().db(), dispatcher::dispatchDue)).isZero();
            assertThat(Outbox.status(p.store().db(), later)).isEqualTo("queued");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void twoDispatchersAtOnceNeverTakeTheSameDelivery(Engine engine) throws Exception {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            identify(p, "bob");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 300; i++) ids.add(Outbox.queue(p.store().db(), i % 2 == 0 ? "ada" : "bob", "in_app", "{}", now(p)));
            ScriptedChannel inApp = new ScriptedChannel("in_app");
            DispatchOptions small = DispatchOptions.defaults().withBatchSize(7);
            List<Dispatcher> dispatchers = List.of(dispatcher(p, small, inApp), dispatcher(p, small, inApp),
                    dispatcher(p, small, inApp));
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Callable<Integer>> work = new ArrayList<>();
                for (Dispatcher d : dispatchers) work.add(d::dispatchDue);
                int total = 0;
                for (Future<Integer> f : pool.invokeAll(work)) total += f.get();
                assertThat(total).isEqualTo(300);
            } finally {
                pool.shutdownNow();
            }
            assertThat(inApp.perDelivery).hasSize(300);
            assertThat(inApp.perDelivery.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
            for (String id : ids) assertThat(Outbox.status(p.store().db(), id)).isEqualTo("sent");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void roundsGatedAtOnceByTwoDispatchersNeverPassMoreThanAFrequencyCapAllows(Engine engine) throws Exception {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            Database db = p.store().db();
            new Settings(db, p.clock()).putPolicies(Outbox.WS,
                    json("{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":3,\"per\":\"P1D\"}]}"));
            List<String> people = List.of("ada", "bob", "cy", "dee", "eve");
            for (String who : people) identify(p, who);
            // 30 capped deliveries a person, interleaved, so that every round holds several of each person's.
            for (int i = 0; i < 30 * people.size(); i++) {
                String id = Outbox.queue(db, people.get(i % people.size()), "in_app", "{}", now(p));
                db.inTransaction(c -> Sql.update(c, "UPDATE deliveries SET context = replace(context, "
                        + "'\"frequencyCap\":false', '\"frequencyCap\":true') WHERE id = ?", id));
            }
            ScriptedChannel inApp = new ScriptedChannel("in_app");
            DispatchOptions small = DispatchOptions.defaults().withBatchSize(4).withRounds(2);
            List<Dispatcher> dispatchers = List.of(dispatcher(p, small, inApp), dispatcher(p, small, inApp));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                // Each dispatcher's two rounds at once, as its two background threads run them.
                List<Callable<Integer>> work = new ArrayList<>();
                for (Dispatcher d : dispatchers) for (int r = 0; r < small.rounds(); r++) work.add(d::dispatchDue);
                int total = 0;
                for (Future<Integer> f : pool.invokeAll(work)) total += f.get();
                assertThat(total).isEqualTo(150);
            } finally {
                pool.shutdownNow();
            }
            assertThat(inApp.perDelivery.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
            for (String who : people) {
                List<String> outcomes = db.read(c -> Sql.query(c, "SELECT status || ':' || COALESCE(reason, '') "
                        + "FROM deliveries WHERE person_id = ?", rs -> rs.getString(1), Outbox.personOf(c, who)));
                assertThat(outcomes).as(who).filteredOn("sent:"::equals).hasSize(3);
                assertThat(outcomes).as(who).filteredOn("suppressed:frequency_capped"::equals).hasSize(27);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonsDeliveriesAreHandedOverHigherPriorityFirst(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            identify(p, "ada");
            Database db = p.store().db();
            String low = Outbox.queue(db, "ada", "in_app", "{}", now(p));
            String high = Outbox.queue(db, "ada", "in_app", "{}", now(p));
            db.inTransaction(c -> Sql.update(c, "UPDATE deliveries SET priority = 90 WHERE id = ?", high));
            ScriptedChannel inApp = new ScriptedChannel("in_app");
            dispatcher(p, inApp).dispatchDue();
            assertThat(inApp.received).extracting(Outbound::deliveryId).containsExactly(high, low);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignMetricsShowTheStatusesTheDispatcherRecordedPerStepAndMessageVariant(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            String campaign = p.campaigns().create(WS, json("""
                    {"name":"nudge","trigger":{"event":"signed_up"},"entry":{"reentry":"always"},"start":"s1",
                     "steps":{"s1":{"type":"message","channel":"in_app","message":{"format":"banner","steps":[{"blocks":[{"type":"text","text":"Hi"}]}]},"next":"s2"},
                              "s2":{"type":"message","channel":"push","message":{"title":"Hi","body":"there"},"next":"done"},
                              "done":{"type":"exit"}}}""")).id();
            p.campaigns().activate(WS, campaign);
            for (String user : List.of("ada", "bob", "cy")) {
                p.send(CallKind.TRACK, "{\"userId\":\"" + user + "\",\"event\":\"signed_up\",\"timestamp\":\""
                        + p.clock().instant() + "\"}");
            }
            p.settle();
            // The renderer of this build chooses no variant; one it chose is recorded in deliveries.variant.
            Database db = p.store().db();
            ScriptedChannel inApp = new ScriptedChannel("in_app", new Outcome.Sent("a"), new Outcome.Unknown("reset"),
                    new Outcome.Sent("c"));
            dispatcher(p, inApp).dispatchDue();
            db.inTransaction(c -> Sql.update(c, "UPDATE deliveries SET variant = CASE WHEN provider_id = 'a' THEN 0 ELSE 1 END "
                    + "WHERE step = 's1'"));

            var report = p.campaigns().metrics(WS, campaign, null, null);
            assertThat(report.totals().metrics()).containsEntry("attempted", 6L).containsEntry("sent", 2L)
                    .containsEntry("failed", 3L).containsEntry("unknown", 1L);
            assertThat(report.steps()).extracting(s -> s.step() + "/" + s.variant() + ":" + s.counts().metrics().get("attempted"))
                    .containsExactlyInAnyOrder("s1/0:1", "s1/1:2", "s2/null:3");
            var s1v1 = report.steps().stream().filter(s -> "s1".equals(s.step()) && Integer.valueOf(1).equals(s.variant()))
                    .findFirst().orElseThrow();
            assertThat(s1v1.counts().metrics()).containsEntry("sent", 1L).containsEntry("unknown", 1L);
        }
    }
}
