package io.herald.preference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.error.ClientError;
import io.herald.event.EventCodec;
import io.herald.ingest.CallKind;
import io.herald.segment.Segments;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Topics and preferences end to end: a change goes through the person's log, the processor stores it, and the
 * {@code subscribed} segments follow it; a topic's default change recomputes the segments that name it.
 */
class PreferenceScenarioTest {
    private static final String WS = Pipeline.WORKSPACE;
    private static final String TIPS_ON_PUSH = "{\"subscribed\":{\"channel\":\"push\",\"topic\":\"product_tips\"}}";

    @TempDir
    Path dir;

    static JsonNode json(String s) {
        try {
            return EventCodec.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    static void topic(Pipeline p, String key, boolean defaultOptIn) {
        p.topics().create(WS, json("{\"key\":\"" + key + "\",\"name\":\"" + key + "\",\"defaultOptIn\":" + defaultOptIn + "}"));
        p.settle();
    }

    static String segment(Pipeline p, String name, String condition) {
        String id = p.segments().create(WS, json("{\"name\":\"" + name + "\",\"condition\":" + condition + "}")).id();
        p.settle();
        return id;
    }

    static void identify(Pipeline p, String userId) {
        p.send(CallKind.IDENTIFY, "{\"userId\":\"" + userId + "\",\"traits\":{},\"timestamp\":\"" + p.clock().instant() + "\"}");
        p.settle();
    }

    static void prefer(Pipeline p, String userId, String preferences) {
        p.preferences().put(WS, userId, json(preferences));
        p.settle();
    }

    static List<String> segmentsOf(Pipeline p, String userId) {
        var person = p.people().byUserId(WS, userId).orElseThrow();
        return p.segments().ofPerson(WS, person.id()).stream().map(Segments.Membership::name).toList();
    }

    static List<String> announcements(Pipeline p, String userId) {
        return p.people().events(WS, userId, 1000, null).data().stream()
                .filter(e -> e.event() != null && e.event().startsWith("segment."))
                .map(e -> e.event() + ":" + e.properties().path("segmentName").asText()).toList().reversed();
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void personLeavesATopicSegmentWhenOptingOutOfTheTopicAndReentersOnOptIn(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            topic(p, "product_tips", true);
            segment(p, "tips on push", TIPS_ON_PUSH);
            identify(p, "u1");
            assertThat(segmentsOf(p, "u1")).containsExactly("tips on push");

            prefer(p, "u1", "{\"topics\":{\"product_tips\":{\"push\":false}}}");
            assertThat(segmentsOf(p, "u1")).isEmpty();
            prefer(p, "u1", "{\"topics\":{\"product_tips\":{\"push\":true}}}");
            assertThat(segmentsOf(p, "u1")).containsExactly("tips on push");
            assertThat(announcements(p, "u1")).containsExactly("segment.entered:tips on push",
                    "segment.exited:tips on push", "segment.entered:tips on push");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void optingOutOfAChannelRemovesThePersonFromEverySubscriptionSegmentOnThatChannel(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            topic(p, "product_tips", true);
            topic(p, "news", false);
            segment(p, "push", "{\"subscribed\":{\"channel\":\"push\"}}");
            segment(p, "tips on push", TIPS_ON_PUSH);
            segment(p, "news on push", "{\"subscribed\":{\"channel\":\"push\",\"topic\":\"news\"}}");
            segment(p, "tips by email", "{\"subscribed\":{\"channel\":\"email\",\"topic\":\"product_tips\"}}");
            identify(p, "u1");
            prefer(p, "u1", "{\"topics\":{\"news\":{\"push\":true}}}");
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("push", "tips on push", "news on push", "tips by email");

            // A topic opted in to on push does not outweigh the whole channel opted out of.
            prefer(p, "u1", "{\"channels\":{\"push\":false},\"topics\":{\"news\":{\"push\":true}}}");
            assertThat(segmentsOf(p, "u1")).containsExactly("tips by email");
            prefer(p, "u1", "{\"channels\":{\"push\":true}}");
            // PUT replaces the document: the news opt-in went with it, so news is back at its default (out).
            assertThat(segmentsOf(p, "u1")).containsExactlyInAnyOrder("push", "tips on push", "tips by email");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTopicsDefaultAppliesToWhoeverNeverChoseAndChangingItRecomputesTheSegmentsNamingIt(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            topic(p, "product_tips", false);
            String tips = segment(p, "tips on push", TIPS_ON_PUSH);
            String other = segment(p, "push", "{\"subscribed\":{\"channel\":\"push\"}}");
            identify(p, "never-chose");
            identify(p, "opted-in");
            identify(p, "opted-out");
            prefer(p, "opted-in", "{\"topics\":{\"product_tips\":{\"push\":true}}}");
            prefer(p, "opted-out", "{\"topics\":{\"product_tips\":{\"push\":false}}}");
            assertThat(segmentsOf(p, "never-chose")).containsExactly("push");
            assertThat(segmentsOf(p, "opted-in")).containsExactlyInAnyOrder("push", "tips on push");
            assertThat(segmentsOf(p, "opted-out")).containsExactly("push");
            long otherGeneration = generation(p, other);

            p.topics().update(WS, "product_tips", json("{\"defaultOptIn\":true}"));
            assertThat(p.segments().get(WS, tips).status()).isEqualTo("computing");
            assertThat(generation(p, other)).as("a segment not naming the topic is left alone").isEqualTo(otherGeneration);
            p.settle();
            assertThat(p.segments().get(WS, tips).status()).isEqualTo("ready");
            assertThat(segmentsOf(p, "never-chose")).containsExactlyInAnyOrder("push", "tips on push");
            assertThat(segmentsOf(p, "opted-in")).containsExactlyInAnyOrder("push", "tips on push");
            assertThat(segmentsOf(p, "opted-out")).containsExactly("push");
            assertThat(announcements(p, "never-chose")).as("recomputed membership is recorded silently")
                    .containsExactly("segment.entered:push");

            // Renaming changes nobody's subscription: nothing is recomputed.
            long tipsGeneration = generation(p, tips);
            p.topics().update(WS, "product_tips", json("{\"name\":\"Product tips\"}"));
            assertThat(generation(p, tips)).isEqualTo(tipsGeneration);
            assertThat(p.topics().get(WS, "product_tips").name()).isEqualTo("Product tips");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aTopicTheWorkspaceDoesNotHaveSelectsNobody(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            segment(p, "tips on push", TIPS_ON_PUSH);
            identify(p, "u1");
            assertThat(segmentsOf(p, "u1")).isEmpty();
            assertThatThrownBy(() -> p.preferences().put(WS, "u1", json("{\"topics\":{\"product_tips\":{\"push\":true}}}")))
                    .isInstanceOfSatisfying(ClientError.class, e -> assertThat(e.field()).isEqualTo("topics.product_tips"));

            topic(p, "product_tips", true); // creating it recomputes the segment that named it
            assertThat(segmentsOf(p, "u1")).containsExactly("tips on push");
            prefer(p, "u1", "{\"topics\":{\"product_tips\":{\"push\":true}}}");
            p.topics().delete(WS, "product_tips");
            p.settle();
            assertThat(segmentsOf(p, "u1")).as("a choice for a deleted topic subscribes nobody").isEmpty();
            assertThat(p.preferences().get(WS, "u1").path("topics").size()).as("nor is it shown").isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aChangeIsStoredByTheProcessorInOrderAndRecordedInTheHistory(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            topic(p, "product_tips", true);
            identify(p, "u1");
            assertThat(p.preferences().get(WS, "u1")).isEqualTo(json("{\"channels\":{},\"topics\":{}}"));

            p.preferences().put(WS, "u1", json("{\"channels\":{\"email\":false},\"topics\":{\"product_tips\":{\"push\":false}}}"));
            assertThat(p.preferences().get(WS, "u1").path("channels").size()).as("not applied before it is processed").isZero();
            p.preferences().put(WS, "u1", json("{\"channels\":{\"sms\":false}}"));
            p.settle();
            assertThat(p.preferences().get(WS, "u1")).as("the later change replaced the earlier")
                    .isEqualTo(json("{\"channels\":{\"sms\":false},\"topics\":{}}"));
            var history = p.people().events(WS, "u1", 10, null).data();
            assertThat(history).filteredOn(e -> e.type().equals("preferences")).hasSize(2)
                    .first().satisfies(e -> assertThat(e.properties()).isEqualTo(json("{\"channels\":{\"sms\":false},\"topics\":{}}")));
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aChangeForAnUnknownPersonIsRefusedAndOneForAPersonErasedMeanwhileCreatesNobody(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            assertThatThrownBy(() -> p.preferences().put(WS, "nobody", json("{}")))
                    .isInstanceOfSatisfying(ClientError.class, e -> assertThat(e.status()).isEqualTo(404));
            assertThatThrownBy(() -> p.preferences().get(WS, "nobody"))
                    .isInstanceOfSatisfying(ClientError.class, e -> assertThat(e.status()).isEqualTo(404));

            identify(p, "u1");
            p.preferences().put(WS, "u1", json("{\"channels\":{\"push\":false}}"));
            p.people().erase(WS, "u1", false);
            p.settle();
            assertThat(p.people().byUserId(WS, "u1")).isEmpty();
            assertThat(count(p, "SELECT COUNT(*) FROM person_preferences")).isZero();
            assertThat(p.log().database().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM event_log",
                    rs -> rs.getLong(1))).orElseThrow()).as("the dropped change is gone from the raw log").isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void mergingPeopleKeepsTheKnownPersonsPreferencesAndTakesOverTheOthersWhenTheyHaveNone(Engine engine) {
        try (Pipeline p = new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"))) {
            segment(p, "push", "{\"subscribed\":{\"channel\":\"push\"}}");
            identify(p, "old-account");
            identify(p, "new-account");
            prefer(p, "old-account", "{\"channels\":{\"push\":false}}");
            assertThat(segmentsOf(p, "new-account")).containsExactly("push");

            // alias merges old-account into new-account, which has no preferences: it takes old-account's
            p.send(CallKind.ALIAS, "{\"userId\":\"new-account\",\"previousId\":\"old-account\"}");
            p.settle();
            assertThat(p.preferences().get(WS, "new-account").path("channels")).isEqualTo(json("{\"push\":false}"));
            assertThat(segmentsOf(p, "new-account")).isEmpty();

            identify(p, "third");
            prefer(p, "third", "{\"channels\":{\"email\":false}}");
            p.send(CallKind.ALIAS, "{\"userId\":\"new-account\",\"previousId\":\"third\"}");
            p.settle();
            assertThat(p.preferences().get(WS, "new-account").path("channels")).as("the known person's win")
                    .isEqualTo(json("{\"push\":false}"));
            assertThat(count(p, "SELECT COUNT(*) FROM person_preferences")).isEqualTo(1);
        }
    }

    private static long generation(Pipeline p, String segmentId) {
        return p.store().db().read(c -> Sql.queryOne(c, "SELECT generation FROM segments WHERE id = ?",
                rs -> rs.getLong(1), segmentId)).orElseThrow();
    }

    private static long count(Pipeline p, String sql) {
        return p.store().db().read(c -> Sql.queryOne(c, sql, rs -> rs.getLong(1))).orElseThrow();
    }
}
