-- Run counts without writers waiting for each other (issue 13). Since 0006 a run's change of status updated a
-- counter row (status, run id mod 32) in the transaction that wrote the run. A transaction that moves several
-- runs (group commit: runtime/batch.ts; the verify scheduler's shared transactions) updated several counter
-- rows in the order its runs happened to be saved, and two such transactions could take two rows in opposite
-- orders: a deadlock, which PostgreSQL finds after deadlock_timeout (1 s) and ends by failing one of them (seen
-- under load in the benchmarks: a second lost each time, and the failed transaction's work done again). Now a
-- change of status only appends to run_status_deltas, where no writer waits for another, and folding the
-- deltas into run_status_counts is one process's job at a time, every few seconds (persistence/runCounts.ts);
-- a reader adds the two.
CREATE TABLE run_status_deltas (
  status text   NOT NULL,
  n      bigint NOT NULL
);

CREATE OR REPLACE FUNCTION run_status_counts_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  INSERT INTO run_status_deltas (status, n)
  SELECT NEW.status, 1 WHERE TG_OP IN ('INSERT', 'UPDATE')
  UNION ALL
  SELECT OLD.status, -1 WHERE TG_OP IN ('UPDATE', 'DELETE');
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION run_status_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM run_status_counts;
  DELETE FROM run_status_deltas;
  RETURN NULL;
END $$;
