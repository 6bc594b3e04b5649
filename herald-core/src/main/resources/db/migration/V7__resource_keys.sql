-- Launches: what activating a campaign sets up for people who already exist, done in the background a chunk of
-- people at a time. A date trigger's launch schedules each person's next occurrence (again on every activation:
-- each person's pending date timer for the campaign is replaced, never doubled). A broadcast's launch schedules an
-- entry for every member of its segment, once per campaign: the row stays, so resuming a paused broadcast does not
-- send it again. (Launches share this file, named for the segment keys below, as the same release's change.)
CREATE TABLE campaign_launches (
    campaign_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    after_person TEXT NOT NULL,
    scheduled    BIGINT NOT NULL,
    state        TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    PRIMARY KEY (campaign_id, kind)
);
CREATE INDEX campaign_launches_status ON campaign_launches (status, started_at);

-- A segment's key: a stable name chosen by whoever manages it (campaigns as code: `herald apply`), unique in its
-- workspace, so files can name a segment across Herald installations whose ids differ. Optional.
ALTER TABLE segments ADD COLUMN segment_key TEXT;
CREATE UNIQUE INDEX segments_key ON segments (workspace_id, segment_key);
