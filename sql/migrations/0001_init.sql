-- disputeflow schema, version 1: the NetSuite mirror, the workflow contract's tables, and the durable runtime.

-- ── NetSuite mirror (columns as in the saved-search exports; see sql/sample-mirror/) ──────────────
CREATE TABLE customers (
  id                 bigint PRIMARY KEY,
  entityid           text NOT NULL,
  companyname        text NOT NULL,
  email              text,
  phone              text,
  salesrep_id        bigint,
  salesrep_name      text,
  salesrep_email     text,
  terms              text,
  creditlimit        numeric(14,2),
  creditholdoverride text NOT NULL DEFAULT 'AUTO' CHECK (creditholdoverride IN ('AUTO','ON','OFF')),
  currency           text NOT NULL
);
CREATE INDEX customers_email ON customers (lower(email));
-- An unknown sender is placed by their address's domain (steps/extract.ts uses exactly this expression).
CREATE INDEX customers_email_domain ON customers (split_part(lower(email), '@', 2));

CREATE TABLE contacts (
  id          bigint PRIMARY KEY,
  customer_id bigint NOT NULL,
  name        text,
  email       text,
  role        text
);
CREATE INDEX contacts_email ON contacts (lower(email));
CREATE INDEX contacts_email_domain ON contacts (split_part(lower(email), '@', 2));
CREATE INDEX contacts_customer ON contacts (customer_id);

CREATE TABLE transactions (
  id                  bigint PRIMARY KEY,
  tranid              text NOT NULL,
  type                text NOT NULL,
  entity              bigint NOT NULL,
  trandate            date NOT NULL,
  duedate             date,
  foreigntotal        numeric(14,2) NOT NULL,
  foreignamountpaid   numeric(14,2),
  foreignamountunpaid numeric(14,2),
  currency            text,
  status              text,
  otherrefnum         text,
  memo                text
);
CREATE INDEX transactions_type_tranid ON transactions (type, tranid);
CREATE INDEX transactions_entity ON transactions (entity, type, trandate DESC);
-- Customers write invoice numbers any way they like ("4138", "inv 004138"): match on the digits
-- without leading zeros. Use exactly this expression in queries so the index serves them.
CREATE INDEX transactions_tranid_digits ON transactions ((ltrim(regexp_replace(tranid, '[^0-9]', '', 'g'), '0')));

CREATE TABLE customer_payments (
  id           bigint PRIMARY KEY,
  customer_id  bigint NOT NULL,
  tranid       text,
  payment_date date NOT NULL,
  amount       numeric(14,2) NOT NULL,
  currency     text,
  method       text,
  reference    text,
  applied_to   text
);
CREATE INDEX customer_payments_customer ON customer_payments (customer_id, payment_date DESC);
CREATE INDEX customer_payments_reference ON customer_payments (upper(reference));

CREATE TABLE ar_disputes (
  id             bigint PRIMARY KEY,
  customer_id    bigint NOT NULL,
  invoice_id     bigint,
  invoice_tranid text,
  status         text NOT NULL CHECK (status IN ('open','escalated','resolved','closed')),
  reason_code    text,
  amount         numeric(14,2),
  opened_at      date,
  resolved_at    date
);
CREATE INDEX ar_disputes_customer ON ar_disputes (customer_id, status);

-- ── Runs: one row per workflow run, its snapshot is the truth ──────────────────────────────────
CREATE TABLE runs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_type   text NOT NULL,
  email_uuid      text NOT NULL,
  machine_version integer NOT NULL,
  status          text NOT NULL,
  state_value     jsonb NOT NULL,
  snapshot        jsonb NOT NULL,
  input           jsonb NOT NULL,
  customer_id     bigint,
  invoked_by      text NOT NULL,
  event_count     integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  UNIQUE (workflow_type, email_uuid)
);
CREATE INDEX runs_status ON runs (status, id DESC);
CREATE INDEX runs_customer ON runs (customer_id, id DESC);
CREATE INDEX runs_created ON runs (created_at DESC, id DESC);

-- Every event applied to a run, in order: what came in, where it went, what it did.
CREATE TABLE run_journal (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       bigint NOT NULL REFERENCES runs(id),
  seq          integer NOT NULL,
  event        jsonb NOT NULL,
  state_before jsonb,
  state_after  jsonb NOT NULL,
  effects      jsonb NOT NULL DEFAULT '[]',
  at           timestamptz NOT NULL,
  UNIQUE (run_id, seq)
);

-- ── The contract's tables ──────────────────────────────────────────────────────────────────────
CREATE TABLE proposed_actions (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        bigint NOT NULL REFERENCES runs(id),
  step          text NOT NULL,
  action_type   text NOT NULL,
  entity_type   text NOT NULL,
  entity_ref    text NOT NULL,
  payload       jsonb NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending','approved','rejected','expired')),
  proposed_at   timestamptz NOT NULL,
  decided_at    timestamptz,
  decided_by    text,
  decision_note text,
  UNIQUE (run_id, step)
);
CREATE INDEX proposed_actions_status ON proposed_actions (status, id DESC);
CREATE INDEX proposed_actions_type ON proposed_actions (action_type, proposed_at);

-- Approvals are facts: one decision per envelope, with what the approver was shown.
CREATE TABLE approval_decisions (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  proposed_action_id bigint NOT NULL UNIQUE REFERENCES proposed_actions(id),
  run_id             bigint NOT NULL REFERENCES runs(id),
  decision           text NOT NULL CHECK (decision IN ('approved','rejected','expired')),
  decided_by         text NOT NULL,
  note               text,
  shown_sha256       text NOT NULL,
  decided_at         timestamptz NOT NULL
);

CREATE TABLE workflow_run_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          bigint NOT NULL UNIQUE REFERENCES runs(id),
  workflow_type   text NOT NULL,
  status          text NOT NULL,
  started_at      timestamptz NOT NULL,
  completed_at    timestamptz NOT NULL,
  duration_ms     bigint NOT NULL,
  steps_total     integer NOT NULL,
  steps_succeeded integer NOT NULL,
  steps_failed    integer NOT NULL,
  steps_skipped   integer NOT NULL,
  errors          jsonb NOT NULL DEFAULT '[]',
  summary_json    jsonb NOT NULL
);

CREATE TABLE reflexion_log (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        bigint NOT NULL UNIQUE REFERENCES runs(id),
  workflow_type text NOT NULL,
  narrative     text NOT NULL,
  tags          text[] NOT NULL,
  created_at    timestamptz NOT NULL
);
CREATE INDEX reflexion_log_tags ON reflexion_log USING gin (tags);

CREATE TABLE workflow_verify_results (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id     bigint NOT NULL REFERENCES runs(id),
  check_name text NOT NULL,
  sql_check  text NOT NULL,
  params     jsonb NOT NULL,
  status     text NOT NULL CHECK (status IN ('pending','pass','fail','timeout')),
  due_at     timestamptz NOT NULL,
  checked_at timestamptz,
  detail     jsonb,
  created_at timestamptz NOT NULL,
  UNIQUE (run_id, check_name)
);
CREATE INDEX workflow_verify_results_due ON workflow_verify_results (due_at) WHERE status = 'pending';

-- The event ledger: downstream subscriptions react to these; producer retries collapse on the key.
CREATE TABLE event_ledger (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type      text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  run_id          bigint REFERENCES runs(id),
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL
);

-- ── Durable time and external effects ──────────────────────────────────────────────────────────
CREATE TABLE timers (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id     bigint NOT NULL REFERENCES runs(id),
  name       text NOT NULL,
  event      jsonb NOT NULL,
  due_at     timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (run_id, name)
);
CREATE INDEX timers_due ON timers (due_at);

CREATE TABLE outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          bigint REFERENCES runs(id),
  kind            text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  payload         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE alerts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id     bigint REFERENCES runs(id),
  step       text,
  kind       text NOT NULL,
  message    text NOT NULL,
  detail     jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  UNIQUE (run_id, step, kind)
);
