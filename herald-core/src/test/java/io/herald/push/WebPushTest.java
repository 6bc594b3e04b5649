package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
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

/**
 * Web push deliveries through the dispatcher and the Web Push provider to a test push service that decrypts them
 * with the subscription's private key and checks the VAPID signature, on both engines.
 */
class WebPushTest {
    @TempDir
    Path dir;

    private TestPushService service;
    private final String[] vapid = io.herald.credential.CredentialSamples.vapid();

    @BeforeEach
    void start() throws Exception {
        service = new TestPushService();
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private ObjectNode credentials() {
        ObjectNode c = EventCodec.mapper().createObjectNode();
        c.put("subject", "mailto:ops@example.com");
        c.put("publicKey", vapid[0]);
        c.put("privateKey", vapid[1]);
        return c;
    }

    private record Setup(Pipeline p, Dispatcher dispatcher, WebPushProvider webpush, PushChannel push)
            implements AutoCloseable {
        @Override
        public void close() {
            push.close();
            webpush.close();
            p.close();
        }

        Database db() {
            return p.store().db();
        }
    }

    private Setup setup(Engine engine) {
        Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-23T04:00:00Z"));
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        WebPushProvider webpush = new WebPushProvider(p.clock(), WebPushProvider.Options.defaults());
        ObjectNode creds = credentials();
        PushChannel push = new PushChannel(p.store().db(), (ws, provider) -> provider.equals("webpush")
                ? Optional.of(creds) : Optional.empty(), List.of(webpush), p.clock());
        Dispatcher d = new Dispatcher(p.store().db(), p.log(), Channels.of(push), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(),
                DispatchOptions.defaults().withMaxAttempts(5));
        return new Setup(p, d, webpush, push);
    }

    private static void device(Setup s, TestPushService.Browser b) {
        s.p().send(CallKind.DEVICE_REGISTER, "{\"userId\":\"ada\",\"token\":" + b.subscription() + ",\"platform\":\"web\"}");
        s.p().settle();
    }

    private static String queue(Setup s, String message) {
        String id = "d-" + UUID.randomUUID();
        long now = s.p().clock().millis();
        s.db().inTransaction(c -> {
            String personId = Sql.queryOne(c, "SELECT person_id FROM identities WHERE kind = 'user' AND value = 'ada'",
                    rs -> rs.getString(1)).orElseThrow();
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

    private static boolean enabled(Setup s, TestPushService.Browser b) {
        return s.db().read(c -> Sql.queryOne(c, "SELECT push_enabled FROM devices WHERE token LIKE ?",
                rs -> rs.getBoolean(1), "%" + b.id() + "%")).orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theBrowserDecryptsTheMessageAsTheServiceWorkerReadsItSignedWithTheWorkspacesVapidKey(Engine engine) {
        try (Setup s = setup(engine)) {
            TestPushService.Browser browser = service.subscribe();
            device(s, browser);
            String id = queue(s, "{\"title\":\"Hi {{ person.userId }}\",\"body\":\"Your trial ends soon\","
                    + "\"imageUrl\":\"https://cdn.example.com/a.png\",\"deepLink\":\"https://app.example.com/plans\","
                    + "\"buttons\":[{\"id\":\"upgrade\",\"label\":\"Upgrade\",\"deepLink\":\"https://app.example.com/upgrade\"},"
                    + "{\"id\":\"later\",\"label\":\"Later\"}],"
                    + "\"badge\":3,\"data\":{\"plan\":\"pro\"},\"collapseKey\":\"trial ends!\",\"ttl\":\"PT1H\","
                    + "\"priority\":\"normal\"}");
            s.dispatcher().dispatchDue();

            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "sent");
            assertThat((String) r.get("provider_id")).startsWith(service.origin() + "/m/");
            TestPushService.Received got = service.received().getFirst();
            assertThat(got.browserId()).isEqualTo(browser.id());
            JsonNode payload = service.decryptJson(got);
            assertThat(payload.path("deliveryId").asText()).isEqualTo(id);
            assertThat(payload.path("title").asText()).isEqualTo("Hi ada");
            assertThat(payload.path("body").asText()).isEqualTo("Your trial ends soon");
            assertThat(payload.path("image").asText()).isEqualTo("https://cdn.example.com/a.png");
            assertThat(payload.path("deepLink").asText()).isEqualTo("https://app.example.com/plans");
            assertThat(payload.path("actions").toString())
                    .isEqualTo("[{\"action\":\"upgrade\",\"title\":\"Upgrade\",\"deepLink\":\"https://app.example.com/upgrade\"},"
                            + "{\"action\":\"later\",\"title\":\"Later\"}]");
            assertThat(payload.path("data").path("plan").asText()).isEqualTo("pro");
            assertThat(payload.path("tag").asText()).isEqualTo("trial ends!");
            assertThat(payload.has("badge")).as("a number badge is iOS's; the web badge is an image").isFalse();

            assertThat(got.header("TTL")).isEqualTo("3600");
            assertThat(got.header("Urgency")).isEqualTo("normal");
            assertThat(got.header("Topic")).isEqualTo(WebPushProvider.topic("trial ends!")).hasSize(32);
            assertThat(got.header("Content-Encoding")).isEqualTo("aes128gcm");
            JsonNode claims = service.verifyVapid(got, vapid[0], s.p().clock().instant().getEpochSecond());
            assertThat(claims.path("sub").asText()).isEqualTo("mailto:ops@example.com");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void withoutTtlAndPriorityTheMessageKeepsFourWeeksAndIsUrgent(Engine engine) {
        try (Setup s = setup(engine)) {
            device(s, service.subscribe());
            queue(s, "{\"body\":\"Only a body\"}");
            s.dispatcher().dispatchDue();
            TestPushService.Received got = service.received().getFirst();
            assertThat(got.header("TTL")).isEqualTo("2419200");
            assertThat(got.header("Urgency")).isEqualTo("high");
            assertThat(got.header("Topic")).isNull();
            assertThat(service.decryptJson(got).path("title").asText()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aGoneSubscriptionDisablesTheDeviceAndLaterDeliveriesSkipIt(Engine engine) {
        try (Setup s = setup(engine)) {
            TestPushService.Browser old = service.subscribe();
            TestPushService.Browser current = service.subscribe();
            device(s, old);
            device(s, current);
            service.answerNext(old, 410, Map.of());
            String first = queue(s, "{\"title\":\"One\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, first)).containsEntry("status", "sent");
            assertThat(enabled(s, old)).isFalse();
            assertThat(enabled(s, current)).isTrue();

            String second = queue(s, "{\"title\":\"Two\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, second)).containsEntry("status", "sent");
            // Devices are sent to in parallel: the order of the first two is not fixed.
            assertThat(service.received()).extracting(TestPushService.Received::browserId)
                    .containsExactlyInAnyOrder(old.id(), current.id(), current.id());
            assertThat(service.received().getLast().browserId()).isEqualTo(current.id());

            service.answerNext(404, Map.of());
            String third = queue(s, "{\"title\":\"Three\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, third)).containsEntry("status", "failed");
            assertThat((String) row(s, third).get("reason")).startsWith("webpush_404");
            assertThat(enabled(s, current)).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aThrottledMessageIsRetriedNoSoonerThanRetryAfterAndThenSent(Engine engine) {
        try (Setup s = setup(engine)) {
            TestPushService.Browser browser = service.subscribe();
            device(s, browser);
            service.answerNext(429, Map.of("Retry-After", "120"));
            String id = queue(s, "{\"title\":\"Retry me\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "retrying");
            assertThat((String) r.get("reason")).startsWith("webpush_429");
            assertThat((Long) r.get("next_attempt_at")).isGreaterThanOrEqualTo(s.p().clock().millis() + 120_000);
            s.p().clock().set(Instant.ofEpochMilli((Long) r.get("next_attempt_at")));
            s.dispatcher().dispatchDue();
            assertThat(row(s, id)).containsEntry("status", "sent");
            assertThat(service.received()).hasSize(2);
            assertThat(service.decryptJson(service.received().get(1)).path("title").asText()).isEqualTo("Retry me");
            assertThat(enabled(s, browser)).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void refusedAuthorizationAndTooLargeAnswersFailTheDeliveryWithTheReasonAndKeepTheDevice(Engine engine) {
        try (Setup s = setup(engine)) {
            TestPushService.Browser browser = service.subscribe();
            device(s, browser);
            service.answerNext(403, Map.of());
            String refused = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat(row(s, refused)).containsEntry("status", "failed");
            assertThat((String) row(s, refused).get("reason")).startsWith("webpush_403").contains("VAPID");

            service.answerNext(413, Map.of());
            String large = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            assertThat((String) row(s, large).get("reason")).startsWith("payload_too_large");
            assertThat(enabled(s, browser)).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPayloadOverWhatPushServicesTakeFailsWithAClearReasonAndNothingIsSent(Engine engine) {
        try (Setup s = setup(engine)) {
            device(s, service.subscribe());
            String id = queue(s, "{\"title\":\"Big\",\"body\":\"" + "x".repeat(3000) + "\",\"data\":{\"blob\":\""
                    + "y".repeat(1500) + "\"}}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "failed");
            assertThat((String) r.get("reason")).startsWith("payload_too_large: the web push payload is ")
                    .contains("at most 3993");
            assertThat(service.received()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aPushServiceThatCannotBeReachedIsRetriedAsNothingWentOut(Engine engine) throws Exception {
        try (Setup s = setup(engine)) {
            TestPushService.Browser browser = service.subscribe();
            int closedPort;
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
                closedPort = probe.getLocalPort();
            }
            String unreachable = browser.subscription().replace(service.origin(), "http://127.0.0.1:" + closedPort);
            s.p().send(CallKind.DEVICE_REGISTER, "{\"userId\":\"ada\",\"token\":" + unreachable + ",\"platform\":\"web\"}");
            s.p().settle();
            String id = queue(s, "{\"title\":\"t\",\"body\":\"b\"}");
            s.dispatcher().dispatchDue();
            Map<String, Object> r = row(s, id);
            assertThat(r).containsEntry("status", "retrying");
            assertThat((String) r.get("reason")).startsWith("webpush_connection_failed");
        }
    }
}
