-- A person's history is written only by the processor, once per event: the event log's messageId index already
-- dedups, and a batch's effects commit with its checkpoint. The history's own (workspace_id, message_id) key cost
-- a random index page per event and bought nothing, so the table is rebuilt without it (SQLite cannot drop a
-- primary key in place).
CREATE TABLE person_events_v4 (
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
    received_at  BIGINT NOT NULL
);
INSERT INTO person_events_v4 (workspace_id, message_id, person_id, seq, type, event, name, properties, context, ts,
                              received_at)
SELECT workspace_id, message_id, person_id, seq, type, event, name, properties, context, ts, received_at
FROM person_events;
DROP TABLE person_events;
ALTER TABLE person_events_v4 RENAME TO person_events;
CREATE INDEX person_events_timeline ON person_events (person_id, ts, seq);
