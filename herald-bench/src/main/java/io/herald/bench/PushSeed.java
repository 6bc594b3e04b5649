package io.herald.bench;

import io.herald.delivery.Channels;
import io.herald.delivery.DispatchOptions;
import io.herald.delivery.Dispatcher;
import io.herald.log.JdbcEventLog;
import io.herald.message.Renderer;
import io.herald.policy.Gate;
import io.herald.preference.Links;
import io.herald.push.PushChannel;
import io.herald.store.Database;
import io.herald.store.Sql;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.PreparedStatement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * What the push benchmarks (APNs, FCM) share: one device per seeded person, queued push deliveries written straight
 * into the outbox (as a campaign's message step would), and a dispatcher over the push channel alone.
 */
final class PushSeed {
    private static final int CHUNK = 5_000;

    private PushSeed() {
    }

    /** A dispatcher over the push channel alone, {@code rounds} rounds at once as the server's background runs. */
    static Dispatcher dispatcher(Database db, JdbcEventLog log, PushChannel push, InstantSource clock,
                                 MeterRegistry meters, int batch, int rounds) {
        return new Dispatcher(db, log, Channels.of(push), new Gate(), new Renderer(), new Links("https://herald.example.com"),
                clock, meters, DispatchOptions.defaults().withBatchSize(batch).withRounds(rounds));
    }

    /**
     * Everything due, by as many threads as the dispatcher runs rounds at once, each doing what one of its background
     * threads does ({@link Dispatcher#dispatchDue}: rounds until one comes back short); how many were processed.
     */
    static int dispatchAll(Dispatcher dispatcher) throws Exception {
        List<Future<Integer>> done = new ArrayList<>();
        try (var threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
            for (int i = 0; i < dispatcher.options().rounds(); i++) done.add(threads.submit(dispatcher::dispatchDue));
        }
        int total = 0;
        for (var f : done) total += f.get();
        return total;
    }

    /** One enabled device per person: {@code platform}/{@code provider} with the token {@code token(i)}. */
    static void devices(Database db, String ws, WaitingSeed seed, int people, long at, String platform, String provider,
                        IntFunction<String> token) {
        for (int from = 0; from < people; from += CHUNK) {
            int start = from;
            int end = Math.min(people, from + CHUNK);
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO devices (id, workspace_id, person_id, token, "
                        + "platform, provider, app_id, push_enabled, created_at, updated_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)")) {
                    for (int i = start; i < end; i++) {
                        Sql.bind(ps, "dev_" + i, ws, seed.personId(i), token.apply(i), platform, provider, true, at, at);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        }
    }

    /** {@code n} queued push deliveries of {@code message}, round robin over the people, ids {@code prefix_…}. */
    static void deliveries(Database db, String ws, WaitingSeed seed, String prefix, int n, int people, long createdAt,
                           String message) {
        String context = "{\"event\":{\"event\":\"trial_started\",\"properties\":{}},\"journey\":{\"days\":3},"
                + "\"campaign\":{\"id\":\"bench\",\"name\":\"Trial ending\",\"version\":1},"
                + "\"policies\":{\"quietHours\":false,\"frequencyCap\":false,\"priority\":50}}";
        for (int from = 0; from < n; from += CHUNK) {
            int start = from;
            int end = Math.min(n, from + CHUNK);
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO deliveries (id, workspace_id, person_id, "
                        + "campaign_id, version, run_id, step, channel, idempotency_key, status, message, context, priority, "
                        + "created_at, updated_at) VALUES (?, ?, ?, 'bench', 1, ?, 's1', 'push', ?, 'queued', ?, ?, 50, ?, ?)")) {
                    for (int i = start; i < end; i++) {
                        String person = seed.personId(i % people);
                        Sql.bind(ps, String.format("%s_%012d", prefix, i), ws, person, prefix + "run_" + i,
                                prefix + "run_" + i + ":s1:" + person + ":push", message, context, createdAt + i, createdAt + i);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        }
    }
}
