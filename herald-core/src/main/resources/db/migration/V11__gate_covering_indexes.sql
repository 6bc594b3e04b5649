-- The policy gate counts, per delivery it weighs, the person's sends in each cap's window and their waiting
-- higher-priority deliveries. Both indexes now hold every column those counts test, so the counts read index
-- entries only, never the delivery rows (which carry the message and its context): one range per person and kind,
-- whatever the number of caps. Deliveries' sent_at stays the one record of what was sent.
DROP INDEX deliveries_person_sent;
CREATE INDEX deliveries_person_sent ON deliveries (person_id, sent_at, channel, transactional);

DROP INDEX deliveries_waiting_person;
CREATE INDEX deliveries_waiting_person ON deliveries (person_id, priority, channel, transactional, next_attempt_at,
    expires_at, id, status) WHERE status IN ('queued', 'deferred');
