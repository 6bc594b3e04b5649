-- The delivery pipeline (outbox -> policy gate -> render -> channel -> status), workspace settings and channel
-- credentials.

-- Pipeline state of a delivery. sent_at: when it passed the policy gate and was handed to its channel (frequency
-- caps count these); next_attempt_at: when the dispatcher may take it (retries, deferrals); lease_*: which
-- dispatcher holds it and until when; provider_id: the provider's id for what it accepted; rendered: the content
-- as sent; variant: the message variant chosen; topic/transactional/expires_at: from the message, for the gate.
ALTER TABLE deliveries ADD COLUMN sent_at BIGINT;
ALTER TABLE deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until BIGINT;
ALTER TABLE deliveries ADD COLUMN provider_id TEXT;
ALTER TABLE deliveries ADD COLUMN rendered TEXT;
ALTER TABLE deliveries ADD COLUMN variant INTEGER;
ALTER TABLE deliveries ADD COLUMN topic TEXT;
ALTER TABLE deliveries ADD COLUMN transactional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE deliveries ADD COLUMN expires_at BIGINT;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_person_sent ON deliveries (person_id, sent_at);

-- Per-workspace settings documents: kind = policies, styles, webhooks, ... (JSON value).
CREATE TABLE workspace_settings (
    workspace_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, kind)
);

-- Provider credentials per workspace and channel (apns, fcm, webpush, smtp, sms, whatsapp), AES-GCM encrypted
-- with the master key; never returned in full.
CREATE TABLE channel_credentials (
    workspace_id TEXT NOT NULL,
    channel      TEXT NOT NULL,
    ciphertext   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, channel)
);
