// Memory at scale: the context step's history query (persistence/history.ts) over 50,000 finished runs
// (BENCH_HISTORY_RUNS) of 40 customers, each with its envelope, decision, run log, and corrections or verify
// results where a real run would have them, and one of the customers with 2,000 more runs awaiting approval
// (which have no run log yet). Prints the latency of the query alone, median and p95 of 200 (elapsed time:
// other processes on a shared machine inflate it).
import { sqlClient } from '../persistence/connect.ts';
import { ADMIN_URL, scratchDatabase } from './lib.ts';
import { customerHistory } from '../persistence/history.ts';

const N = Number(process.env.BENCH_HISTORY_RUNS ?? 50_000);
const CUSTOMERS = 40;
// A scratch database, migrated, with the sample mirror (bench/lib.ts).
const a = sqlClient(ADMIN_URL, 1);
const { name, url } = await scratchDatabase(a);
const sql = sqlClient(url, 2);
try {
  const now = new Date('2026-11-20T12:00:00Z');
  // Runs: decided approved (with verify results), rejected, expired, blocked; every fifth approval corrected.
  await sql`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at)
    SELECT 'customer_invoice_dispute', 'bulk-' || g, 1, (ARRAY['completed','rejected','expired','blocked','verifying'])[1 + g % 5],
      '"done"', '{}', '{}', CASE WHEN g <= 3 THEN 2000 ELSE 1001 + g % ${CUSTOMERS} END, 'bench', 8, ${now}::timestamptz - (${N} - g) * interval '1 minute', ${now}
    FROM generate_series(1, ${N}) g`;
  await sql`
    INSERT INTO workflow_run_log (run_id, customer_id, workflow_type, status, started_at, completed_at, duration_ms, steps_total, steps_succeeded, steps_failed, steps_skipped, summary_json)
    SELECT id, customer_id, workflow_type, CASE status WHEN 'verifying' THEN 'completed' ELSE status END, created_at, created_at, 0, 3, 3, 0, 0,
      jsonb_build_object('invoice_ref', 'INV-00' || (4000 + id % 500), 'reason_code', (ARRAY['PAID','PRC','DMG','QTY'])[1 + id % 4])
    FROM runs`;
  await sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at, decided_at, decided_by, decision_note)
    SELECT id, 'approval', 'workflow_customer_invoice_dispute', 'workflow_run', 'run_' || id, '{}',
      CASE status WHEN 'rejected' THEN 'rejected' WHEN 'expired' THEN 'expired' ELSE 'approved' END, created_at, created_at, 'mike', 'ok'
    FROM runs WHERE status <> 'blocked'`;
  await sql`
    INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at)
    SELECT id, run_id, status, decided_by, decision_note, 'x', decided_at FROM proposed_actions`;
  await sql`
    INSERT INTO corrections (run_id, proposed_action_id, field, from_value, to_value, corrected_by, corrected_at)
    SELECT run_id, id, 'reason_code', '"PAID"', '"DSC"', 'mike', decided_at FROM proposed_actions WHERE status = 'approved' AND run_id % 5 = 0`;
  await sql`
    INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, created_at)
    SELECT r.id, c.name, 'select 1', '{}', CASE r.status WHEN 'verifying' THEN 'pending' ELSE 'pass' END, r.created_at, r.created_at
    FROM runs r, (VALUES ('response_drafted'), ('response_sent')) c(name) WHERE r.status IN ('completed', 'verifying')`;
  // Then 2,000 newer runs of customer 1017 awaiting approval, each with its envelope: open runs have no run
  // log, and the history must not walk them (migration 0011).
  await sql`
    WITH open AS (
      INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, customer_id, invoked_by, event_count, created_at, updated_at)
      SELECT 'customer_invoice_dispute', 'open-' || g, 1, 'awaiting_approval', '"awaitingApproval"', '{}', '{}', 1017, 'bench', 1, ${now}, ${now}
      FROM generate_series(1, 2000) g
      RETURNING id, created_at)
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
    SELECT id, 'approval', 'workflow_customer_invoice_dispute', 'workflow_run', 'run_' || id, '{}', 'pending', created_at FROM open`;
  await sql`ANALYZE`;

  const q = { customer_id: 1017, workflow_type: 'customer_invoice_dispute', exclude_run_id: N };
  // A customer with three runs, all among the oldest, and one with none: their latency shows whether the query walks every run.
  const rare = { ...q, customer_id: 2000 };
  const none = { ...q, customer_id: 3000 };
  const latency = async (label: string, pick: (i: number) => typeof q) => {
    const rows = await customerHistory(sql, pick(0));
    const ms: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await customerHistory(sql, pick(i));
      ms.push(performance.now() - t);
    }
    ms.sort((x, y) => x - y);
    console.log(`${label}: ${rows.length} entries, p50 ${ms[100]!.toFixed(2)} ms, p95 ${ms[190]!.toFixed(2)} ms (200 queries, one connection)`);
  };
  console.log(`history query over ${N} finished runs of ${CUSTOMERS} customers:`);
  await latency('busy customers', (i) => ({ ...q, customer_id: 1001 + (i % CUSTOMERS) }));
  await latency('the busy customer with 2,000 runs awaiting approval', () => q);
  await latency('the customer with 3 old runs', () => rare);
  await latency('a customer with no runs', () => none);
} finally {
  await sql.end();
  await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await a.end();
}
