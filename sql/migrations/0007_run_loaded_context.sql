-- A run's context.loaded (the mirror rows the context step read: customer, invoice, payments, prior invoices)
-- is about 60 % of its snapshot, and changes only when the context step loads (CONTEXT_LOADED, and again after
-- an approver's corrections), while the snapshot is rewritten with every event. Kept in a column of its own,
-- written only when it changes, the snapshot no longer carries it; persistence/runs.ts puts it back into the
-- context on every read, so the machine, GET /runs/:id and replay see the context as before.
-- (Issue 13 gave this change the number 0008; on this branch it follows 0006.)
ALTER TABLE runs ADD COLUMN loaded jsonb;

UPDATE runs SET loaded = snapshot->'context'->'loaded', snapshot = snapshot #- '{context,loaded}'
  WHERE jsonb_typeof(snapshot->'context'->'loaded') = 'object';
