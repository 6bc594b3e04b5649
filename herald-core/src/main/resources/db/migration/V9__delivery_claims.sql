-- The dispatcher's indexes. Each is partial: the delivery history (sent, failed, ...) grows for ever, and every
-- status change of a delivery rewrites the entries of the indexes on status, so they hold only the few deliveries
-- in the pipeline. A query's WHERE repeats an index's status condition word for word, so both engines can use it.

-- Claims: the next due deliveries, higher priority first, oldest first.
CREATE INDEX deliveries_pending ON deliveries (priority DESC, created_at, id)
    WHERE status IN ('queued', 'deferred', 'retrying');

-- Lost answers: deliveries left 'sending' whose lease ran out.
CREATE INDEX deliveries_sending ON deliveries (lease_until) WHERE status = 'sending';

-- Replaced by the two above: no query reads them, and each status change paid for both.
DROP INDEX deliveries_due;
DROP INDEX deliveries_status;
