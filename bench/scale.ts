// npm run bench:scale — the product with a million runs in its database (issue 13, "scale with data").
// Loads BENCH_SCALE_RUNS (1,000,000) runs into a scratch database in bulk: two real runs made by the
// engine (one awaiting approval, one completed) are copied with generate_series, every copy with its
// template's journal, proposed actions, decisions, timers, verify results, ledger events, logs and outbox
// rows; one run in ten waits for approval (100,000 at the default). Then starts the real server
// (server/main.ts, with its timer and verify schedulers) against it and measures over HTTP: GET /runs with
// its counts and filters, GET /proposed-actions?status=pending (and ?include=run), a run page, what the
// inspector loads; the server's RSS; and the schedulers' lag (timers and verify checks made due, then the
// time from due to applied, read from the journal and the check rows).
// BENCH_SCALE_RUNS, BENCH_SCALE_DB (reuse a loaded database: skips the load), BENCH_SCALE_KEEP=1 (keep it),
// BENCH_SCALE_SAMPLES (30 requests per figure), BENCH_SCALE_VERIFY_LAG=0 (skip the minute-long verify wait).
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { applyEvent, startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';
import { ADMIN_URL, nodeArgs, percentile, scratchDatabase, triageBody, urlOf, timeCalls } from './lib.ts';

const N = Number(process.env.BENCH_SCALE_RUNS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 30);
/** The verify schedule fires once a minute: measuring its lag waits for the next minute (skip: 0). */
const VERIFY_LAG = process.env.BENCH_SCALE_VERIFY_LAG !== '0';
const TOKEN = 'bench-token-0123456789';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';
const admin = sqlClient(ADMIN_URL, 1);
const reuse = process.env.BENCH_SCALE_DB;
const db = reuse ? { name: reuse, url: urlOf(reuse) } : await scratchDatabase(admin, 'disputeflow_bench_scale');
const sql = sqlClient(db.url, 4);
const secs = (t: number) => +((performance.now() - t) / 1000).toFixed(1);

/** Two real runs, then N - 2 copies of them with all their rows. Returns the seconds each table took. */
async function load(): Promise<Record<string, number>> {
  const clock = new ManualClock(new Date());
  const deps = { sql, clock, effects: effectRegistry() };
  const { run: waiting } = await startRun(deps, { ...triageBody(0, 'scale-template'), invoked_by: 'bench' });
  const { run: done } = await startRun(deps, { ...triageBody(1, 'scale-template'), invoked_by: 'bench' });
  const [env] = await sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${done.id} AND step = 'approval'`;
  await applyEvent(deps, done.id, { type: 'APPROVE', action_id: env!.id, by: 'bench', note: null, at: clock.now().toISOString() });
  clock.advance(31_000);
  await runDueChecks(deps);
  const A = waiting.id;
  const B = done.id;
  const took: Record<string, number> = {};
  const step = async (label: string, f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    took[label] = secs(t);
  };
  await sql`SET synchronous_commit = off`;
  // A bulk load, not the product's write path: the counts trigger is off while copying and the counts are
  // rebuilt from the rows at the end (in the product it runs per row, in the run's own transaction).
  await sql`ALTER TABLE runs DISABLE TRIGGER runs_status_counts`;
  // One run in ten waits for approval (a copy of A); the others are copies of B with statuses spread.
  // Copies get their ids here (B + g) so that their snapshots can carry them (context.input.run_id).
  await step('runs', () => sql`
    INSERT INTO runs (id, workflow_type, email_uuid, machine_version, status, state_value, snapshot, loaded, input, customer_id, invoked_by, event_count, created_at, updated_at)
    OVERRIDING SYSTEM VALUE
    SELECT ${B}::bigint + g, t.workflow_type, 'scale-' || g, t.machine_version,
      CASE WHEN g % 10 = 0 THEN t.status ELSE (ARRAY['completed','completed','completed','partial','rejected','expired','blocked','failed','verifying'])[g % 10] END,
      t.state_value, jsonb_set(t.snapshot, '{context,input,run_id}', to_jsonb(${B}::bigint + g)), t.loaded, t.input, 1001 + g % 40, t.invoked_by, t.event_count,
      now() - (g % 2160) * interval '1 hour', now()
    FROM generate_series(1, ${N - 2}) g JOIN runs t ON t.id = CASE WHEN g % 10 = 0 THEN ${A}::bigint ELSE ${B}::bigint END`);
  await sql`SELECT setval(pg_get_serial_sequence('runs', 'id'), (SELECT max(id) FROM runs))`;
  await step('run_status_counts', async () => {
    await sql`DELETE FROM run_status_counts`;
    await sql`DELETE FROM run_status_deltas`;
    await sql`INSERT INTO run_status_counts (status, shard, n) SELECT status, (id % 32)::smallint, count(*) FROM runs GROUP BY 1, 2`;
    await sql`ALTER TABLE runs ENABLE TRIGGER runs_status_counts`;
  });
  // Each copy's template: A when it waits for approval, else B.
  const tpl = sql`CASE WHEN r.status = 'awaiting_approval' THEN ${A}::bigint ELSE ${B}::bigint END`;
  const copies = sql`r.id > ${B}`;
  await step('run_journal', () => sql`
    INSERT INTO run_journal (run_id, seq, event, state_before, state_after, effects, at)
    SELECT r.id, j.seq, j.event, j.state_before, j.state_after, j.effects, j.at FROM runs r JOIN run_journal j ON j.run_id = ${tpl} WHERE ${copies}`);
  await step('proposed_actions', () => sql`
    INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at, decided_at, decided_by, decision_note)
    SELECT r.id, p.step, p.action_type, p.entity_type, p.entity_ref,
      CASE WHEN p.payload ? 'run_id' THEN jsonb_set(p.payload, '{run_id}', to_jsonb(r.id)) ELSE p.payload END, p.status, p.proposed_at, p.decided_at, p.decided_by, p.decision_note
    FROM runs r JOIN proposed_actions p ON p.run_id = ${tpl} WHERE ${copies}`);
  // A waiting run's snapshot names its envelope (context.envelope_id): point the copies at their own.
  await step('envelope ids', () => sql`
    UPDATE runs r SET snapshot = jsonb_set(r.snapshot, '{context,envelope_id}', to_jsonb(p.id))
    FROM proposed_actions p WHERE p.run_id = r.id AND p.step = 'approval' AND r.status = 'awaiting_approval' AND r.id > ${B}`);
  await step('approval_decisions', () => sql`
    INSERT INTO approval_decisions (proposed_action_id, run_id, decision, decided_by, note, shown_sha256, decided_at)
    SELECT np.id, np.run_id, d.decision, d.decided_by, d.note, d.shown_sha256, d.decided_at
    FROM approval_decisions d JOIN proposed_actions tp ON tp.id = d.proposed_action_id
    JOIN runs r ON ${tpl} = tp.run_id AND ${copies}
    JOIN proposed_actions np ON np.run_id = r.id AND np.step = tp.step`);
  await step('timers', () => sql`
    INSERT INTO timers (run_id, name, event, due_at, created_at)
    SELECT r.id, t.name, t.event, t.due_at, t.created_at FROM runs r JOIN timers t ON t.run_id = ${tpl} WHERE ${copies}`);
  await step('workflow_verify_results', () => sql`
    INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, checked_at, detail, created_at)
    SELECT r.id, v.check_name, v.sql_check, v.params, v.status, v.due_at, v.checked_at, v.detail, v.created_at
    FROM runs r JOIN workflow_verify_results v ON v.run_id = ${tpl} WHERE ${copies}`);
  await step('event_ledger', () => sql`
    INSERT INTO event_ledger (event_type, idempotency_key, run_id, payload, created_at)
    SELECT e.event_type, e.idempotency_key || ':' || r.id, r.id, e.payload, e.created_at FROM runs r JOIN event_ledger e ON e.run_id = ${tpl} WHERE ${copies}`);
  await step('workflow_run_log', () => sql`
    INSERT INTO workflow_run_log (run_id, customer_id, workflow_type, status, started_at, completed_at, duration_ms, steps_total, steps_succeeded, steps_failed, steps_skipped, errors, summary_json)
    SELECT r.id, r.customer_id, l.workflow_type, l.status, l.started_at, l.completed_at, l.duration_ms, l.steps_total, l.steps_succeeded, l.steps_failed, l.steps_skipped, l.errors, l.summary_json
    FROM runs r JOIN workflow_run_log l ON l.run_id = ${tpl} WHERE ${copies}`);
  await step('reflexion_log', () => sql`
    INSERT INTO reflexion_log (run_id, workflow_type, narrative, tags, created_at)
    SELECT r.id, x.workflow_type, x.narrative, x.tags, x.created_at FROM runs r JOIN reflexion_log x ON x.run_id = ${tpl} WHERE ${copies}`);
  await step('outbox', () => sql`
    INSERT INTO outbox (run_id, kind, idempotency_key, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at)
    SELECT r.id, o.kind, o.idempotency_key || ':' || r.id, o.payload, CASE WHEN o.status = 'pending' THEN 'delivered' ELSE o.status END,
      o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.delivered_at
    FROM runs r JOIN outbox o ON o.run_id = ${tpl} WHERE ${copies} AND o.proposed_action_id IS NULL`);
  await step('vacuum analyze', () => sql`VACUUM ANALYZE`);
  return took;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);

let server: ReturnType<typeof spawn> | undefined;
try {
  const t0 = performance.now();
  const took = reuse ? null : await load();
  const loadSeconds = reuse ? null : secs(t0);
  const [size] = await sql<{ runs: number; journal: number; pending: number; bytes: string }[]>`
    SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM run_journal)::int AS journal,
           (SELECT count(*) FROM proposed_actions WHERE status = 'pending')::int AS pending,
           pg_size_pretty(pg_database_size(current_database())) AS bytes`;

  const port = await freePort();
  server = spawn(process.execPath, await nodeArgs('server/main.ts'), {
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      WEBHOOK_SECRET, APPROVER_TOKENS: `bench:${TOKEN}`, VERIFY_SCHEDULE: '* * * * *' },
    stdio: ['ignore', 'inherit', 'inherit'], // its warnings and errors show
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('the server did not start within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const rssIdle = rssMb(server.pid!);
  const get = async (path: string) => {
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const time = (path: string, n = SAMPLES) => timeCalls(() => get(path), n);
  const [waitingRun] = await sql<{ id: number }[]>`SELECT id FROM runs WHERE status = 'awaiting_approval' ORDER BY id DESC LIMIT 1 OFFSET ${Math.floor(size!.runs / 20)}`;
  const [doneRun] = await sql<{ id: number }[]>`SELECT id FROM runs WHERE status = 'completed' ORDER BY id LIMIT 1 OFFSET ${Math.floor(size!.runs / 7)}`;
  const latency: Record<string, unknown> = {
    'GET /runs (with counts)': await time('/runs?limit=50'),
    'GET /runs?status=expired': await time('/runs?status=expired&limit=50'),
    'GET /runs?customer_id=1017': await time('/runs?customer_id=1017&limit=50'),
    'GET /proposed-actions?status=pending': await time('/proposed-actions?status=pending&limit=200'),
    'GET /proposed-actions?status=pending&include=run': await time('/proposed-actions?status=pending&limit=200&include=run'),
    'GET /runs/:id (awaiting approval)': await time(`/runs/${waitingRun!.id}`),
    'GET /runs/:id (completed)': await time(`/runs/${doneRun!.id}`),
    'GET /api/machine (inspector)': await time('/api/machine'),
  };
  // The approvals page walks up to 1,000 pending proposals; do it a few times, then read the RSS.
  for (let k = 0; k < 3; k++) {
    let cursor: unknown = null;
    for (let i = 0; i < 5; i++) cursor = (await get(`/proposed-actions?status=pending&limit=200&include=run${cursor ? `&cursor=${cursor}` : ''}`)).next_cursor;
  }
  const rssAfter = rssMb(server.pid!);

  // Starts at this size: signed triage events, each a new email (the bench's, from customer 1002, who has one
  // fortieth of the copies: the context step reads the last of some 25,000 runs of theirs). The reader's model
  // is loaded by the first (timeCalls' untimed call): the RSS after them is what a server taking disputes holds.
  let started = 0;
  const triage = async () => {
    const raw = JSON.stringify(triageBody(started++, `scale-start-${Date.now()}`));
    const res = await fetch(`${base}/webhooks/triage`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}` } });
    if (res.status !== 202) throw new Error(`POST /webhooks/triage: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  latency['POST /webhooks/triage (a start)'] = await timeCalls(triage, SAMPLES);
  const rssStarts = rssMb(server.pid!);

  // Scheduler lag: 100 approval windows made due two seconds from now (lag: from due to applied), and 100
  // verify checks made due now (the verify schedule fires every minute here: lag from the next fire time).
  const K = 100;
  const dueAt = new Date(Date.now() + 2000);
  const tick = new Date(Math.ceil((Date.now() + 2000) / 60_000) * 60_000);
  const timed = await sql<{ run_id: number }[]>`
    UPDATE timers SET due_at = ${dueAt} WHERE id IN (
      SELECT t.id FROM timers t JOIN runs r ON r.id = t.run_id WHERE r.status = 'awaiting_approval' ORDER BY t.id LIMIT ${K})
    RETURNING run_id`;
  const checks = !VERIFY_LAG ? [] : await sql<{ id: number }[]>`
    UPDATE workflow_verify_results SET status = 'pending', checked_at = NULL, detail = NULL, due_at = ${dueAt}
    WHERE id IN (SELECT v.id FROM workflow_verify_results v JOIN runs r ON r.id = v.run_id WHERE r.status = 'verifying' ORDER BY v.id LIMIT ${K})
    RETURNING id`;
  const deadline = Date.now() + 90_000;
  const seconds = (ds: Date[], from: number) => {
    const xs = ds.map((d) => (d.getTime() - from) / 1000);
    return { first_s: +percentile(xs, 0).toFixed(2), p50_s: +percentile(xs, 50).toFixed(2), last_s: +percentile(xs, 100).toFixed(2) };
  };
  let lag: Record<string, unknown> = { timers: 'not all fired within 90 s', verify: 'not all checked within 90 s' };
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const fired = await sql<{ at: Date }[]>`
      SELECT at FROM run_journal WHERE run_id IN ${sql(timed.map((x) => x.run_id))} AND event->>'type' = 'APPROVAL_EXPIRED'`;
    const checked = checks.length === 0 ? [] : await sql<{ at: Date }[]>`
      SELECT checked_at AS at FROM workflow_verify_results WHERE id IN ${sql(checks.map((x) => x.id))} AND status <> 'pending'`;
    if (fired.length === timed.length && checked.length === checks.length) {
      // Timers: from due to applied. Verify checks run at the schedule's fire times: from the first one after due.
      lag = { timers: seconds(fired.map((r) => r.at), dueAt.getTime()), verify: VERIFY_LAG ? seconds(checked.map((r) => r.at), Math.max(tick.getTime(), dueAt.getTime())) : 'skipped (BENCH_SCALE_VERIFY_LAG=0)' };
      break;
    }
  }
  console.log(JSON.stringify({
    runs: size!.runs, journal_rows: size!.journal, pending_proposals: size!.pending, database: size!.bytes,
    load_seconds: loadSeconds, load_seconds_by_table: took,
    latency,
    server_rss_mb: { idle: rssIdle, after_reading_the_approvals_queue: rssAfter, after_starts: rssStarts },
    scheduler_lag: { due_together: { timers: timed.length, checks: checks.length }, ...lag },
  }, null, 2));
} finally {
  server?.kill('SIGTERM');
  await sql.end();
  if (!reuse && process.env.BENCH_SCALE_KEEP !== '1') await admin.unsafe(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
  else console.log(`kept the database ${db.name} (BENCH_SCALE_DB=${db.name} reuses it)`);
  await admin.end();
}
