-- The policy gate remembers each person's sends that frequency caps count (sent_at and channel of their
-- non-transactional deliveries) from one round to the next (policy.SendLedger) instead of counting them in the store
-- for every round. A person's version here changes whenever a statement changes what those counts read for them:
-- the triggers below bump it when a delivery with a sent_at is inserted or deleted, and when an update changes a
-- delivery's sent_at, person, channel or transactional flag while it has a sent_at, whoever writes (another process
-- too). The gate trusts what it remembers of a person only while the version it remembered with is still the stored
-- one; a person's row goes with the person.
-- SQLite only: there one writer at a time makes the gate's step the only one writing while it reads. On PostgreSQL
-- several transactions write at once and these rows would order them (and deadlock them) by person; the gate
-- reads the sends every round there. Each statement on one line: the placeholder comments out only its own line.
${sqlite_only}CREATE TABLE send_versions (person_id TEXT PRIMARY KEY, version BIGINT NOT NULL) WITHOUT ROWID;
${sqlite_only}CREATE TRIGGER deliveries_sends_inserted AFTER INSERT ON deliveries WHEN NEW.sent_at IS NOT NULL BEGIN INSERT INTO send_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER deliveries_sends_deleted AFTER DELETE ON deliveries WHEN OLD.sent_at IS NOT NULL BEGIN INSERT INTO send_versions (person_id, version) VALUES (OLD.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER deliveries_sends_updated AFTER UPDATE OF sent_at, person_id, channel, transactional ON deliveries WHEN (OLD.sent_at IS NOT NULL OR NEW.sent_at IS NOT NULL) AND (OLD.sent_at IS NOT NEW.sent_at OR OLD.person_id IS NOT NEW.person_id OR OLD.channel IS NOT NEW.channel OR OLD.transactional IS NOT NEW.transactional) BEGIN INSERT INTO send_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; INSERT INTO send_versions (person_id, version) SELECT OLD.person_id, 1 WHERE OLD.person_id IS NOT NEW.person_id ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER persons_send_version_gone AFTER DELETE ON persons BEGIN DELETE FROM send_versions WHERE person_id = OLD.id; END;
