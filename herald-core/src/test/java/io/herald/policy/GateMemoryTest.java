package io.herald.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.store.Engine;
import io.herald.store.Sql;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the gate remembers of a person's sends between rounds (SQLite; PostgreSQL reads them every round, and the
 * same answers hold there): every change to the counted sends made by anyone else is seen at the next round, and the
 * sends its own caller writes are counted exactly once, and only once committed.
 */
class GateMemoryTest {
    private static final String NOW = "2026-11-22T12:00:00Z";
    private static final Decision SEND = new Decision.Send();
    private static final Decision CAPPED = new Decision.Suppress("frequency_capped");
    private static final String ONE_PUSH_A_DAY = "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"P1D\"}]}";
    private static final String TWO_PUSHES_A_DAY = "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":2,\"per\":\"P1D\"}]}";

    @TempDir
    Path dir;

    private GateFixture fixture(Engine engine, String policies) {
        GateFixture f = new GateFixture(engine, dir, NOW);
        f.policies(policies);
        return f;
    }

    /** The person is remembered after a round on SQLite (so the answers below come from memory there). */
    private static void remembered(GateFixture f, Engine engine) {
        assertThat(f.gate.rememberedPeople()).isEqualTo(engine == Engine.SQLITE ? 1 : 0);
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendWrittenBySomeoneElseBetweenRoundsIsCounted(Engine engine) {
        try (GateFixture f = fixture(engine, ONE_PUSH_A_DAY)) {
            assertThat(f.request("push").check()).isEqualTo(SEND);
            remembered(f, engine);
            f.sent("push", f.now() - 1000);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendsMovedInByAMergeAreCounted(Engine engine) {
        try (GateFixture f = fixture(engine, ONE_PUSH_A_DAY)) {
            assertThat(f.request("push").check()).isEqualTo(SEND);
            remembered(f, engine);
            f.db().inTransaction(c -> Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, "
                    + "version, step, channel, idempotency_key, status, message, context, priority, created_at, updated_at, "
                    + "sent_at) VALUES ('dlv_visitor', ?, 'p_visitor', 'cmp_1', 1, 's1', 'push', 'dlv_visitor', 'sent', "
                    + "'{}', '{}', 50, 0, 0, ?)", GateFixture.WS, f.now() - 1000));
            f.db().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET person_id = ? WHERE person_id = 'p_visitor'",
                    GateFixture.PERSON));
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendWhoseSentAtIsClearedForARetryNoLongerCounts(Engine engine) {
        try (GateFixture f = fixture(engine, ONE_PUSH_A_DAY)) {
            String failed = f.delivery("push", "sending", 50, null, null, "{}", f.now() - 1000, false);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
            remembered(f, engine);
            f.db().inTransaction(c -> Sql.update(c, "UPDATE deliveries SET status = 'queued', sent_at = NULL WHERE id = ?",
                    failed));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void erasedSendsNoLongerCount(Engine engine) {
        try (GateFixture f = fixture(engine, ONE_PUSH_A_DAY)) {
            f.sent("push", f.now() - 1000);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
            f.db().inTransaction(c -> Sql.update(c, "DELETE FROM deliveries WHERE person_id = ?", GateFixture.PERSON));
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendsTheCallerWroteAndToldAreCountedOnce(Engine engine) {
        try (GateFixture f = fixture(engine, TWO_PUSHES_A_DAY)) {
            assertThat(sendAndTell(f)).isEqualTo(SEND);
            assertThat(sendAndTell(f)).as("one send so far, counted once").isEqualTo(SEND);
            remembered(f, engine);
            assertThat(sendAndTell(f)).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendToldAfterALaterRoundReadItIsNotCountedTwice(Engine engine) {
        try (GateFixture f = fixture(engine, TWO_PUSHES_A_DAY)) {
            GateRequest first = f.request("push").id(f.waiting("push", "queued", 50, null, null, "{}")).build();
            Gate.Round a = gateAndMark(f, first);
            assertThat(a.decisions()).containsExactly(SEND);
            // Another round reads the person after that commit, before the first caller tells the gate.
            assertThat(f.request("push").check()).isEqualTo(SEND);
            f.gate.written(a, List.of(first));
            // A change elsewhere brings the stored version to the one a second count of the send would have claimed.
            f.sent("email", f.now() - 1000);
            assertThat(f.request("push").check()).as("still one push").isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendWhoseTransactionRolledBackIsNotRemembered(Engine engine) {
        try (GateFixture f = fixture(engine, ONE_PUSH_A_DAY)) {
            String w1 = f.waiting("push", "queued", 50, null, null, "{}");
            GateRequest first = f.request("push").id(w1).build();
            assertThatThrownBy(() -> f.db().inTransaction(c -> {
                assertThat(f.gate.round(c, List.of(first)).decisions()).containsExactly(SEND);
                markSending(f, c, w1);
                throw new IllegalStateException("the provider step failed before the commit");
            })).isInstanceOf(IllegalStateException.class);
            // A change elsewhere bumps the person's version as the lost write would have.
            f.sent("email", f.now() - 1000);
            assertThat(f.request("push").check()).isEqualTo(SEND);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void longerWindowInThePoliciesReadsTheOlderSends(Engine engine) {
        try (GateFixture f = fixture(engine, "{\"frequencyCaps\":[{\"channel\":\"push\",\"max\":1,\"per\":\"PT1H\"}]}")) {
            f.sent("push", f.now() - Duration.ofHours(3).toMillis());
            assertThat(f.request("push").check()).isEqualTo(SEND);
            remembered(f, engine);
            f.policies(ONE_PUSH_A_DAY);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
        }
    }

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void sendsLeaveTheWindowAsTimePasses(Engine engine) {
        try (GateFixture f = fixture(engine, ONE_PUSH_A_DAY)) {
            assertThat(sendAndTell(f)).isEqualTo(SEND);
            assertThat(f.request("push").check()).isEqualTo(CAPPED);
            f.advance(Duration.ofDays(1));
            assertThat(f.request("push").check()).isEqualTo(SEND);
            remembered(f, engine);
        }
    }

    /** As the dispatcher does: a round of one, the Send written in its transaction, the gate told after the commit. */
    private static Decision sendAndTell(GateFixture f) {
        GateRequest r = f.request("push").id(f.waiting("push", "queued", 50, null, null, "{}")).build();
        Gate.Round round = gateAndMark(f, r);
        if (round.decisions().get(0) instanceof Decision.Send) f.gate.written(round, List.of(r));
        return round.decisions().get(0);
    }

    /** A round of one whose Send is written in the round's transaction (the gate is not told). */
    private static Gate.Round gateAndMark(GateFixture f, GateRequest r) {
        return f.db().inTransaction(c -> {
            Gate.Round checked = f.gate.round(c, List.of(r));
            if (checked.decisions().get(0) instanceof Decision.Send) markSending(f, c, r.deliveryId());
            return checked;
        });
    }

    private static void markSending(GateFixture f, java.sql.Connection c, String id) throws java.sql.SQLException {
        Sql.update(c, "UPDATE deliveries SET status = 'sending', sent_at = ? WHERE id = ?", f.now(), id);
    }
}
