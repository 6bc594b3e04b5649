package io.herald.server.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.Log;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.MessageBuilder;
import com.segment.analytics.messages.TrackMessage;
import io.herald.server.conformance.SegmentScenario.Call;
import io.herald.server.testing.TestHerald;
import io.herald.store.Engine;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Segment's own Java client (analytics-java), unchanged except for its endpoint, works against Herald (API.md
 * "Tracking API": any Segment-spec client pointed at Herald's host must work unchanged). The client posts batches
 * to {@code /v1/import/} with the write key in the body.
 */
class SegmentJavaClientConformanceTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void everyCallOfTheSegmentJavaClientIsStoredExactlyOnce(Engine engine) throws InterruptedException {
        List<Call> calls = SegmentScenario.calls("java");
        try (TestHerald h = TestHerald.start(engine, dir, InstantSource.system())) {
            Instant sentFrom = Instant.now();
            send(h.baseUrl(), calls);
            h.process();

            SegmentScenario.assertEachCallStoredOnce(h, calls, sentFrom);
        }
    }

    /**
     * Sends the calls and returns once the client has reported each one delivered. The client has no blocking
     * flush: it calls back per message after Herald answered its batch, so a latch over those callbacks says when
     * everything is through. Any failure callback or client error log fails the test.
     */
    private static void send(String baseUrl, List<Call> calls) throws InterruptedException {
        CountDownLatch delivered = new CountDownLatch(calls.size());
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        Analytics analytics = Analytics.builder(TestHerald.WRITE_KEY)
                .endpoint(baseUrl)
                .flushQueueSize(4) // several batches, not one
                .flushInterval(1, TimeUnit.HOURS) // only the explicit flush below sends the tail
                .retries(1)
                .log(new Log() {
                    @Override
                    public void print(Level level, String format, Object... args) {
                        if (level == Level.ERROR) problems.add(String.format(format, args));
                    }

                    @Override
                    public void print(Level level, Throwable error, String format, Object... args) {
                        if (level == Level.ERROR) problems.add(String.format(format, args) + ": " + error);
                    }
                })
                .callback(new Callback() {
                    @Override
                    public void success(Message message) {
                        delivered.countDown();
                    }

                    @Override
                    public void failure(Message message, Throwable error) {
                        problems.add(message.type() + " " + message.messageId() + " failed: " + error);
                    }
                })
                .build();
        try {
            for (Call c : calls) analytics.enqueue(builder(c));
            analytics.flush();
            boolean all = delivered.await(30, TimeUnit.SECONDS);
            assertThat(problems).as("client failures").isEmpty();
            assertThat(all).as("all %d calls delivered within 30 s (%d left)", calls.size(), delivered.getCount())
                    .isTrue();
        } finally {
            analytics.shutdown();
        }
    }

    private static MessageBuilder<?, ?> builder(Call c) {
        MessageBuilder<?, ?> b = switch (c.type()) {
            case "identify" -> IdentifyMessage.builder().traits(c.fields());
            case "track" -> TrackMessage.builder(c.event()).properties(c.fields());
            default -> throw new IllegalArgumentException("the scenario has no " + c.type() + " calls");
        };
        b.messageId(c.messageId());
        if (c.userId() != null) b.userId(c.userId());
        if (c.anonymousId() != null) b.anonymousId(c.anonymousId());
        return b;
    }
}
