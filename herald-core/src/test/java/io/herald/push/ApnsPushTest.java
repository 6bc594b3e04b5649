package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
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

/** Push deliveries through the dispatcher and the APNs provider to Pushy's MockApnsServer, on both engines. */
class ApnsPushTest {
    @TempDir
    Path dir;

    private MockApns apple;

    @BeforeEach
    void startApple() throws Exception {
        apple = new MockApns(dir);
    }

    @AfterEach
    void stopApple() throws Exception {
        apple.close();
    }

    private record Setup(Pipeline p, Dispatcher dispatcher, ApnsProvider apns, PushChannel push) implements AutoCloseable {
        @Override
        public void close() {
            push.close();
            apns.close();
            p.close();
        }

        Database db() {
            return p.store().db();
        }
    }

    private Setup setup(Engine engine, boolean credentials) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        ApnsProvider apns = new ApnsProvider(p.clock(), ApnsProvider.Options.defaults().withTrusted(List.of(apple.certificate())));
        PushChannel push = new PushChannel(p.store().db(), (ws, provider) -> credentials && provider.equals("apns")
                ? Optional.of(apple.credentials()) : Optional.empty(), List.of(apns), p.clock());
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(push), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(),
                DispatchOptions.defaults().withMaxAttempts(5));
        return new Setup(p, d, apns, push);
    }

    private static void device(Setup s, String token, String provider) {
        s.p().send(CallKind.DEVICE_REGISTER, "{\"userId\":\"ada\",\"token\":\"" + token + "\",\"platform\":\""
                + (provider.equals("apns") ? "ios" : "android") + "\",\"provider\":\"" + provider + "\"}");
        s.p().settle();
    }

    private static String queue(Setup s, String message) {
        String id = "d-" + UUID.randomUUID();
        long now = s.p().clock().millis();
        s.db().inTransaction(c -> {
            String personId = person(c);
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

    private static String person(java.sql.Connection c) throws java.sql.SQLException {
        return Sql.queryOne(c, "SELECT person_id FROM identities WHERE kind = 'user' AND value = 'ada'",
                rs -> rs.getString(1)).orElseThrow();
    }

    private static Map<String, Object> row(Setup s, String id) {
        return s.db().read(c -> Sql.queryOne(c, "SELECT status, reason, provider_id, next_attempt_at, attempts FROM "
                + "deliveries WHERE id = ?", rs -> {
            Map<String, Object> m = new HashMap<>();
            m.put("status", rs.getString(1));
            m.put("reason", rs.getString(2));
            m.put("provider_id", rs.getString(3));
            m.put("next_attempt_at", rs.getObject(4) == null ? null : rs.getLong(4));
            m.put("attempts", rs.getLong(5));
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
        return apple.received().stream().map(MockApns.Received::token).toList();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPushReachesEveryDeviceOfThePersonWithTheMessageMappedToTheApnsPayload(Engine engine) {
        try (Setup s = setup(engine, true)) {
            String phone = apple.token();
            String tablet = apple.token();
            device(s, phone, "apns");
            device(s, tablet, "apns");
            String id = queue(s, "{\"title\":\"Hi {{ person.userId }}\",\"body\":\"Your trial ends soon\","
                    + "\"imageUrl\":\"https://cdn.example.com/a.png\",\"deepLink\":\"app://plans\",\"buttons\":[{\"id\":"
                    + "\"upgrade\",\"label\":\"Upgrade\"},{\"id\":\"later\",\"label\":\"Later\"}],\"sound\":\"default\","
                    + "\"badge\":3,\"data\":{\"plan\":\"pro\"},\"collapseKey\":\"trial\",\"ttl\":\"PT1H\",\"priority\":\"normal\"}");
            s.dispatcher().dispatchDue();

            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "sent");
            assertThat(((String) r.get("provider_id")).split(",")).hasSize(2);
            assertThat(tokensReceived()).containsExactlyInAnyOrder(phone, tablet);
            MockApns.Received got = apple.received().get(0);
            JsonNode aps = got.payload().get("aps");
            assertThat(aps.at("/alert/title").asText()).isEqualTo("Hi ada");
            assertThat(aps.at("/alert/body").asText()).isEqualTo("Your trial ends soon");
            assertThat(aps.get("mutable-content").asInt()).isEqualTo(1);
            assertThat(aps.get("category").asText()).isEqualTo("herald.upgrade.later");
            assertThat(aps.get("sound").asText()).isEqualTo("default");
            assertThat(aps.get("badge").asInt()).isEqualTo(3);
            assertThat(aps.get("thread-id").asText()).isEqualTo("trial");
            assertThat(aps.get("interruption-level").asText()).isEqualTo("passive");
            assertThat(got.payload().get("plan").asText()).isEqualTo("pro");
            JsonNode herald = got.payload().get("herald");
            assertThat(herald.get("deliveryId").asText()).isEqualTo(id);
            assertThat(herald.get("deepLink").asText()).isEqualTo("app://plans");
            assertThat(herald.get("imageUrl").asText()).isEqualTo("https://cdn.example.com/a.png");
            assertThat(herald.get("buttons")).hasSize(2);
            assertThat(got.headers()).containsEntry("apns-topic", MockApns.TOPIC).containsEntry("apns-collapse-id", "trial")
                    .containsEntry("apns-priority", "5").containsEntry("apns-push-type", "alert")
                    .containsEntry("apns-expiration", String.valueOf(s.p().clock().instant().plusSeconds(3600).getEpochSecond()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anUnregisteredTokenDisablesTheDeviceAndLaterDeliveriesSkipIt(Engine engine) {
        try (Setup s = setup(engine, true)) {
            String old = apple.token();
            String current = apple.token();
            device(s, old, "apns");
            device(s, current, "apns");
            apple.unregister(old);
            String first = queue(s, "{\"title\":\"One\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, first)).containsEntry("status", "sent");
            assertThat(enabled(s)).containsEntry(old, false).containsEntry(current, true);

            String second = queue(s, "{\"title\":\"Two\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, second)).containsEntry("status", "sent");
            assertThat(tokensReceived()).containsExactly(current, current);

            // With the last device gone too, the next delivery finds none.
            apple.unregister(current);
            String third = queue(s, "{\"title\":\"Three\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, third)).containsEntry("status", "failed").containsEntry("reason", "Unregistered");
            String fourth = queue(s, "{\"title\":\"Four\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, fourth)).containsEntry("status", "failed").containsEntry("reason", PushChannel.NO_DEVICE);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPayloadOverFourKilobytesFailsWithAClearReasonAndNothingIsSent(Engine engine) {
        try (Setup s = setup(engine, true)) {
            device(s, apple.token(), "apns");
            String id = queue(s, "{\"title\":\"Big\",\"body\":\"" + "x".repeat(3000) + "\",\"data\":{\"blob\":\""
                    + "y".repeat(1500) + "\"}}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "failed");
            assertThat((String) r.get("reason")).startsWith("payload_too_large: the APNs payload is ").contains("4096");
            assertThat(apple.received()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTransientRejectionIsRetriedByTheDispatcherAndThenSent(Engine engine) {
        try (Setup s = setup(engine, true)) {
            String token = apple.token();
            device(s, token, "apns");
            apple.failNext(1);
            String id = queue(s, "{\"title\":\"Retry me\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "retrying").containsEntry("reason", "ServiceUnavailable");
            s.p().clock().set(Instant.ofEpochMilli((Long) r.get("next_attempt_at")));
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "sent");
            assertThat(tokensReceived()).containsExactly(token);
            assertThat(enabled(s)).containsEntry(token, true);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPersonWithoutAPushEnabledDeviceFailsWithNoDevice(Engine engine) {
        try (Setup s = setup(engine, true)) {
            s.p().send(CallKind.DEVICE_REGISTER, "{\"userId\":\"ada\",\"token\":\"" + apple.token() + "\",\"platform\":"
                    + "\"ios\",\"provider\":\"apns\",\"pushEnabled\":false}");
            s.p().settle();
            String id = queue(s, "{\"title\":\"Nobody\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "failed").containsEntry("reason", PushChannel.NO_DEVICE);
            assertThat(apple.received()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void devicesWhoseProviderHasNoCredentialsFailWithNoProvider(Engine engine) {
        try (Setup s = setup(engine, false)) {
            device(s, apple.token(), "apns");
            device(s, "fcm-token-1", "fcm");
            String id = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "failed").containsEntry("reason", Channels.NO_PROVIDER);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aCampaignsPushStepReachesTheDevicesAndComesBackAsMessageSent(Engine engine) throws Exception {
        try (Setup s = setup(engine, true)) {
            String token = apple.token();
            device(s, token, "apns");
            String campaign = s.p().campaigns().create(Pipeline.WORKSPACE, io.herald.event.EventCodec.mapper().readTree("""
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

            assertThat(tokensReceived()).containsExactly(token);
            JsonNode alert = apple.received().get(0).payload().at("/aps/alert");
            assertThat(alert.get("title").asText()).isEqualTo("Welcome to pro");
            assertThat(alert.get("body").asText()).isEqualTo("Thanks, ada");
            List<String> events = s.db().read(c -> Sql.query(c, "SELECT event, properties FROM person_events WHERE "
                    + "person_id = ? AND event LIKE 'message.%'", rs -> rs.getString(1) + " "
                    + tree(rs.getString(2)).path("channel").asText(), person(c)));
            assertThat(events).containsExactly("message.sent push");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anAuthKeyThatDoesNotLoadFailsTheDeliveryWithInvalidCredentials(Engine engine) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        ApnsProvider apns = new ApnsProvider(p.clock(), ApnsProvider.Options.defaults().withTrusted(List.of(apple.certificate())));
        com.fasterxml.jackson.databind.node.ObjectNode broken = apple.credentials().put("authKey",
                "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        PushChannel push = new PushChannel(p.store().db(), (ws, provider) -> Optional.of(broken), List.of(apns), p.clock());
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(push), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(), DispatchOptions.defaults());
        try (Setup s = new Setup(p, d, apns, push)) {
            device(s, apple.token(), "apns");
            String id = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "failed");
            assertThat((String) r.get("reason")).startsWith("invalid_credentials: the APNs auth key does not load");
            assertThat(apple.received()).isEmpty();
        }
    }

    private static JsonNode tree(String json) {
        try {
            return io.herald.event.EventCodec.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
