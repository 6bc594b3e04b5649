-- Memberships clustered by person, on SQLite. The processor loads the memberships of every person a batch
-- concerns, with each of their events, and writes their changes (a few per event with realistic segments). In a
-- rowid table a person's rows lay wherever they were inserted: a person in 26 segments cost 26 random pages to
-- read, through the person index, and each change touched three B-trees (the table, its (segment, person) key and
-- the person index). Keyed by (person, segment) without a rowid, a person's memberships sit together and a change
-- touches two: the table and the index by segment, which covers counts and the members' pages.
-- PostgreSQL keeps its layout (a heap, the (segment, person) key and the person index): it has no clustered table
-- to keep in order.
${sqlite_only}CREATE TABLE segment_members_v17 (segment_id TEXT NOT NULL, person_id TEXT NOT NULL, workspace_id TEXT NOT NULL, entered_at BIGINT NOT NULL, PRIMARY KEY (person_id, segment_id)) WITHOUT ROWID;
${sqlite_only}INSERT INTO segment_members_v17 (segment_id, person_id, workspace_id, entered_at) SELECT segment_id, person_id, workspace_id, entered_at FROM segment_members;
${sqlite_only}DROP TABLE segment_members;
${sqlite_only}ALTER TABLE segment_members_v17 RENAME TO segment_members;
${sqlite_only}CREATE INDEX segment_members_segment ON segment_members (segment_id, workspace_id);
