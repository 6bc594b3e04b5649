-- A person's eligible in-app list is kept in memory between page views (inapp.ListingMemory) instead of read from the
-- store for every one. A person's version here changes whenever a statement changes what their list reads: the
-- triggers below bump it when an in-app delivery that is or becomes listable (sent and not retired) is inserted,
-- deleted, moved to another person or changed in a column the list reads; when their feed gains a withdrawal or its
-- entries move or go (the list's resume position); and when they get a userId (an anonymous visitor's list is refused
-- once the person is identified), whoever writes (another process too). A list is taken from memory only while the
-- version it was kept with is still the stored one, for the person the identity names now; a person's row goes with
-- the person. Two changes need no trigger of their own, so that the busiest statements fire none: a feed's message
-- entry is appended only in the transaction that records its delivery sent, whose status change bumps the version;
-- and a person gets a userId in the transaction that adds their 'user' identity, which does (the person's row is
-- rewritten for every event, and a trigger on it, even one that does nothing, costs each of those rewrites).
-- SQLite only, as V15 and for the same reason: on PostgreSQL several transactions write at once and these rows would
-- order them (and deadlock them) by person; there every list is read from the store. Each statement on one line: the
-- placeholder comments out only its own line.
${sqlite_only}CREATE TABLE inapp_versions (person_id TEXT PRIMARY KEY, version BIGINT NOT NULL) WITHOUT ROWID;
${sqlite_only}CREATE TRIGGER deliveries_inapp_list_inserted AFTER INSERT ON deliveries WHEN NEW.channel = 'in_app' AND NEW.retired_at IS NULL AND NEW.status IN ('sent', 'delivered', 'shown', 'clicked') BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER deliveries_inapp_list_deleted AFTER DELETE ON deliveries WHEN OLD.channel = 'in_app' AND OLD.retired_at IS NULL AND OLD.status IN ('sent', 'delivered', 'shown', 'clicked') BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (OLD.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER deliveries_inapp_list_updated AFTER UPDATE OF status, retired_at, expires_at, inapp_message, inapp_priority, inapp_anonymous, rendered, created_at, workspace_id, channel ON deliveries WHEN (OLD.channel = 'in_app' AND OLD.retired_at IS NULL AND OLD.status IN ('sent', 'delivered', 'shown', 'clicked')) OR (NEW.channel = 'in_app' AND NEW.retired_at IS NULL AND NEW.status IN ('sent', 'delivered', 'shown', 'clicked')) BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER deliveries_inapp_list_moved AFTER UPDATE OF person_id ON deliveries WHEN OLD.person_id IS NOT NEW.person_id AND OLD.channel = 'in_app' AND OLD.retired_at IS NULL AND OLD.status IN ('sent', 'delivered', 'shown', 'clicked') BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; INSERT INTO inapp_versions (person_id, version) VALUES (OLD.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER inapp_feed_list_inserted AFTER INSERT ON inapp_feed WHEN NEW.kind <> 'message' BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER inapp_feed_list_deleted AFTER DELETE ON inapp_feed BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (OLD.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER inapp_feed_list_moved AFTER UPDATE OF person_id, workspace_id, seq ON inapp_feed BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; INSERT INTO inapp_versions (person_id, version) SELECT OLD.person_id, 1 WHERE OLD.person_id IS NOT NEW.person_id ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER identities_inapp_identified AFTER INSERT ON identities WHEN NEW.kind = 'user' BEGIN INSERT INTO inapp_versions (person_id, version) VALUES (NEW.person_id, 1) ON CONFLICT (person_id) DO UPDATE SET version = version + 1; END;
${sqlite_only}CREATE TRIGGER persons_inapp_version_gone AFTER DELETE ON persons BEGIN DELETE FROM inapp_versions WHERE person_id = OLD.id; END;
