-- The schedulers claim the next due verify checks and timers in the order (due_at, id), a few at a time, with
-- FOR UPDATE SKIP LOCKED (persistence/verify.ts, persistence/timers.ts). Their indexes were on due_at alone: when
-- many rows fell due at one instant (checks staged by one transaction, a burst of approvals, a backlog after an
-- outage) PostgreSQL read every due row, joined each to its run and sorted them all, for each claim: in the
-- benchmark's verify phase 4,000 buffers and 7.6 ms a claim of eight, growing with the backlog. Indexed in the
-- claim's order, a claim reads the rows it takes and stops.
CREATE INDEX workflow_verify_results_due_id ON workflow_verify_results (due_at, id) WHERE status = 'pending';
DROP INDEX workflow_verify_results_due;
CREATE INDEX timers_due_id ON timers (due_at, id);
DROP INDEX timers_due;

-- The contract's reply check (machines/contract.ts, response_drafted: a reply of this run proposed since its
-- approval) was the only reader of this index, and the wrong one for it: replies proposed since the last ANALYZE
-- look to the planner like none, so it scanned every reply since the run's approval for one of them (300-480
-- buffers a check in the benchmark, every reply of the last minute in a busy deployment). Without it the check
-- reads the run's own proposals by (run_id, step), a few buffers, and each proposal written maintains one index
-- fewer.
DROP INDEX proposed_actions_type;
