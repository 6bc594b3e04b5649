package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.delivery.Channel;
import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.delivery.Outbound;
import io.herald.delivery.Outcome;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Push deliveries through the dispatcher and the FCM provider to WireMock as FCM, on both engines. */
class FcmPushTest {
    @TempDir
    Path dir;

    private FakeFcm fcm;

    @BeforeEach
    void start() {
        fcm = new FakeFcm();
    }

    @AfterEach
    void stop() {
        fcm.close();
    }

    private record Setup(Pipeline p, Dispatcher dispatcher, FcmProvider provider, PushChannel push) implements AutoCloseable {
        @Override
        public void close() {
            push.close();
            provider.close();
            p.close();
        }

        Database db() {
            return p.store().db();
        }
    }

    private Setup setup(Engine engine, JsonNode credentials) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        FcmProvider provider = new FcmProvider(p.clock(), FcmProvider.Options.defaults());
        PushChannel push = new PushChannel(p.store().db(), (ws, name) -> name.equals("fcm") ? Optional.of(credentials)
                : Optional.empty(), List.of(provider), p.clock());
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(push), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(),
                DispatchOptions.defaults().withMaxAttempts(5));
        return new Setup(p, d, provider, push);
    }

    private static void device(Setup s, String token) {
        device(s, "ada", token);
    }

    private static void device(Setup s, String userId, String token) {
        s.p().send(CallKind.DEVICE_REGISTER, "{\"userId\":\"" + userId + "\",\"token\":\"" + token + "\","
                + "\"platform\":\"android\",\"provider\":\"fcm\"}");
        s.p().settle();
    }

    private static String queue(Setup s, String message) {
        return queue(s, "ada", message);
    }

    private static String queue(Setup s, String userId, String message) {
        String id = "d-" + UUID.randomUUID();
        long now = s.p().clock().millis();
        s.db().inTransaction(c -> {
            String personId = person(c, userId);
            return Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, run_id, step, "
                    + "channel, idempotency_key, status, message, context, priority, created_at, updated_at) "
                    + "VALUES (?, ?, ?, NULL, NULL, ?, 's1', 'push', ?, 'queued', ?, ?, 0, ?, ?)", id, Pipeline.WORKSPACE,
                    personId, "run-" + id, "run-" + id + ":s1:" + personId + ":push", message,
                    "{\"event\":{\"event\":\"signed_up\",\"properties\":{}},\"journey\":{},\"campaign\":{\"id\":\"c1\","
                            + "\"name\":\"Welcome\",\"version\":1},\"policies\":{\"quietHours\":false,"
                            + "\"frequencyCap\":false,\"priority\":0}}", now, now);
        });
        return id;
    }

    private static String person(java.sql.Connection c, String userId) throws java.sql.SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE kind = 'user' AND value = ?",
                rs -> rs.getString(1), userId).orElseThrow();
    }

    private static Map<String, Object> row(Setup s, String id) {
        return s.db().read(c -> Sql.queryOne(c, "SELECT status, reason, provider_id, next_attempt_at FROM deliveries "
                + "WHERE id = ?", rs -> {
            Map<String, Object> m = new HashMap<>();
            m.put("status", rs.getString(1));
            m.put("reason", rs.getString(2));
            m.put("provider_id", rs.getString(3));
            m.put("next_attempt_at", rs.getObject(4) == null ? null : rs.getLong(4));
            return m;
        }, id)).orElseThrow();
    }

    private static Map<String, Boolean> enabled(Setup s) {
        return s.db().read(c -> {
            Map<String, Boolean> m = new HashMap<>();
            for (Object[] r : Sql.query(c, "SELECT token, push_enabled FROM devices", rs -> new Object[] {
                    rs.getString(1), rs.getBoolean(2)})) {
                m.put((String) r[0], (Boolean) r[1]);
            }
            return m;
        });
    }

    private List<String> tokensReceived() {
        return fcm.messages().stream().map(m -> m.at("/message/token").asText()).toList();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPushReachesEveryAndroidDeviceWithTheRenderedMessageAndRecordsFcmsNames(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "phone-token");
            device(s, "tablet-token");
            String id = queue(s, "{\"title\":\"Hi {{ person.userId }}\",\"body\":\"Your trial ends soon\","
                    + "\"deepLink\":\"app://plans\",\"data\":{\"plan\":\"pro\"},\"collapseKey\":\"trial\",\"ttl\":\"PT1H\"}");
            s.dispatcher().dispatchDue();

            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "sent");
            String[] names = ((String) r.get("provider_id")).split(",");
            assertThat(names).hasSize(2).allMatch(n -> n.startsWith("projects/" + FakeFcm.PROJECT + "/messages/"));
            assertThat(tokensReceived()).containsExactlyInAnyOrder("phone-token", "tablet-token");
            JsonNode m = fcm.messages().get(0).get("message");
            assertThat(m.at("/notification/title").asText()).isEqualTo("Hi ada");
            assertThat(m.at("/data/deliveryId").asText()).isEqualTo(id);
            assertThat(m.at("/data/plan").asText()).isEqualTo("pro");
            assertThat(m.at("/android/ttl").asText()).isEqualTo("3600s");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aRoundOverSeveralPeopleReachesEachPersonsOwnEnabledDevicesOnly(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "ada", "ada-phone");
            device(s, "ada", "ada-tablet");
            device(s, "bob", "bob-phone");
            device(s, "bob", "bob-old-phone");
            s.db().inTransaction(c -> Sql.update(c, "UPDATE devices SET push_enabled = ? WHERE token = ?", false,
                    "bob-old-phone"));
            s.p().send(CallKind.IDENTIFY, "{\"userId\":\"cy\",\"traits\":{},\"timestamp\":\""
                    + s.p().clock().instant() + "\"}");
            s.p().settle();
            String message = "{\"title\":\"Hi {{ person.userId }}\",\"body\":\"News\"}";
            String ada = queue(s, "ada", message);
            String bob = queue(s, "bob", message);
            String cy = queue(s, "cy", message);

            assertThat(s.dispatcher().dispatchDue()).isEqualTo(3); // one round

            assertThat(row(s, ada)).containsEntry("status", "sent");
            assertThat(((String) row(s, ada).get("provider_id")).split(",")).hasSize(2);
            assertThat(row(s, bob)).containsEntry("status", "sent");
            assertThat(row(s, cy)).containsEntry("status", "failed").containsEntry("reason", PushChannel.NO_DEVICE);
            Map<String, String> titles = new HashMap<>();
            for (JsonNode m : fcm.messages()) {
                titles.put(m.at("/message/token").asText(), m.at("/message/notification/title").asText());
            }
            assertThat(titles).containsOnly(Map.entry("ada-phone", "Hi ada"), Map.entry("ada-tablet", "Hi ada"),
                    Map.entry("bob-phone", "Hi bob"));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aRoundsChannelAskedForSomeoneOutsideTheRoundReadsTheirDevices(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "ada", "ada-phone");
            device(s, "bob", "bob-phone");
            Outbound toAda = outbound(s, "ada");
            Outbound toBob = outbound(s, "bob");

            Channel round = s.push().forRound(List.of(toAda));

            assertThat(round.send(toBob).join()).isInstanceOf(Outcome.Sent.class);
            assertThat(round.send(toAda).join()).isInstanceOf(Outcome.Sent.class);
            assertThat(fcm.messages()).extracting(m -> m.at("/message/token").asText())
                    .containsExactlyInAnyOrder("bob-phone", "ada-phone");
        }
    }

    private static Outbound outbound(Setup s, String userId) {
        String personId = s.db().read(c -> person(c, userId));
        return new Outbound(Pipeline.WORKSPACE, "d-" + UUID.randomUUID(), personId, "push", "k-" + UUID.randomUUID(),
                EventCodec.mapper().createObjectNode().put("title", "Hi").put("body", "News"), 1);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anUnregisteredOrInvalidTokenDisablesTheDeviceAndLaterDeliveriesSkipIt(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "old-token");
            device(s, "bad-token");
            device(s, "current-token");
            fcm.answer("old-token", 404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null);
            fcm.answer("bad-token", 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                    "The registration token is not a valid FCM registration token", null);
            String first = queue(s, "{\"title\":\"One\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, first)).containsEntry("status", "sent");
            assertThat(enabled(s)).containsEntry("old-token", false).containsEntry("bad-token", false)
                    .containsEntry("current-token", true);

            String second = queue(s, "{\"title\":\"Two\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, second)).containsEntry("status", "sent");
            assertThat(tokensReceived().stream().filter(t -> t.equals("current-token"))).hasSize(2);
            assertThat(tokensReceived().stream().filter(t -> !t.equals("current-token"))).hasSize(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aBadRequestFailsTheDeliveryButKeepsTheDevice(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "tok");
            fcm.answer("tok", 400, "INVALID_ARGUMENT", null, "Invalid value at 'message.data[0].value'", null);
            String id = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "failed")
                    .containsEntry("reason", "INVALID_ARGUMENT: Invalid value at 'message.data[0].value'");
            assertThat(enabled(s)).containsEntry("tok", true);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void quotaExceededIsRetriedNoSoonerThanRetryAfterAndThenSent(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "tok");
            fcm.answer("tok", 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded", "600");
            String id = queue(s, "{\"title\":\"Retry me\",\"body\":\"b\"}");
            long now = s.p().clock().millis();
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "retrying").containsEntry("reason", "QUOTA_EXCEEDED: Quota exceeded");
            assertThat((Long) r.get("next_attempt_at")).isGreaterThanOrEqualTo(now + 600_000);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anUnavailableFcmIsRetriedAndTheNextAttemptIsSent(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "tok");
            fcm.answer("tok", 503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.", "30");
            String id = queue(s, "{\"title\":\"Retry me\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "retrying");
            // FCM is back: the stub for the token goes, the default answer takes over.
            fcm.server().removeStub(fcm.server().getStubMappings().stream()
                    .filter(m -> m.getPriority() != null && m.getPriority() == 1).findFirst().orElseThrow());
            s.p().clock().set(Instant.ofEpochMilli((Long) r.get("next_attempt_at")));
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "sent");
            assertThat(tokensReceived()).containsExactly("tok", "tok");
            assertThat(enabled(s)).containsEntry("tok", true);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void credentialsTheTokenEndpointRefusesFailTheDeliveryWithAClearReason(Engine engine) {
        try (Setup s = setup(engine, fcm.credentials())) {
            fcm.refuseTokens();
            device(s, "tok");
            String id = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "failed");
            assertThat((String) r.get("reason")).startsWith("invalid_credentials: the token endpoint refused the "
                    + "service account");
            assertThat(fcm.sendRequests()).isEmpty();
            assertThat(enabled(s)).containsEntry("tok", true);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aCampaignsPushStepReachesTheAndroidDeviceAndComesBackAsMessageSent(Engine engine) throws Exception {
        try (Setup s = setup(engine, fcm.credentials())) {
            device(s, "tok");
            String campaign = s.p().campaigns().create(Pipeline.WORKSPACE, EventCodec.mapper().readTree("""
                    {"name":"upgrade nudge","trigger":{"event":"upgraded"},"start":"push",
                     "steps":{"push":{"type":"message","channel":"push","message":{"title":"Welcome to pro",
                                      "body":"Thanks, {{ person.userId }}"},"next":"done"},
                              "done":{"type":"exit"}}}""")).id();
            s.p().campaigns().activate(Pipeline.WORKSPACE, campaign);
            s.p().send(CallKind.TRACK, "{\"userId\":\"ada\",\"event\":\"upgraded\",\"properties\":{\"plan\":\"pro\"},"
                    + "\"timestamp\":\"" + s.p().clock().instant() + "\"}");
            s.p().settle();
            s.dispatcher().dispatchDue();
            s.p().settle();

            assertThat(tokensReceived()).containsExactly("tok");
            JsonNode n = fcm.messages().get(0).at("/message/notification");
            assertThat(n.get("title").asText()).isEqualTo("Welcome to pro");
            assertThat(n.get("body").asText()).isEqualTo("Thanks, ada");
            List<String> events = s.db().read(c -> Sql.query(c, "SELECT event FROM person_events WHERE person_id = ? "
                    + "AND event LIKE 'message.%'", rs -> rs.getString(1), person(c, "ada")));
            assertThat(events).containsExactly("message.sent");
        }
    }
}
