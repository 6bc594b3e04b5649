-- Every page view lists the person's eligible in-app messages (issue 6). On SQLite that read walked the person's
-- deliveries index and then fetched each delivery's row (~1.5 KB, one random page apiece); this index holds every
-- column the list reads, so a list reads one short range of it. Only deliveries a person can see are in it: queued
-- and sending ones never enter (their status changes would rewrite entries), retired ones leave. On PostgreSQL an
-- entry could not hold a large message (B-tree entries are limited to a third of a page): there the same partial
-- index keys the rows by person. Each statement on one line: the placeholder comments out only its own line.
${sqlite_only}CREATE INDEX deliveries_inapp_live ON deliveries (person_id, created_at, workspace_id, channel, retired_at, status, expires_at, inapp_anonymous, inapp_priority, id, inapp_message) WHERE channel = 'in_app' AND retired_at IS NULL AND status IN ('sent', 'delivered', 'shown', 'clicked');
${postgresql_only}CREATE INDEX deliveries_inapp_live ON deliveries (person_id, created_at) WHERE channel = 'in_app' AND retired_at IS NULL AND status IN ('sent', 'delivered', 'shown', 'clicked');

-- Every read of the feed names the person and the workspace; with both in the key its position (MAX(seq)) is read
-- from the index alone.
DROP INDEX inapp_feed_person;
CREATE INDEX inapp_feed_person ON inapp_feed (person_id, workspace_id, seq);
