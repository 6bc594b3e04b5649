package io.herald.policy;

import io.herald.event.EventCodec;
import io.herald.store.Database;
import io.herald.store.Engine;
import io.herald.store.Sql;
import io.herald.testing.TestClock;
import io.herald.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fresh store with one person and the gate over it, for the gate's tests: rows are written straight into the
 * tables the gate reads (persons, person_preferences, topics, deliveries), and the workspace's policies through
 * {@link Settings}, as the settings API writes them.
 */
final class GateFixture implements AutoCloseable {
    static final String WS = "ws_gate";
    static final String PERSON = "p_1";

    final TestDatabase store;
    final TestClock clock;
    final Settings settings;
    final Gate gate;
    private final AtomicInteger ids = new AtomicInteger();

    GateFixture(Engine engine, Path dir, String now) {
        this.store = TestDatabase.open(engine, dir);
        this.clock = TestClock.at(now);
        this.settings = new Settings(store.db(), clock);
        this.gate = new Gate(settings);
        person(PERSON, "{\"plan\":\"pro\",\"nested\":{\"timezone\":\"Asia/Tokyo\"}}", null);
    }

    Database db() {
        return store.db();
    }

    long now() {
        return clock.millis();
    }

    static long at(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    void policies(String json) {
        settings.putPolicies(WS, json(json));
    }

    static com.fasterxml.jackson.databind.JsonNode json(String json) {
        try {
            return EventCodec.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    void person(String id, String attributes, String profileTimezone) {
        db().inTransaction(c -> {
            Sql.update(c, "DELETE FROM persons WHERE id = ?", id);
            return Sql.update(c, "INSERT INTO persons (id, workspace_id, user_id, attributes, timezone, locale, "
                    + "created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, NULL, 0, 0)", id, WS, "user-" + id, attributes,
                    profileTimezone);
        });
    }

    void preferences(String json) {
        db().inTransaction(c -> Sql.update(c, "INSERT INTO person_preferences (person_id, workspace_id, preferences, "
                + "updated_at) VALUES (?, ?, ?, 0)", PERSON, WS, json));
    }

    void topic(String key, boolean defaultOptIn) {
        db().inTransaction(c -> Sql.update(c, "INSERT INTO topics (workspace_id, topic_key, name, default_opt_in, "
                + "created_at) VALUES (?, ?, ?, ?, 0)", WS, key, key, defaultOptIn));
    }

    /** A delivery to the person that the dispatcher handed to its channel at {@code sentAt}. */
    void sent(String channel, long sentAt) {
        sent(channel, sentAt, false);
    }

    void sent(String channel, long sentAt, boolean transactional) {
        delivery(channel, "sent", 50, null, null, "{}", sentAt, transactional);
    }

    /** A delivery waiting to go (queued or deferred), due at {@code nextAttemptAt} (null: now). */
    String waiting(String channel, String status, int priority, Long nextAttemptAt, Long expiresAt, String context) {
        return delivery(channel, status, priority, nextAttemptAt, expiresAt, context, null, false);
    }

    String delivery(String channel, String status, int priority, Long nextAttemptAt, Long expiresAt, String context,
                    Long sentAt, boolean transactional) {
        String id = "dlv_" + ids.incrementAndGet();
        db().inTransaction(c -> Sql.update(c, "INSERT INTO deliveries (id, workspace_id, person_id, campaign_id, version, "
                + "run_id, step, channel, idempotency_key, status, message, context, priority, created_at, updated_at, "
                + "sent_at, next_attempt_at, expires_at, transactional) VALUES (?, ?, ?, 'cmp_other', 1, NULL, 's1', ?, "
                + "?, ?, '{}', ?, ?, 0, 0, ?, ?, ?, ?)", id, WS, PERSON, channel, id, status, context, priority, sentAt,
                nextAttemptAt, expiresAt, transactional));
        return id;
    }

    /** A campaign delivery to the person on {@code channel}, as the dispatcher asks about it now. */
    Request request(String channel) {
        return new Request(channel);
    }

    Decision check(GateRequest r) {
        return db().inTransaction(c -> gate.check(c, r));
    }

    void advance(Duration d) {
        clock.advance(d);
    }

    /** A GateRequest under construction; defaults: campaign delivery, priority 50, held to caps and quiet hours. */
    final class Request {
        String channel;
        String topic;
        boolean transactional;
        boolean quietHours = true;
        boolean frequencyCap = true;
        int priority = 50;
        Long expiresAt;
        QuietHoursAction action;
        String deliveryId = "dlv_asking";

        Request(String channel) {
            this.channel = channel;
        }

        Request topic(String t) {
            topic = t;
            return this;
        }

        Request transactional() {
            transactional = true;
            quietHours = false;
            frequencyCap = false;
            return this;
        }

        Request noQuietHours() {
            quietHours = false;
            return this;
        }

        Request noFrequencyCap() {
            frequencyCap = false;
            return this;
        }

        Request priority(int p) {
            priority = p;
            return this;
        }

        Request expiresAt(long at) {
            expiresAt = at;
            return this;
        }

        Request action(QuietHoursAction a) {
            action = a;
            return this;
        }

        Request id(String id) {
            deliveryId = id;
            return this;
        }

        GateRequest build() {
            // The dispatcher's 12-argument form, then the campaign's action, as it builds requests.
            return new GateRequest(WS, PERSON, deliveryId, channel, topic, transactional, "cmp_1", quietHours,
                    frequencyCap, priority, expiresAt, now()).withQuietHoursAction(action);
        }

        Decision check() {
            return GateFixture.this.check(build());
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
