-- Herald foundation schema. Portable between SQLite and PostgreSQL: times are epoch-millisecond BIGINTs, JSON is
-- TEXT, and the one engine-specific column type (an auto-increment key) comes from the ${id_pk} placeholder.

CREATE TABLE workspaces (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    identity_secret TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Keys are stored as the SHA-256 of the key: a leak of this table does not leak usable keys.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    kind         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    key_prefix   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

-- The durable, ordered event log (embedded mode). An event is acknowledged only after its row commits.
CREATE TABLE event_log (
    seq          ${id_pk},
    workspace_id TEXT NOT NULL,
    partition_no INTEGER NOT NULL,
    message_id   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    received_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX event_log_message ON event_log (workspace_id, message_id);
CREATE INDEX event_log_partition ON event_log (partition_no, seq);

-- Where each partition's processor has got to; written in the same transaction as the effects of the events.
CREATE TABLE processor_checkpoints (
    partition_no INTEGER PRIMARY KEY,
    position     BIGINT NOT NULL
);

-- Events that a pipeline stage could not process; kept so nothing is silently lost.
CREATE TABLE dead_letters (
    id           ${id_pk},
    workspace_id TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    error        TEXT NOT NULL,
    failed_at    BIGINT NOT NULL
);

CREATE TABLE persons (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    user_id       TEXT,
    attributes    TEXT NOT NULL,
    timezone      TEXT,
    locale        TEXT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX persons_user ON persons (workspace_id, user_id);
CREATE INDEX persons_workspace ON persons (workspace_id, id);

-- Every id a person is known by: kind 'user' (userId, including aliases) or 'anon' (anonymousId).
CREATE TABLE identities (
    workspace_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, kind, value)
);
CREATE INDEX identities_person ON identities (person_id);

CREATE TABLE person_events (
    workspace_id TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    type         TEXT NOT NULL,
    event        TEXT,
    name         TEXT,
    properties   TEXT,
    context      TEXT,
    ts           BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, message_id)
);
CREATE INDEX person_events_timeline ON person_events (person_id, ts, seq);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    token        TEXT NOT NULL,
    platform     TEXT NOT NULL,
    provider     TEXT NOT NULL,
    app_id       TEXT,
    push_enabled BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX devices_token ON devices (workspace_id, token);
CREATE INDEX devices_person ON devices (person_id);

-- Erased user ids that must not be re-created by later events.
CREATE TABLE suppressed_users (
    workspace_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

-- Timers fire as events into their person's log when due (delays, waits, windows).
CREATE TABLE timers (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    partition_no INTEGER NOT NULL,
    due_at       BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX timers_due ON timers (due_at);
CREATE INDEX timers_person ON timers (person_id);
