-- The outbox dispatcher leases the next due delivery in the order (next_attempt_at, id) with FOR UPDATE SKIP
-- LOCKED (persistence/outbox.ts), as the schedulers claim theirs (migration 0013), and its index had the same
-- shape, on next_attempt_at alone: with many deliveries due at one instant (written by one transaction, or
-- waiting out a mail server's outage) every due row was read and sorted for each lease (421 buffers for 2,000 in
-- tests/persistence/claims.test.ts). Indexed in the lease's order, a lease reads the row it takes and stops.
CREATE INDEX outbox_due_id ON outbox (next_attempt_at, id) WHERE status = 'pending';
DROP INDEX outbox_due;
