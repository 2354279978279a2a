// The workflow contract (customer_invoice_dispute, contract v2) as data: the one source that the machine,
// the steps, the verify scheduler and the contract page all read. Query texts are bound-parameter SQL.

export const WORKFLOW_TYPE = 'customer_invoice_dispute';

export const FAN_OUT_STEPS = ['draftResponse', 'escalate', 'arHoldDecision'] as const;
export type StepName = (typeof FAN_OUT_STEPS)[number];

export const CONTRACT = {
  workflow_type: WORKFLOW_TYPE,
  version: 2,
  title: 'Customer invoice dispute',
  risk_level: 3,
  summary:
    'Customer emails disputing an invoice. Extract invoice ref + reason. Attach prior invoices. Propose response. ' +
    'Queue for sales rep. Flag for AR hold-or-continue decision.',
  reflexion_enabled: true,
  trigger: {
    kind: 'event',
    sources: ['inbound_email_triage_classification'],
    invoker: 'the approver (single approver)',
  },
  inputs: [
    { name: 'email_uuid', required: true, type: 'string' },
    { name: 'customer_id', required: false, type: 'integer' },
    { name: 'invoice_ref', required: false, type: 'string' },
    { name: 'reason_text', required: true, type: 'string' },
  ],
  context_queries: {
    // Scoped to the customer when known: tranid is not unique across customers in NetSuite.
    invoice: {
      tables: ['transactions'],
      text:
        "SELECT id, tranid, entity, foreigntotal, foreignamountpaid, foreignamountunpaid, trandate, duedate, status, otherrefnum " +
        "FROM transactions WHERE type = 'CustInvc' AND tranid = $1 AND ($2::bigint IS NULL OR entity = $2) ORDER BY trandate DESC LIMIT 2",
    },
    recent_payments: {
      tables: ['customer_payments'],
      text:
        'SELECT id, tranid, payment_date, amount, currency, method, reference, applied_to FROM customer_payments ' +
        "WHERE customer_id = $1 AND payment_date > ($2::timestamptz - interval '90 days')::date ORDER BY payment_date DESC",
    },
    prior_disputes: {
      tables: ['ar_disputes'],
      text: "SELECT COUNT(*)::int AS count FROM ar_disputes WHERE customer_id = $1 AND status IN ('open', 'escalated')",
    },
    customer: {
      tables: ['customers'],
      text:
        'SELECT id, entityid, companyname, email, salesrep_id, salesrep_name, salesrep_email, terms, creditlimit, creditholdoverride, currency ' +
        'FROM customers WHERE id = $1',
    },
    prior_invoices: {
      tables: ['transactions'],
      text:
        "SELECT id, tranid, trandate, duedate, foreigntotal, foreignamountpaid, foreignamountunpaid, status, otherrefnum " +
        "FROM transactions WHERE type = 'CustInvc' AND entity = $1 ORDER BY trandate DESC, id DESC LIMIT 10",
    },
    open_disputes: {
      tables: ['ar_disputes'],
      text:
        "SELECT id, customer_id, invoice_id, invoice_tranid, status, reason_code, amount, opened_at FROM ar_disputes WHERE customer_id = $1 AND status IN ('open', 'escalated') ORDER BY opened_at",
    },
  },
  preconditions: [
    { name: 'invoice_exists', rule: 'invoice IS NOT NULL OR invoice_ref IS NULL', severity: 'warn' as 'warn' | 'block' },
  ],
  hitl: {
    action_type: 'workflow_customer_invoice_dispute',
    entity_ref: 'workflow:customer_invoice_dispute:run_<run_id>',
    approver: 'single approver',
    risk_gate: 3,
    approval_window_minutes: 60 as number,
  },
  fan_out: [
    { step: 'draftResponse', id: 'draft_response', kind: 'hitl_email_draft', tool: 'propose_email_to_customer', action_type: 'customer_email', entity_type: 'customer' },
    { step: 'escalate', id: 'escalate', kind: 'stage_proposed_action', action_type: 'customer_escalation', entity_type: 'customer' },
    // Staged only when the customer has hold_review_threshold or more open disputes: fanOutCondition() says so in words.
    { step: 'arHoldDecision', id: 'ar_hold_decision', kind: 'stage_proposed_action', action_type: 'ar_hold_review', entity_type: 'workflow_run' },
  ] as const,
  /** Open disputes from which the AR hold review is staged: the one number behind the guard, the drawing and the pages. */
  hold_review_threshold: 2 as number,
  post_actions: [
    { id: 'log_run', target: 'workflow_run_log', fields: ['run_id', 'workflow_type', 'status', 'started_at', 'completed_at', 'summary_json'] },
    { id: 'reflexion', target: 'reflexion_log', tags: ['customer_invoice_dispute', 'customer:<id>'] },
    // Runs that end at the gate are logged too: workflow.rejected, workflow.expired, workflow.blocked.
    { id: 'event', target: 'event_ledger', types: ['workflow.completed', 'workflow.partial', 'workflow.failed', 'workflow.rejected', 'workflow.expired', 'workflow.blocked'], idempotency_key: 'per run' },
  ],
  verify_checks: [
    {
      name: 'response_drafted',
      // Staged when the run reaches verifying; its result ends the run (completed or partial).
      staged: 'verifying' as 'verifying' | 'reply_approved',
      window_seconds: 30,
      // $1 = the run's id, $2 = when the run was approved: the draft must be this run's, staged after approval.
      sql_check:
        "SELECT id FROM proposed_actions WHERE action_type = 'customer_email' AND run_id = $1 AND proposed_at >= $2::timestamptz LIMIT 1",
    },
    {
      name: 'response_sent',
      // Staged when the approver approves the drafted reply: the mail server accepted it (or it was written
      // to the mail folder). Its result is a ledger event (workflow.verified); a run that already ended keeps its state.
      staged: 'reply_approved' as 'verifying' | 'reply_approved',
      window_seconds: 60,
      // $1 = the run's id, $2 = the approved reply's proposed action id.
      sql_check:
        "SELECT id FROM outbox WHERE channel = 'email' AND run_id = $1 AND proposed_action_id = $2 AND status = 'delivered' LIMIT 1",
    },
  ],
  retry_policy: { max_attempts: 2 as number, backoff: 'linear' as const, base_ms: 3000 as number, alert_on_final_failure: true },
  side_effects: [
    { system: 'PostgreSQL', table: 'proposed_actions', action: 'INSERT (action_type=workflow_customer_invoice_dispute, HITL envelope)', source: 'HITL gate' },
    { system: 'PostgreSQL', table: 'proposed_actions', action: 'INSERT (action_type=customer_email, drafted reply)', source: 'fan-out draft_response' },
    { system: 'PostgreSQL', table: 'proposed_actions', action: 'INSERT (action_type=customer_escalation, entity_type=customer)', source: 'fan-out escalate' },
    { system: 'PostgreSQL', table: 'proposed_actions', action: 'INSERT (action_type=ar_hold_review, entity_type=workflow_run)', source: 'fan-out ar_hold_decision' },
    { system: 'PostgreSQL', table: 'workflow_run_log', action: 'INSERT (run summary)', source: 'post: log_run' },
    { system: 'PostgreSQL', table: 'reflexion_log', action: 'INSERT (tags=customer_invoice_dispute, customer:<id>)', source: 'post: reflexion' },
    { system: 'Event ledger', table: 'event_ledger', action: 'workflow.completed | workflow.partial | workflow.failed (or .rejected | .expired | .blocked)', source: 'post: event' },
    { system: 'PostgreSQL', table: 'workflow_verify_results', action: 'INSERT pending × 1, then pass/fail/timeout', source: 'verify' },
    { system: 'PostgreSQL', table: 'corrections', action: "INSERT (the approver's corrections: field, from, to, by, at)", source: 'HITL gate' },
    { system: 'Mail (SMTP or DATA_DIR/mail/)', table: 'outbox', action: 'send the approved reply to the customer, threaded', source: 'customer_email approved' },
    { system: 'Mail (SMTP or DATA_DIR/mail/)', table: 'outbox', action: 'send the approved escalation to the sales rep (or the AR queue)', source: 'customer_escalation approved' },
    { system: 'ERP webhook (NOTIFY_WEBHOOK_URL)', table: 'outbox', action: 'ar_hold.approved, signed; customer_hold_requests upserted', source: 'ar_hold_review approved' },
    { system: 'Event ledger', table: 'event_ledger', action: 'workflow.verified (per check), delivery.sent | delivery.failed (per proposal)', source: 'verify, outbox' },
  ],
} as const;

/** The contract's shape; its numbers are plain numbers, so a test can run a changed copy (`{ ...CONTRACT, hold_review_threshold: 3 }`). */
export type Contract = typeof CONTRACT;
export type RetryPolicy = Contract['retry_policy'];

/** The hold-review rule in words, from the contract's one number: the guard's name, the drawing's label, the `if` the pages show. */
export const holdReviewRule = (c: Pick<Contract, 'hold_review_threshold'>) => `prior_disputes >= ${c.hold_review_threshold}`;

/** When a fan-out step runs, in words (`null`: always). */
export const fanOutCondition = (c: Pick<Contract, 'hold_review_threshold'>, step: StepName): string | null => (step === 'arHoldDecision' ? holdReviewRule(c) : null);

/** The checks the run stages on reaching verifying; the first result among them ends the run. */
export const runVerifyChecks = (c: Pick<Contract, 'verify_checks'>): readonly string[] => c.verify_checks.filter((v) => v.staged === 'verifying').map((v) => v.name);
export const RUN_VERIFY_CHECKS = runVerifyChecks(CONTRACT);

/** Delay before attempt `next` (2, 3, …) under linear backoff: base × the attempt that failed. */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  return policy.base_ms * failedAttempt;
}
