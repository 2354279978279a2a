-- The AR dashboard (GET /api/kpis) groups and sums disputes by reason and amount. Both live deep in the run's
-- snapshot (context.extraction, as the approver corrected it); reading them from the snapshot means
-- detoasting every run's whole JSON on every request (seconds at 50,000 runs). Stored generated columns keep
-- them beside the row, computed by PostgreSQL on every write of the snapshot, so no code path can forget them.
ALTER TABLE runs
  ADD COLUMN reason_code text GENERATED ALWAYS AS (snapshot->'context'->'extraction'->>'reason_code') STORED,
  ADD COLUMN disputed_amount numeric GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(snapshot->'context'->'extraction'->'disputed_amount') = 'number'
      THEN (snapshot->'context'->'extraction'->>'disputed_amount')::numeric END
  ) STORED;
