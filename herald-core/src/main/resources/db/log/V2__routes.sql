-- Which partition each id of a person routes to, so that all of a person's events land in one partition (see
-- io.herald.log.Routes). It lives beside the event log and is written in the same transaction as the log rows.
-- PostgreSQL has the same table in its one schema (main V3). An id is stored as a hash of (workspace, id), never in
-- clear; ids seen together in one event share a group, and every id of a group routes to the group's partition.
CREATE TABLE routes (
    route_key    TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    group_id     BIGINT NOT NULL,
    partition_no INTEGER NOT NULL
);
CREATE INDEX routes_group ON routes (group_id);
