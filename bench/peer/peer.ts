// The peer: the same workflow shape as a dispute run, on DBOS Transact (@dbos-inc/dbos-sdk), against the
// same PostgreSQL. Three context queries against the mirror tables (the contract's invoice, recent
// payments and prior disputes), staging the approval envelope, an approval wait (DBOS.recv), the three
// fan-out writes and the post writes (run log and ledger event), each a checkpointed step. DBOS keeps its
// checkpoints in a system database of its own (BENCH_DB_NAME + "_dbos_sys"); the steps write to tables of
// their own in the bench database. A child of bench/run.ts: prints one JSON line.
//
// Phases as ours: start → waiting for approval (the time from startWorkflow until the workflow reaches
// recv, reported in-process), then send(approval) → done (until getResult). Commits are counted in both
// databases, in a second pass of as many workflows after the timed one (bench/lib.ts commitsPerPhase).
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { CONTRACT } from '../../machines/contract.ts';
import { sqlClient } from '../../persistence/connect.ts';
import { ADMIN_URL, WARMUP, analyzeAfterWarmup, commitsPerPhase, databaseCpuTally, thisProcessCpu, timed, type PreparedPhase, drive, phase, urlOf } from '../lib.ts';

const appUrl = process.env.BENCH_DB_URL!;
const name = process.env.BENCH_DB_NAME!;
const sysName = `${name}_dbos_sys`;
const N = Number(process.env.BENCH_RUNS ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const Q = CONTRACT.context_queries;

const pool = new pg.Pool({ connectionString: appUrl, max: C + 2 });
const q = async (text: string, params: unknown[]) => (await pool.query(text, params)).rows as Record<string, unknown>[];
const now = new Date('2026-11-20T12:00:00Z');
/** In-process only (not durable): resolves when workflow <id> reaches its approval wait. */
const waiting = new Map<string, () => void>();
type Phase = PreparedPhase<Awaited<ReturnType<typeof drive>>>;

async function disputeWorkflow(i: number): Promise<string> {
  const invoice = await DBOS.runStep(() => q(Q.invoice.text, ['INV-004143', null]), { name: 'invoice' });
  const customerId = Number(invoice[0]?.entity ?? 0);
  const payments = await DBOS.runStep(() => q(Q.recent_payments.text, [customerId, now]), { name: 'recent_payments' });
  const prior = await DBOS.runStep(() => q(Q.prior_disputes.text, [customerId]), { name: 'prior_disputes' });
  const priorCount = Number(prior[0]?.count ?? 0);
  const envelope = { invoice: invoice[0] ?? null, payments: payments.length, prior_disputes: priorCount };
  await DBOS.runStep(() => q('INSERT INTO peer_proposals (workflow_id, step, payload) VALUES ($1, $2, $3)', [DBOS.workflowID, 'approval', envelope]), { name: 'stage' });
  waiting.get(DBOS.workflowID!)?.();
  const decision = await DBOS.recv<{ approve: boolean }>('approval', 3600);
  if (!decision?.approve) return 'rejected';
  for (const step of ['draftResponse', 'escalate', 'arHoldDecision']) {
    await DBOS.runStep(() => q('INSERT INTO peer_proposals (workflow_id, step, payload) VALUES ($1, $2, $3)', [DBOS.workflowID, step, { i, customer_id: customerId }]), { name: step });
  }
  await DBOS.runStep(async () => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('INSERT INTO peer_run_log (workflow_id, status, summary) VALUES ($1, $2, $3)', [DBOS.workflowID, 'verifying', { steps: 3 }]);
      await c.query('INSERT INTO peer_ledger (idempotency_key, payload) VALUES ($1, $2)', [`${DBOS.workflowID}:posted`, { i }]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  }, { name: 'post' });
  return 'done';
}
const dispute = DBOS.registerWorkflow(disputeWorkflow, { name: 'dispute' });

const admin = sqlClient(ADMIN_URL, 1);
try {
  await q(`CREATE TABLE IF NOT EXISTS peer_proposals (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, workflow_id text NOT NULL, step text NOT NULL, payload jsonb NOT NULL, UNIQUE (workflow_id, step));
           CREATE TABLE IF NOT EXISTS peer_run_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, workflow_id text NOT NULL UNIQUE, status text NOT NULL, summary jsonb NOT NULL);
           CREATE TABLE IF NOT EXISTS peer_ledger (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, idempotency_key text NOT NULL UNIQUE, payload jsonb NOT NULL)`, []);
  DBOS.setConfig({ name: 'disputeflow-peer', systemDatabaseUrl: urlOf(sysName), systemDatabasePoolSize: C + 2, logLevel: 'error' });
  await DBOS.launch();
  const dbs = [name, sysName];
  const handles: Awaited<ReturnType<ReturnType<typeof DBOS.startWorkflow<[number], string>>>>[] = [];
  const startAt = (prefix: string, into: typeof handles) => async (i: number) => {
    const id = `${prefix}-${i}`;
    const reached = new Promise<void>((resolve) => waiting.set(id, resolve));
    into[i] = await DBOS.startWorkflow(dispute, { workflowID: id })(i);
    await reached;
    waiting.delete(id);
  };
  const approveAt = (prefix: string, from: typeof handles) => async (i: number) => {
    await DBOS.send(`${prefix}-${i}`, { approve: true }, 'approval');
    const r = await from[i]!.getResult();
    if (r !== 'done') throw new Error(`${prefix}-${i} ended ${r}`);
  };
  // Warm-up, unmeasured, as ours: whole workflows first.
  const warm: typeof handles = [];
  await drive(WARMUP, C, startAt('warm', warm));
  await drive(WARMUP, C, approveAt('warm', warm));
  await analyzeAfterWarmup(dbs);
  // Each phase once, for both passes, as ours; `prefix` names the pass's workflows.
  const phases = (prefix: string, into: typeof handles): [Phase, Phase] => [
    async () => () => drive(N, C, startAt(prefix, into)),
    async () => () => drive(N, C, approveAt(prefix, into)),
  ];
  // The timed pass: start and approve back to back, as ours.
  const db = databaseCpuTally();
  const cpu = thisProcessCpu(db);
  const [startPhase, approvePhase] = phases('peer', handles);
  const { run: start, used: cpuStart } = await timed(startPhase, cpu);
  const { run: approve, used: cpuApprove } = await timed(approvePhase, cpu);
  const [{ n }] = (await q("SELECT count(*)::int AS n FROM peer_run_log WHERE workflow_id LIKE 'peer-%'", [])) as [{ n: number }];
  // The counted pass, as ours: as many workflows again, each phase between quiet waits (commits per run).
  const [cStart, cApprove] = await commitsPerPhase(admin, dbs, phases('counted', []));
  console.log(JSON.stringify({
    system: 'dbos', version: '5.3.0', runs: N, concurrency: C, completed: n,
    start: phase(N, start, cStart),
    approve: phase(N, approve, cApprove),
    end_to_end: { runs_per_s: Math.round(N / ((start.ms + approve.ms) / 1000)), commits_per_run: cStart == null || cApprove == null ? null : +((cStart + cApprove) / N).toFixed(2) },
    cpu_ms_per_run: +((cpuStart + cpuApprove) / N).toFixed(2),
    db_cpu_ms_per_run: db.perRun(N),
  }));
} finally {
  await DBOS.shutdown();
  await pool.end();
  await admin.end();
}
