package io.herald.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.event.EventCodec;
import io.herald.person.Device;
import io.herald.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The APNs provider on its own, against two MockApnsServers. */
class ApnsProviderTest {
    @TempDir
    Path dir;

    @Test
    void newCredentialsForAWorkspaceTakeEffectOnTheNextSend() throws Exception {
        try (MockApns first = new MockApns(Files.createDirectories(dir.resolve("a")));
             MockApns second = new MockApns(Files.createDirectories(dir.resolve("b")));
             ApnsProvider apns = new ApnsProvider(TestClock.at("2026-11-22T10:00:00Z"), ApnsProvider.Options.defaults()
                     .withTrusted(List.of(first.certificate(), second.certificate())))) {
            String token1 = first.token();
            String token2 = second.token();
            var content = EventCodec.mapper().createObjectNode().put("title", "t").put("body", "b");
            PushResult r1 = apns.send(target(token1, first), content).get(30, TimeUnit.SECONDS);
            assertThat(r1).isInstanceOf(PushResult.Sent.class);
            // The workspace's credentials now name another server (and key): the old client is closed, a new one used.
            PushResult r2 = apns.send(target(token2, second), content).get(30, TimeUnit.SECONDS);
            assertThat(r2).isInstanceOf(PushResult.Sent.class);
            assertThat(first.received()).extracting(MockApns.Received::token).containsExactly(token1);
            assertThat(second.received()).extracting(MockApns.Received::token).containsExactly(token2);
            // A token Apple does not know for the topic is gone; a transient rejection is a retry.
            assertThat(apns.send(target("00ff", second), content).get(30, TimeUnit.SECONDS))
                    .isEqualTo(new PushResult.TokenGone("BadDeviceToken"));
            second.failNext(1);
            assertThat(apns.send(target(token2, second), content).get(30, TimeUnit.SECONDS))
                    .isEqualTo(new PushResult.Retry("ServiceUnavailable", null));
        }
    }

    private static PushProvider.PushTarget target(String token, MockApns server) {
        return new PushProvider.PushTarget("ws1", "d1", "key-1", new Device("dev-" + token, token, "ios", "apns", null,
                true, 0, 0), server.credentials());
    }
}
