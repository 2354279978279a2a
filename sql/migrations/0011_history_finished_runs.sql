-- A customer's history (persistence/history.ts: the last finished runs the next run of that customer reads)
-- walked the customer's runs newest first and skipped each run not finished yet, after probing its envelope,
-- its decision and its run log: every start of a customer with a thousand runs awaiting approval read some
-- 4,000 buffers for nothing (issue 13: in the benchmark, whose runs are all one customer's, about 2 ms of
-- PostgreSQL's CPU per start, half of all it spent). A run is finished once its post step wrote its run log,
-- so the history now walks the run logs of the customer: the log keeps the run's customer (runs.customer_id,
-- as the engine saves it in the same transaction; tests/model/system.ts checks that they agree after every
-- event of the model's paths and walks), and open runs are not in it at all.
ALTER TABLE workflow_run_log ADD COLUMN customer_id bigint;
UPDATE workflow_run_log l SET customer_id = r.customer_id FROM runs r WHERE r.id = l.run_id AND r.customer_id IS NOT NULL;
CREATE INDEX workflow_run_log_customer ON workflow_run_log (customer_id, run_id DESC);
