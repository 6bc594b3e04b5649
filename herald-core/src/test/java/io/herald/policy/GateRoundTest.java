package io.herald.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Engine;
import io.herald.store.Sql;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A round asked at once decides as the same requests asked one by one, each Send written before the next question
 * as the dispatcher writes it, on both engines. The seeded state puts people next to their caps, in and out of
 * quiet hours in their own zones, with channel and topic preferences, several deliveries each in the round with
 * mixed priorities, and others waiting outside it.
 */
class GateRoundTest {
    private static final String NOW = "2026-11-22T21:30:00Z";
    private static final String POLICIES = "{\"frequencyCaps\":["
            + "{\"channel\":\"push\",\"max\":2,\"per\":\"P1D\"},"
            + "{\"channel\":\"in_app\",\"max\":2,\"per\":\"PT4H\"},"
            + "{\"channel\":\"any\",\"max\":4,\"per\":\"P1D\"},"
            + "{\"channel\":\"any\",\"max\":7,\"per\":\"P7D\"}],"
            + "\"quietHours\":{\"start\":\"22:00\",\"end\":\"08:00\",\"action\":\"defer\"},"
            + "\"defaultTimezone\":\"America/Sao_Paulo\"}";
    private static final String[] CHANNELS = {"push", "push", "in_app", "in_app", "email", "sms", "webhook"};
    /** At 21:30 UTC: quiet in Paris and Tokyo, not in New York, Sao Paulo (the workspace's) or UTC. */
    private static final String[] ZONES = {null, "Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Not/AZone"};
    private static final String[] TOPICS = {null, null, "news", "promo", "ghost"};
    /** Documents the preferences API would not write, read the same way by both gates: duplicates, odd values. */
    private static final String[] ODD_PREFERENCES = {
            "{\"channels\":{\"push\":false,\"push\":true,\"email\":\"no\"},\"topics\":{\"promo\":\"x\",\"news\":{\"in_app\":false}}}",
            "{\"channels\":{\"in_app\":false},\"channels\":{\"push\":0},\"topics\":{\"news\":{\"in_app\":{\"a\":[1]},\"push\":false}}}",
            "{\"topics\":{\"promo\":{\"push\":true,\"in_app\":true}},\"topics\":[],\"other\":{\"x\":[true]}}",
            "[]", "null", "{\"channels\":[false],\"topics\":{\"promo\":{\"email\":true,\"email\":false}}}"};

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("io.herald.testing.TestDatabase#engines")
    void roundDecidesAsSequentialChecksWithSendsWrittenInBetween(Engine engine) {
        Map<String, Integer> outcomes = new HashMap<>();
        for (long seed = 1; seed <= 4; seed++) {
            try (GateFixture f = new GateFixture(engine, dir.resolve(engine + "-" + seed), NOW)) {
                f.policies(POLICIES);
                f.topic("news", true);
                f.topic("promo", false);
                List<GateRequest> round = seed(f, new SplittableRandom(seed));

                List<Decision> together = f.db().inTransaction(c -> f.gate.checkRound(c, round));
                List<Decision> oneByOne = oneByOne(f, round, f.gate::check);
                StatementPerDeliveryGate before = new StatementPerDeliveryGate(f.settings);
                List<Decision> asBefore = oneByOne(f, round, before::check);

                assertThat(together).as("seed %d, the round against check one by one", seed)
                        .containsExactlyElementsOf(oneByOne);
                assertThat(together).as("seed %d, the round against the statement-per-delivery gate", seed)
                        .containsExactlyElementsOf(asBefore);
                for (Decision d : together) outcomes.merge(label(d), 1, Integer::sum);
            }
        }
        // The state is worth comparing only if it reaches every outcome, caps and priority included.
        assertThat(outcomes).containsKeys("send", "unsubscribed", "frequency_capped", "quiet_hours", "expired",
                "outranked");
    }

    /** Asks {@code check} about each request in turn, writing each Send as the dispatcher does; then undoes them. */
    private static List<Decision> oneByOne(GateFixture f, List<GateRequest> round, Check check) {
        List<Decision> out = f.db().inTransaction(c -> {
            List<Decision> decisions = new ArrayList<>();
            for (GateRequest r : round) {
                Decision d = check.check(c, r);
                if (d instanceof Decision.Send) {
                    Sql.update(c, "UPDATE deliveries SET status = 'sending', sent_at = ? WHERE id = ?", r.now(),
                            r.deliveryId());
                }
                decisions.add(d);
            }
            return decisions;
        });
        f.db().inTransaction(c -> {
            for (GateRequest r : round) {
                Sql.update(c, "UPDATE deliveries SET status = 'queued', sent_at = NULL WHERE id = ?", r.deliveryId());
            }
            return null;
        });
        return out;
    }

    private interface Check {
        Decision check(java.sql.Connection c, GateRequest r) throws SQLException;
    }

    private static String label(Decision d) {
        return switch (d) {
            case Decision.Send s -> "send";
            case Decision.Defer x -> x.reason();
            case Decision.Suppress x -> x.reason();
        };
    }

    /** Seeds 40 people and returns the round's requests, ordered as the dispatcher orders a round. */
    private static List<GateRequest> seed(GateFixture f, SplittableRandom random) {
        long now = f.now();
        List<Object[]> round = new ArrayList<>();
        f.db().inTransaction(c -> {
            int n = 0;
            for (int p = 0; p < 40; p++) {
                String person = "p_round_" + p;
                String zone = ZONES[random.nextInt(ZONES.length)];
                String attributes = random.nextInt(3) == 0 && zone != null
                        ? "{\"plan\":\"pro\",\"timezone\":\"" + zone + "\"}" : "{\"plan\":\"free\"}";
                String profileZone = random.nextInt(3) == 0 ? ZONES[random.nextInt(ZONES.length)] : null;
                Sql.update(c, "INSERT INTO persons (id, workspace_id, user_id, attributes, timezone, locale, created_at, "
                        + "last_seen_at) VALUES (?, ?, ?, ?, ?, NULL, 0, 0)", person, GateFixture.WS, "u-" + person,
                        attributes, profileZone);
                if (random.nextBoolean()) {
                    String prefs = random.nextInt(4) == 0 ? ODD_PREFERENCES[random.nextInt(ODD_PREFERENCES.length)]
                            : "{\"channels\":{\"email\":" + random.nextBoolean() + "},\"topics\":{\"promo\":{\"push\":"
                            + random.nextBoolean() + "},\"news\":{\"in_app\":" + random.nextBoolean() + "}}}";
                    Sql.update(c, "INSERT INTO person_preferences (person_id, workspace_id, preferences, updated_at) "
                            + "VALUES (?, ?, ?, 0)", person, GateFixture.WS, prefs);
                }
                // History near the caps: a few sends within the week, some within the hours.
                int history = random.nextInt(7);
                for (int h = 0; h < history; h++) {
                    long ago = random.nextInt(4) == 0 ? random.nextLong(7 * 86_400_000L) : random.nextLong(5 * 3_600_000L);
                    insert(c, "d" + n++, person, CHANNELS[random.nextInt(5)], "sent", 50, null, null, now - ago - 1,
                            random.nextInt(8) == 0, "{}");
                }
                // Waiting outside the round: higher priorities competing for the room, some not due or expired.
                int waiting = random.nextInt(3);
                for (int w = 0; w < waiting; w++) {
                    Long next = random.nextInt(3) == 0 ? now + 60_000 : null;
                    Long expires = random.nextInt(4) == 0 ? now - 1 : null;
                    insert(c, "d" + n++, person, CHANNELS[random.nextInt(4)], random.nextBoolean() ? "queued" : "deferred",
                            40 + random.nextInt(60), next, expires, null, false, context(random));
                }
                // In the round: queued deliveries with mixed priorities.
                int inRound = 1 + random.nextInt(5);
                for (int d = 0; d < inRound; d++) {
                    String id = "d" + n++;
                    String channel = CHANNELS[random.nextInt(CHANNELS.length)];
                    int priority = 10 * (1 + random.nextInt(9));
                    boolean transactional = random.nextInt(10) == 0;
                    Long expires = switch (random.nextInt(6)) {
                        case 0 -> now - 1_000;
                        case 1 -> now + 30_000;
                        case 2 -> now + 3_600_000;
                        default -> null;
                    };
                    String context = context(random);
                    insert(c, id, person, channel, "queued", priority, null, expires, null, transactional, context);
                    JsonPolicies pol = JsonPolicies.of(context, transactional);
                    round.add(new Object[] {new GateRequest(GateFixture.WS, person, id, channel,
                            TOPICS[random.nextInt(TOPICS.length)], transactional, "cmp_1", pol.quietHours,
                            pol.frequencyCap, priority, expires, now).withQuietHoursAction(pol.action), (long) n});
                }
            }
            return null;
        });
        round.sort(Comparator.<Object[], String>comparing(o -> ((GateRequest) o[0]).personId())
                .thenComparing(o -> -((GateRequest) o[0]).priority()).thenComparing(o -> (Long) o[1]));
        return round.stream().map(o -> (GateRequest) o[0]).toList();
    }

    /** A campaign's policies as a delivery's context carries them. */
    private static String context(SplittableRandom random) {
        String action = switch (random.nextInt(3)) {
            case 0 -> ",\"quietHoursAction\":\"skip\"";
            case 1 -> ",\"quietHoursAction\":\"defer\"";
            default -> "";
        };
        return "{\"policies\":{\"quietHours\":" + (random.nextInt(4) != 0) + ",\"frequencyCap\":" + (random.nextInt(5) != 0)
                + action + "}}";
    }

    private record JsonPolicies(boolean quietHours, boolean frequencyCap, QuietHoursAction action) {
        static JsonPolicies of(String context, boolean transactional) {
            if (transactional) return new JsonPolicies(false, false, null);
            var pol = GateFixture.json(context).path("policies");
            return new JsonPolicies(pol.path("quietHours").asBoolean(false), pol.path("frequencyCap").asBoolean(false),
                    QuietHoursAction.parse(pol.path("quietHoursAction").asText(null)));
        }
    }

    private static void insert(java.sql.Connection c, String id, String person, String channel, String status,
                               int priority, Long next, Long expires, Long sentAt, boolean transactional, String context)
            throws SQLException {
        Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, run_id, step, channel, "
                + "idempotency_key, status, message, context, priority, created_at, updated_at, sent_at, next_attempt_at, "
                + "expires_at, transactional) VALUES (?, ?, ?, 'cmp_other', 1, NULL, 's1', ?, ?, ?, '{}', ?, ?, 0, 0, ?, ?, ?, ?)",
                id, GateFixture.WS, person, channel, id, status, context, priority, sentAt, next, expires, transactional);
    }
}
