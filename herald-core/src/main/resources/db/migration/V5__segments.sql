-- Segments (API.md "Segment condition"). Membership is kept by the person processor as events arrive; see
-- io.herald.segment.SegmentStage.

-- Each create or edit takes the workspace's next generation: a person whose segment state is of an older
-- generation has not been computed for the newer segments yet (the background computation does that).
CREATE TABLE segment_generations (
    workspace_id TEXT PRIMARY KEY,
    generation   BIGINT NOT NULL
);

CREATE TABLE segments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT,
    condition    TEXT NOT NULL,
    generation   BIGINT NOT NULL,
    status       TEXT NOT NULL,
    people_done  BIGINT NOT NULL,
    people_total BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    computed_at  BIGINT
);
CREATE INDEX segments_workspace ON segments (workspace_id, id);

-- Per person: the running tallies behavioral conditions read, the generation they are computed for, and the
-- timer that wakes the person when a time window next changes an answer.
CREATE TABLE segment_state (
    person_id     TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    generation    BIGINT NOT NULL,
    state         TEXT NOT NULL,
    next_check_at BIGINT,
    timer_id      TEXT
);

CREATE TABLE segment_members (
    segment_id   TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    entered_at   BIGINT NOT NULL,
    PRIMARY KEY (segment_id, person_id)
);
CREATE INDEX segment_members_person ON segment_members (person_id);

-- Subscription topics and each person's channel/topic preferences, read by "subscribed" conditions (and by the
-- delivery policy gate). A person without a row is subscribed to every channel and to each topic per its default.
CREATE TABLE topics (
    workspace_id   TEXT NOT NULL,
    topic_key      TEXT NOT NULL,
    name           TEXT NOT NULL,
    default_opt_in BOOLEAN NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, topic_key)
);

CREATE TABLE person_preferences (
    person_id    TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    preferences  TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
