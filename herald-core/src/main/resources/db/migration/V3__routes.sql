-- Which partition each id of a person routes to; the table belongs with the event log (see db/log V2 for what it
-- holds). On SQLite the log has a file of its own, so there the postgresql_only placeholder turns every statement
-- into a comment; that is why each statement stands on one line.
${postgresql_only}CREATE TABLE routes (route_key TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, group_id BIGINT NOT NULL, partition_no INTEGER NOT NULL);
${postgresql_only}CREATE INDEX routes_group ON routes (group_id);
