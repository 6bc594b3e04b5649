-- In-app messages on the person's open pages (issue 6).

-- An in-app delivery leaves the person's eligible set for good when it is retired: dismissed, submitted, recalled,
-- expired, or (once-only) shown. Its status keeps the furthest engagement; this records why it is gone.
ALTER TABLE deliveries ADD COLUMN retired_at BIGINT;
ALTER TABLE deliveries ADD COLUMN retired_reason TEXT;

-- Expiry: in-app deliveries that will expire and are not retired yet; the expiry sweep reads them by time.
CREATE INDEX deliveries_inapp_expiring ON deliveries (expires_at)
    WHERE channel = 'in_app' AND retired_at IS NULL AND expires_at IS NOT NULL;

-- Each person's append-only feed of what their open streams are told: kind 'message' (a delivery became available)
-- or 'withdraw' (it must disappear). seq is the stream's event id, so a reconnecting page resumes after the last id
-- it saw. except_session: a withdraw the page of that session does not need (it showed the once-only message).
CREATE TABLE inapp_feed (
    seq            ${id_pk},
    workspace_id   TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    delivery_id    TEXT NOT NULL,
    except_session TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX inapp_feed_person ON inapp_feed (person_id, seq);
