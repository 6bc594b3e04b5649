-- The embedded event log, in an SQLite file of its own (herald-log.db beside herald.db) so that appends and the
-- person processor's writes never wait on each other. PostgreSQL keeps the same table in its one schema (main V1).
-- An event is acknowledged only after its row commits.
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
