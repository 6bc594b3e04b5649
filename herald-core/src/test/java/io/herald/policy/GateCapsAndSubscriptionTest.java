package io.herald.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Engine;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The gate's first two checks, subscription and frequency caps, on both engines with deliveries written directly. */
class GateCapsAndSubscriptionTest {
    private static final String NOW = "2026-11-22T12:00:00Z";
    private static final Decision SEND = new Decision.Send();
    private static final Decision UNSUBSCRIBED = new Decision.Suppress("unsubscribed");
    private static final Decision CAPPED = new Decision.Suppress("frequency_capped");
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path dir;

    private GateFixture fixture(Engine engine) {
        return new GateFixture(engine, dir, NOW);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void workspaceWithoutPoliciesLetsEverythingThrough(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            for (int i = 0; i < 20; i++) f.sent("push", f.now() - i * 1000L);
            assertThat(f.request("push").check()).isEqualTo(SEND);
            assertThat(f.request("in_app").check()).isEqualTo(SEND);
            // The uncached gate reads the same defaults.
            Decision uncached = f.db().inTransaction(c -> new Gate().check(c, f.request("push").build()));
            assertThat(uncached).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personWhoTurnedAChannelOffIsNotSentOnItButIsOnOthers(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.preferences("{\"channels\":{\"push\":false,\"email\":true},\"topics\":{}}");
            assertThat(f.request("push").check()).isEqualTo(UNSUBSCRIBED);
            assertThat(f.request("email").check()).isEqualTo(SEND);
            assertThat(f.request("in_app").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void changedPreferencesCountAtOnceEvenBackToADocumentReadBefore(Engine engine) {
        // Parsed documents are kept by their text for every gate: each answer must still be the person's document now.
        String off = "{\"channels\":{\"push\":false},\"topics\":{}}";
        String on = "{\"channels\":{\"push\":true},\"topics\":{}}";
        try (GateFixture f = fixture(engine)) {
            for (String doc : new String[] {off, on, off, on}) {
                f.db().inTransaction(c -> io.herald.store.Sql.update(c, "DELETE FROM person_preferences"));
                f.preferences(doc);
                assertThat(f.request("push").check()).as(doc).isEqualTo(doc.equals(off) ? UNSUBSCRIBED : SEND);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void topicFollowsThePersonsChoiceOnTheChannelElseItsDefault(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.topic("product_tips", true);
            f.topic("digest", false);
            f.topic("offers", false);
            f.preferences("{\"channels\":{},\"topics\":{\"product_tips\":{\"push\":false},\"offers\":{\"email\":true}}}");
            assertThat(f.request("push").topic("product_tips").check()).as("opted out on push").isEqualTo(UNSUBSCRIBED);
            assertThat(f.request("email").topic("product_tips").check()).as("default opt-in elsewhere").isEqualTo(SEND);
            assertThat(f.request("email").topic("digest").check()).as("default opt-out").isEqualTo(UNSUBSCRIBED);
            assertThat(f.request("email").topic("offers").check()).as("opted in over the default").isEqualTo(SEND);
            assertThat(f.request("push").topic("offers").check()).as("only on email").isEqualTo(UNSUBSCRIBED);
            assertThat(f.request("push").topic("no_such_topic").check()).as("a topic the workspace lacks").isEqualTo(UNSUBSCRIBED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void channelOptOutWinsOverATopicOptIn(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.topic("product_tips", false);
            f.preferences("{\"channels\":{\"sms\":false},\"topics\":{\"product_tips\":{\"sms\":true}}}");
            assertThat(f.request("sms").topic("product_tips").check()).isEqualTo(UNSUBSCRIBED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void transactionalMessagesBypassSubscriptionsAndCaps(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":1,\"per\":\"P1D\"}]}");
            f.topic("receipts", false);
            f.preferences("{\"channels\":{\"email\":false},\"topics\":{}}");
            f.sent("email", f.now() - 1000);
            assertThat(f.request("email").topic("receipts").transactional().check()).isEqualTo(SEND);
            assertThat(f.request("email").check()).isEqualTo(UNSUBSCRIBED);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void channelCapCountsOnlyItsChannel(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":2,\"per\":\"P1D\"}]}");
            f.sent("in_app", f.now() - 1000);
            f.sent("email", f.now() - 2000);
            f.sent("push", f.now() - 3000);
            assertThat(f.request("push").check()).isEqualTo(SEND);
            f.sent("push", f.now() - 500);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
            assertThat(f.request("email").check()).as("no cap on email").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void inAppMessagesCountAndAreHeldLikeAnyChannel(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"in_app\",\"max\":2,\"per\":\"PT1H\"},"
                    + "{\"channel\":\"any\",\"max\":3,\"per\":\"P1D\"}]}");
            f.sent("in_app", f.now() - 60_000);
            assertThat(f.request("in_app").check()).isEqualTo(SEND);
            f.sent("in_app", f.now() - 30_000);
            assertThat(f.request("in_app").check()).as("in-app cap").isEqualTo(CAPPED);
            assertThat(f.request("push").check()).as("two in-app of three across channels").isEqualTo(SEND);
            f.sent("push", f.now() - 10_000);
            assertThat(f.request("sms").check()).as("in-app counted across channels").isEqualTo(CAPPED);
            assertThat(f.request("whatsapp").check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anyCapCountsEveryChannelButWebhooksAndTransactional(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":3,\"per\":\"P7D\"}]}");
            f.sent("email", f.now() - 6 * DAY);
            f.sent("sms", f.now() - 3 * DAY);
            f.sent("webhook", f.now() - DAY);
            f.sent("push", f.now() - DAY, true);
            assertThat(f.request("push").check()).isEqualTo(SEND);
            f.sent("whatsapp", f.now() - 1);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
            assertThat(f.request("webhook").check()).as("webhooks are not held to caps").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void rollingWindowHoldsSendsAfterNowMinusPerUpToNow(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\"}]}");
            f.sent("push", f.now() - DAY);
            assertThat(f.request("push").check()).as("sent exactly one window ago: out").isEqualTo(SEND);
            f.sent("push", f.now() + 1);
            assertThat(f.request("push").check()).as("sent_at after now is not in (now - per, now]").isEqualTo(SEND);
            f.sent("push", f.now() - DAY + 1);
            assertThat(f.request("push").check()).as("one millisecond inside").isEqualTo(CAPPED);
            f.advance(Duration.ofMillis(1));
            // The window rolled: the send at now - DAY + 1 is now exactly a window old, the one at now + 1 is now.
            assertThat(f.request("push").check()).as("the +1 send entered the window as it rolled").isEqualTo(CAPPED);
            f.advance(Duration.ofDays(1));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void eachCapIsCheckedInItsOwnWindow(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"PT1H\"},"
                    + "{\"channel\":\"push\",\"max\":3,\"per\":\"P1W\"}]}");
            f.sent("push", f.now() - 2 * DAY);
            f.sent("push", f.now() - 5 * DAY);
            assertThat(f.request("push").check()).isEqualTo(SEND);
            f.sent("push", f.now() - 7 * DAY + 1000);
            assertThat(f.request("push").check()).as("3 in the week").isEqualTo(CAPPED);
            f.advance(Duration.ofSeconds(1));
            assertThat(f.request("push").check()).as("the oldest left the week").isEqualTo(SEND);
            f.sent("push", f.now() - 59 * 60_000);
            assertThat(f.request("push").check()).as("1 in the hour").isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void campaignOptedOutOfCapsIsNotHeldButItsSendsCount(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\"}]}");
            f.sent("push", f.now() - 1000);
            assertThat(f.request("push").noFrequencyCap().check()).isEqualTo(SEND);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void otherPeoplesDeliveriesDoNotCount(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"any\",\"max\":1,\"per\":\"P1D\"}]}");
            f.person("p_2", "{}", null);
            f.db().inTransaction(c -> io.herald.store.Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, "
                    + "channel, idempotency_key, status, message, context, priority, created_at, updated_at, sent_at) "
                    + "VALUES ('x', ?, 'p_2', 'push', 'x', 'sent', '{}', '{}', 50, 0, 0, ?)", GateFixture.WS, f.now() - 10));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void unsubscribedIsTheReasonWhenItIsAlsoCapped(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\"}]}");
            f.preferences("{\"channels\":{\"push\":false},\"topics\":{}}");
            f.sent("push", f.now() - 1000);
            assertThat(f.request("push").expiresAt(f.now() - 1).check()).isEqualTo(UNSUBSCRIBED);
            f.db().inTransaction(c -> io.herald.store.Sql.update(c, "DELETE FROM person_preferences"));
            assertThat(f.request("push").expiresAt(f.now() - 1).check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void changedPoliciesApplyToTheNextCheck(Engine engine) {
        try (GateFixture f = fixture(engine)) {
            f.sent("push", f.now() - 1000);
            assertThat(f.request("push").check()).isEqualTo(SEND);
            f.policies("{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\"}]}");
            assertThat(f.request("push").check()).as("the cached defaults were dropped by the PUT").isEqualTo(CAPPED);
            f.policies("{}");
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }
}
