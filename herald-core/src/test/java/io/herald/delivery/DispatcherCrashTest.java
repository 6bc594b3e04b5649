package io.herald.delivery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.herald.ingest.CallKind;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.store.DatabaseConfig;
import io.herald.store.Engine;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No double send across a crash: a dispatcher runs in a JVM of its own ({@link DispatcherChild}) and is killed with
 * SIGKILL (a) after claiming and before sending, (b) after the webhook receiver answered and before anything was
 * recorded. A dispatcher in this JVM then takes over the same store once the dead one's leases ran out. The receiver
 * (WireMock) must have seen every delivery at most once; in (a) each exactly once, in (b) each recorded unknown.
 */
class DispatcherCrashTest {
    private static final int DELIVERIES = 20;

    @TempDir
    Path dir;

    private WireMockServer receiver;
    private Process child;

    @BeforeEach
    void startReceiver() {
        receiver = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        receiver.start();
        receiver.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    }

    @AfterEach
    void stop() {
        if (child != null) child.destroyForcibly();
        receiver.stop();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDispatcherKilledBetweenClaimAndSendLeavesItsDeliveriesToBeSentOnceAfterTheLease(Engine engine) throws Exception {
        try (Pipeline p = new Pipeline(engine, dir, new TestClock(Instant.now()))) {
            List<String> ids = queue(p);
            killAt(p.store().config(), "claimed");
            assertThat(receiver.getAllServeEvents()).isEmpty();

            Dispatcher restarted = dispatcher(p);
            assertThat(restarted.dispatchDue()).as("leases still held by the dead dispatcher").isZero();
            // The child leased on the real clock, a few seconds after this test's clock was set.
            p.clock().set(Instant.now().plus(DispatchOptions.defaults().lease()).plusSeconds(1));
            assertThat(restarted.dispatchDue()).isEqualTo(DELIVERIES);

            for (String id : ids) assertThat(Outbox.status(p.store().db(), id)).isEqualTo("sent");
            assertThat(receivedPerKey()).hasSize(DELIVERIES).allSatisfy((key, n) -> assertThat(n).isEqualTo(1L));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aDispatcherKilledBetweenSendAndRecordNeverSendsAgainAndRecordsTheDeliveriesUnknown(Engine engine) throws Exception {
        try (Pipeline p = new Pipeline(engine, dir, new TestClock(Instant.now()))) {
            List<String> ids = queue(p);
            killAt(p.store().config(), "answered");
            assertThat(receivedPerKey()).hasSize(DELIVERIES);
            for (String id : ids) assertThat(Outbox.status(p.store().db(), id)).isEqualTo("sending");

            Dispatcher restarted = dispatcher(p);
            assertThat(restarted.dispatchDue()).as("leases still held by the dead dispatcher").isZero();
            assertThat(receivedPerKey()).hasSize(DELIVERIES);
            p.clock().set(Instant.now().plus(DispatchOptions.defaults().lease()).plusSeconds(1));
            restarted.dispatchDue();
            p.clock().advance(Duration.ofDays(1));
            restarted.dispatchDue();
            p.settle();

            for (String id : ids) {
                assertThat(Outbox.row(p.store().db(), id)).containsEntry("status", "unknown").containsEntry("reason", "answer_lost");
            }
            assertThat(receivedPerKey()).hasSize(DELIVERIES).allSatisfy((key, n) -> assertThat(n).isEqualTo(1L));
            assertThat(Outbox.events(p.store().db(), "ada", "message.unknown")).hasSize(DELIVERIES);
        }
    }

    private List<String> queue(Pipeline p) {
        p.send(CallKind.IDENTIFY, "{\"userId\":\"ada\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < DELIVERIES; i++) {
            ids.add(Outbox.queue(p.store().db(), "ada", "webhook", "{\"url\":\"" + receiver.baseUrl() + "/h/" + i
                    + "\",\"body\":{\"n\":" + i + "}}", p.clock().millis()));
        }
        return ids;
    }

    private Dispatcher dispatcher(Pipeline p) {
        WebhookChannel webhook = new WebhookChannel(new WebhookSecrets(p.store().db(), p.clock()), p.clock());
        return new Dispatcher(p.store().db(), p.log(), Channels.of(webhook), new Gate(), new Renderer(),
                new Links("https://herald.example.com"), p.clock(), new SimpleMeterRegistry(), DispatchOptions.defaults());
    }

    /** Starts the child dispatcher, waits for it to reach {@code point}, and kills it with SIGKILL. */
    private void killAt(DatabaseConfig config, String point) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), DispatcherChild.class.getName()));
        if (config.engine() == Engine.SQLITE) {
            cmd.addAll(List.of("sqlite", config.sqliteFile().toString(), point));
        } else {
            cmd.addAll(List.of("postgresql", config.jdbcUrl(), config.user(), config.password(), config.schema(), point));
        }
        child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        CompletableFuture<Boolean> reached = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                    if (line.equals("AT " + point)) return true;
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        boolean ok = reached.get(60, TimeUnit.SECONDS);
        assertThat(ok).as("the child reached %s; its output: %s", point, output).isTrue();
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(137);
    }

    /** How many requests the receiver got per Idempotency-Key. */
    private Map<String, Long> receivedPerKey() {
        return receiver.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .collect(Collectors.groupingBy(r -> r.getHeader("Idempotency-Key"), Collectors.counting()));
    }
}
