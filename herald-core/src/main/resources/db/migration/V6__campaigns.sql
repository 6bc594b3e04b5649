-- Campaigns (journeys), their versions, each person's runs through them, and the outbox of deliveries their
-- message steps create (processed by the delivery pipeline).

CREATE TABLE campaigns (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    campaign_key TEXT,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX campaigns_workspace ON campaigns (workspace_id, id);
CREATE UNIQUE INDEX campaigns_key ON campaigns (workspace_id, campaign_key);

-- Editing an active campaign makes a new version; runs finish on the version they started on.
CREATE TABLE campaign_versions (
    campaign_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, version)
);

-- One person's trip through one campaign version. status: active (at a step, maybe waiting), held (campaign
-- paused), completed, exited; a holdout run is recorded (for lift) and never messaged.
CREATE TABLE campaign_runs (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL,
    campaign_id     TEXT NOT NULL,
    version         INTEGER NOT NULL,
    person_id       TEXT NOT NULL,
    status          TEXT NOT NULL,
    step            TEXT,
    waiting         TEXT,
    journey         TEXT NOT NULL,
    variant         INTEGER,
    holdout         BOOLEAN NOT NULL,
    entered_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    exit_reason     TEXT,
    goal_deadline   BIGINT,
    converted_at    BIGINT,
    last_message_at BIGINT,
    path_length     INTEGER NOT NULL
);
CREATE INDEX campaign_runs_person ON campaign_runs (person_id, campaign_id);
CREATE INDEX campaign_runs_campaign ON campaign_runs (campaign_id, id);

-- A run's path: each step reached and what happened there (queued a delivery, skipped and why, waited, ...).
CREATE TABLE run_steps (
    run_id  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    at      BIGINT NOT NULL,
    step    TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT,
    PRIMARY KEY (run_id, seq)
);

-- The outbox: one row per message a step asks for. The idempotency key (run, step, person, channel) makes a
-- replayed batch unable to create a second delivery.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    campaign_id     TEXT,
    version         INTEGER,
    run_id          TEXT,
    step            TEXT,
    channel         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    reason          TEXT,
    message         TEXT NOT NULL,
    context         TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    converted_at    BIGINT
);
CREATE INDEX deliveries_person ON deliveries (person_id, created_at);
CREATE INDEX deliveries_campaign ON deliveries (campaign_id, created_at);
CREATE INDEX deliveries_status ON deliveries (status, created_at);
