-- Memberships without their workspace. A segment's id is Herald's own and unique across workspaces, so the segment
-- already says whose a membership is; every query reaches memberships through a segment or a person checked against
-- the workspace first. On SQLite the column cost 36 bytes in each row and again in each entry of the index by
-- segment, the index every membership change writes a random page of: without it a row and its index entry shrink
-- by about a third, and a batch's changes land on fewer pages.
-- PostgreSQL drops the column in place (no rewrite; the space comes back as rows are rewritten).
${sqlite_only}CREATE TABLE segment_members_v18 (person_id TEXT NOT NULL, segment_id TEXT NOT NULL, entered_at BIGINT NOT NULL, PRIMARY KEY (person_id, segment_id)) WITHOUT ROWID;
${sqlite_only}INSERT INTO segment_members_v18 (person_id, segment_id, entered_at) SELECT person_id, segment_id, entered_at FROM segment_members;
${sqlite_only}DROP TABLE segment_members;
${sqlite_only}ALTER TABLE segment_members_v18 RENAME TO segment_members;
${sqlite_only}CREATE INDEX segment_members_segment ON segment_members (segment_id);
${postgresql_only}ALTER TABLE segment_members DROP COLUMN workspace_id;
