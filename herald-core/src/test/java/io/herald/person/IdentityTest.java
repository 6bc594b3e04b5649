package io.herald.person;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.ingest.CallKind;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.Pipeline;
import io.herald.testing.TestClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class IdentityTest {
    @TempDir
    Path dir;

    private Pipeline pipeline(Engine engine) {
        return new Pipeline(engine, dir, TestClock.at("2026-11-22T10:00:00Z"));
    }

    private static String ws() {
        return Pipeline.WORKSPACE;
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anonymousVisitorWhoIdentifiesBecomesOneKnownPersonWithEverything(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.TRACK, "{\"anonymousId\":\"a1\",\"event\":\"viewed_pricing\",\"messageId\":\"m1\"}");
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"a1\",\"traits\":{\"utm\":\"ads\",\"plan\":\"none\"},\"messageId\":\"m2\"}");
            p.send(CallKind.DEVICE_REGISTER, "{\"anonymousId\":\"a1\",\"token\":\"tok-1\",\"platform\":\"ios\"}");
            p.process();
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"a1\",\"userId\":\"u1\",\"traits\":{\"plan\":\"trial\"},\"messageId\":\"m3\"}");
            p.process();

            Person u1 = p.people().byUserId(ws(), "u1").orElseThrow();
            assertThat(u1.anonymousIds()).containsExactly("a1");
            assertThat(u1.attributes().get("utm").asText()).isEqualTo("ads");
            assertThat(u1.attributes().get("plan").asText()).isEqualTo("trial");
            assertThat(u1.devices()).extracting(Device::token).containsExactly("tok-1");
            assertThat(p.people().export(ws(), "u1").events()).extracting(PersonEvent::type)
                    .containsExactly("track", "identify", "device_registered", "identify");
            assertThat(p.people().export(ws(), "u1").events()).extracting(PersonEvent::id)
                    .contains("m1", "m2", "m3");
            assertThat(countPersons(p)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void anonymousPersonMergesIntoExistingKnownPersonWhoseAttributesWin(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"},\"messageId\":\"m1\"}");
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"a2\",\"traits\":{\"plan\":\"free\",\"color\":\"blue\"},\"messageId\":\"m2\"}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"a2\",\"event\":\"opened\",\"messageId\":\"m3\"}");
            p.process();
            assertThat(countPersons(p)).isEqualTo(2);

            p.send(CallKind.TRACK, "{\"anonymousId\":\"a2\",\"userId\":\"u1\",\"event\":\"logged_in\",\"messageId\":\"m4\"}");
            p.process();

            Person u1 = p.people().byUserId(ws(), "u1").orElseThrow();
            assertThat(u1.attributes().get("plan").asText()).isEqualTo("pro");
            assertThat(u1.attributes().get("color").asText()).isEqualTo("blue");
            assertThat(u1.anonymousIds()).containsExactly("a2");
            assertThat(p.people().export(ws(), "u1").events()).extracting(PersonEvent::id)
                    .containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
            assertThat(countPersons(p)).isEqualTo(1);
            assertThat(p.people().byAnonymousId(ws(), "a2").orElseThrow().userId()).isEqualTo("u1");
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void secondAnonymousIdOfTheSameUserLinksToThem(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"laptop\",\"userId\":\"u1\",\"messageId\":\"m1\"}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"phone\",\"event\":\"browsed\",\"messageId\":\"m2\"}");
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"phone\",\"userId\":\"u1\",\"messageId\":\"m3\"}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"phone\",\"event\":\"later\",\"messageId\":\"m4\"}");
            p.process();

            Person u1 = p.people().byUserId(ws(), "u1").orElseThrow();
            assertThat(u1.anonymousIds()).containsExactlyInAnyOrder("laptop", "phone");
            assertThat(p.people().export(ws(), "u1").events()).hasSize(4);
            assertThat(countPersons(p)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sharedBrowserDoesNotMergeTwoKnownPeople(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"kiosk\",\"userId\":\"alice\",\"traits\":{\"n\":\"A\"},\"messageId\":\"m1\"}");
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"kiosk\",\"userId\":\"bob\",\"traits\":{\"n\":\"B\"},\"messageId\":\"m2\"}");
            p.process();

            assertThat(p.people().byUserId(ws(), "alice").orElseThrow().attributes().get("n").asText()).isEqualTo("A");
            assertThat(p.people().byUserId(ws(), "bob").orElseThrow().attributes().get("n").asText()).isEqualTo("B");
            assertThat(countPersons(p)).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aliasMergesAnOldUserIdIntoTheNewOne(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.IDENTIFY, "{\"userId\":\"old-id\",\"traits\":{\"email\":\"x@y.z\"},\"messageId\":\"m1\"}");
            p.send(CallKind.IDENTIFY, "{\"userId\":\"new-id\",\"traits\":{\"plan\":\"pro\"},\"messageId\":\"m2\"}");
            p.send(CallKind.ALIAS, "{\"previousId\":\"old-id\",\"userId\":\"new-id\",\"messageId\":\"m3\"}");
            p.send(CallKind.TRACK, "{\"userId\":\"old-id\",\"event\":\"still_works\",\"messageId\":\"m4\"}");
            p.process();

            Person merged = p.people().byUserId(ws(), "new-id").orElseThrow();
            assertThat(merged.userIds()).containsExactlyInAnyOrder("old-id", "new-id");
            assertThat(merged.attributes().get("email").asText()).isEqualTo("x@y.z");
            assertThat(p.people().byUserId(ws(), "old-id").orElseThrow().id()).isEqualTo(merged.id());
            assertThat(p.people().export(ws(), "new-id").events()).hasSize(4);
            assertThat(countPersons(p)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void aliasOfAnUnseenAnonymousIdLinksItForLaterEvents(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.ALIAS, "{\"previousId\":\"anon-9\",\"userId\":\"u9\",\"messageId\":\"m1\"}");
            p.send(CallKind.TRACK, "{\"anonymousId\":\"anon-9\",\"event\":\"came_back\",\"messageId\":\"m2\"}");
            p.process();

            assertThat(p.people().byUserId(ws(), "u9").orElseThrow().anonymousIds()).containsExactly("anon-9");
            assertThat(p.people().export(ws(), "u9").events()).hasSize(2);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void mergeInTheSameBatchAsTheAnonymousEventsLosesNothing(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            for (int i = 0; i < 20; i++) {
                p.send(CallKind.TRACK, "{\"anonymousId\":\"a\",\"event\":\"e" + i + "\",\"messageId\":\"m" + i + "\"}");
            }
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"a\",\"userId\":\"u\",\"messageId\":\"id\"}");
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u\",\"traits\":{\"k\":1},\"messageId\":\"id2\"}");
            p.process(); // one batch holds the anonymous events, the link and the later identify

            assertThat(p.people().export(ws(), "u").events()).hasSize(22);
            assertThat(countPersons(p)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void theStoredUserIdIsWrittenWhenAVisitorIdentifiesOrIsRenamedAndKeptByLaterUpdates(Engine engine) {
        try (Pipeline p = pipeline(engine)) {
            p.send(CallKind.TRACK, "{\"anonymousId\":\"a1\",\"event\":\"viewed\",\"messageId\":\"m1\"}");
            p.process();
            p.send(CallKind.IDENTIFY, "{\"anonymousId\":\"a1\",\"userId\":\"u1\",\"messageId\":\"m2\"}");
            p.process();
            String id = p.people().byUserId(ws(), "u1").orElseThrow().id();
            assertThat(storedUserId(p, id)).isEqualTo("u1");

            // a change of traits alone updates the row without the user id, which stays
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u1\",\"traits\":{\"plan\":\"pro\"},\"messageId\":\"m3\"}");
            p.process();
            assertThat(storedUserId(p, id)).isEqualTo("u1");

            // the person goes by a new user id from now on (an alias to an id no one has)
            p.send(CallKind.ALIAS, "{\"previousId\":\"u1\",\"userId\":\"u2\",\"messageId\":\"m4\"}");
            p.send(CallKind.IDENTIFY, "{\"userId\":\"u2\",\"traits\":{\"plan\":\"team\"},\"messageId\":\"m5\"}");
            p.process();
            assertThat(storedUserId(p, id)).isEqualTo("u2");
            assertThat(p.people().byUserId(ws(), "u2").orElseThrow().attributes().get("plan").asText()).isEqualTo("team");
            assertThat(countPersons(p)).isEqualTo(1);
        }
    }

    private static String storedUserId(Pipeline p, String personId) {
        return p.store().db().read(c -> Sql.queryOne(c, "SELECT user_id FROM persons WHERE id = ?",
                rs -> rs.getString(1), personId).orElseThrow());
    }

    static long countPersons(Pipeline p) {
        return p.store().db().read(c -> Sql.queryOne(c, "SELECT COUNT(*) FROM persons", rs -> rs.getLong(1)).orElseThrow());
    }
}
