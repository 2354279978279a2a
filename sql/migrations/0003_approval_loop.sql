-- The closed loop at the gate: the approver's corrections are facts, approved proposals are carried out
-- (mail, the ERP hold hand-off) through the outbox, and a requested AR hold is visible on the account.

-- What the approver corrected on the HITL envelope: one row per corrected field, the reader's value kept.
CREATE TABLE corrections (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id             bigint NOT NULL REFERENCES runs(id),
  proposed_action_id bigint NOT NULL REFERENCES proposed_actions(id),
  field              text NOT NULL CHECK (field IN ('reason_code', 'invoice_ref', 'customer_id', 'disputed_amount')),
  from_value         jsonb NOT NULL,
  to_value           jsonb NOT NULL,
  corrected_by       text NOT NULL,
  corrected_at       timestamptz NOT NULL,
  UNIQUE (proposed_action_id, field)
);
CREATE INDEX corrections_run ON corrections (run_id);
CREATE INDEX corrections_field ON corrections (field, corrected_at DESC);

-- What the approver changed in a drafted proposal before approving it (subject, body): what is sent.
ALTER TABLE approval_decisions ADD COLUMN edits jsonb;

-- Deliveries of approved proposals ride the outbox: one row per proposal (the idempotency key), with the
-- channel, the stable Message-ID a mail carries on every attempt, and when the receiver accepted it.
ALTER TABLE outbox ADD COLUMN proposed_action_id bigint REFERENCES proposed_actions(id);
ALTER TABLE outbox ADD COLUMN channel text;
ALTER TABLE outbox ADD COLUMN message_id text;
CREATE UNIQUE INDEX outbox_proposed_action ON outbox (proposed_action_id) WHERE proposed_action_id IS NOT NULL;

-- An approved AR hold review asks the ERP to put the account on hold. The mirror's customers table is
-- replaced by every import, so the request lives beside it and survives re-imports.
CREATE TABLE customer_hold_requests (
  customer_id        bigint PRIMARY KEY,
  run_id             bigint NOT NULL REFERENCES runs(id),
  proposed_action_id bigint NOT NULL REFERENCES proposed_actions(id),
  requested_by       text NOT NULL,
  requested_at       timestamptz NOT NULL
);
