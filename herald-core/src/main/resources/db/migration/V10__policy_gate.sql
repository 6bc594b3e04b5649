-- The policy gate's priority check reads, for one person, the deliveries waiting to go (queued or deferred) with a
-- higher priority. A partial index holds only waiting deliveries, so the read stays small however long a person's
-- history, and sent deliveries cost the index nothing.
CREATE INDEX deliveries_waiting_person ON deliveries (person_id, priority) WHERE status IN ('queued', 'deferred');
