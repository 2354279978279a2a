// The fault suite's parts (tests/e2e/faults/): a seeded random source, a notification receiver that counts
// deliveries per idempotency key, a fleet of real product processes (HTTP servers and `--worker`s) that can
// be SIGKILLed and restarted, a driver that pushes runs through the HTTP API across whichever servers are
// up, and the checks, read from the database, that nothing was lost and nothing was done twice.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { isDatabaseUnavailable, type Sql } from '../../persistence/connect.ts';
import { sign } from '../../server/auth.ts';
import { EMAILS } from './fixtures.ts';
import { freePort, startProduct, type Child } from './process.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A whole number from the environment (the CI setting is the default; `npm run test:faults` sets the full one). */
export function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got "${v}")`);
  return n;
}


/** FAULT_SEED, or a fresh one; printed, so a failing schedule can be run again. */
export function faultSeed(label: string): number {
  const seed = process.env.FAULT_SEED ? envNumber('FAULT_SEED', 0) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[faults:${label}] seed ${seed} (set FAULT_SEED=${seed} to run the same schedule again)`);
  return seed;
}

export function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Waits until `cond` holds, polling; fails with `why()` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, why: () => string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${why()}`);
    await sleep(pollMs);
  }
}

/** Runs `fn`, failing with `what()` (where it got to) if it has not ended after `ms`. */
export async function withDeadline<T>(ms: number, what: () => string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not done after ${ms} ms: ${what()}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ── The receiver of NOTIFY_WEBHOOK_URL ──────────────────────────────────────────────────────────────

export interface Delivery {
  body: string;
  signed: boolean;
  attempt: string | null;
}

export interface Receiver {
  url: string;
  /** Every delivery received, by its Idempotency-Key. */
  deliveries: Map<string, Delivery[]>;
  total(): number;
  close(): Promise<void>;
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const deliveries = new Map<string, Delivery[]>();
  let total = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const key = String(req.headers['idempotency-key'] ?? '');
      const list = deliveries.get(key) ?? [];
      list.push({ body, signed: req.headers['x-signature'] === sign(secret, body), attempt: (req.headers['x-delivery-attempt'] as string) ?? null });
      deliveries.set(key, list);
      total++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ledger-events`,
    deliveries,
    total: () => total,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ── The fleet of product processes ──────────────────────────────────────────────────────────────────

export type Kind = 'server' | 'worker';

export interface Slot {
  name: string;
  kind: Kind;
  port: number;
  child?: Child | undefined;
  up: boolean;
  killing: boolean;
  kills: number;
  starts: number;
}

export class Fleet {
  readonly slots: Slot[] = [];
  /** Processes that exited without being killed by the test: a crash (an unhandled rejection, say). */
  readonly crashes: string[] = [];

  private constructor(private readonly env: Record<string, string>) {}

  static async create(env: Record<string, string>, spec: { servers: number; workers: number }): Promise<Fleet> {
    const fleet = new Fleet(env);
    for (let i = 0; i < spec.servers; i++) fleet.slots.push(newSlot(`server-${i + 1}`, 'server', await freePort()));
    for (let i = 0; i < spec.workers; i++) fleet.slots.push(newSlot(`worker-${i + 1}`, 'worker', 0));
    return fleet;
  }

  /** One after the other: the first server migrates and loads the sample mirror into an empty database. */
  async startAll(): Promise<void> {
    for (const s of this.slots) await this.start(s);
  }

  async start(slot: Slot): Promise<void> {
    // A worker says it is up in an info line (startProduct waits for it); servers answer /readyz.
    const env = { ...this.env, ...(slot.kind === 'server' ? { PORT: String(slot.port) } : { LOG_LEVEL: 'info' }) };
    const child = await startProduct(env, slot.kind === 'worker' ? ['--worker'] : []);
    slot.child = child;
    slot.up = true;
    slot.killing = false;
    slot.starts++;
    void child.exited.then((code) => {
      if (slot.child === child && !slot.killing) {
        slot.up = false;
        this.crashes.push(`${slot.name} exited with code ${code} without being killed:\n${tail(child.output())}`);
      }
    });
  }

  async kill(slot: Slot): Promise<void> {
    const child = slot.child!;
    slot.killing = true;
    slot.up = false;
    child.proc.kill('SIGKILL');
    await child.exited;
    slot.kills++;
  }

  servers(): Slot[] {
    return this.slots.filter((s) => s.kind === 'server');
  }

  liveServers(): Slot[] {
    return this.servers().filter((s) => s.up);
  }

  of(kind: Kind): Slot[] {
    return this.slots.filter((s) => s.kind === kind);
  }

  assertNoCrash(): void {
    if (this.crashes.length) throw new Error(`a product process crashed:\n${this.crashes.join('\n\n')}`);
  }

  /** SIGTERM to every process; returns each exit code (0 is a clean shutdown). */
  async stopAll(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {};
    await Promise.all(
      this.slots.map(async (s) => {
        if (!s.child || !s.up) return;
        s.killing = true;
        s.child.proc.kill('SIGTERM');
        codes[s.name] = await s.child.exited;
        s.up = false;
      }),
    );
    return codes;
  }

  /** afterAll: nothing may outlive the test. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.child && s.child.proc.exitCode === null && s.child.proc.signalCode === null) {
          s.killing = true;
          s.child.proc.kill('SIGKILL');
          await s.child.exited;
        }
      }),
    );
  }

  outputs(): string {
    return this.slots.map((s) => `── ${s.name} (${s.up ? 'up' : 'down'}, ${s.kills} kill(s))\n${tail(s.child?.output() ?? '')}`).join('\n');
  }

  kills(kind: Kind): number {
    return this.of(kind).reduce((n, s) => n + s.kills, 0);
  }
}

function newSlot(name: string, kind: Kind, port: number): Slot {
  return { name, kind, port, up: false, killing: false, kills: 0, starts: 0 };
}

function tail(s: string, n = 4000): string {
  return s.length > n ? '…' + s.slice(-n) : s;
}

// ── The driver ─────────────────────────────────────────────────────────────────────────────────────

/**
 * What the driver does with a run after the signed triage event:
 * approve the envelope (→ fan-out → post → verifying → completed), reject it, let its approval window run
 * out (the timer scheduler ends it `expired`), or race an approval against the expiry.
 */
export type Plan = 'approve' | 'reject' | 'expire' | 'race';

export interface RunRecord {
  i: number;
  uuid: string;
  plan: Plan;
  /** The triage event is posted to two servers at once (a redelivery racing the first delivery). */
  redeliver: boolean;
  runId?: number;
  /** The HTTP status the decision finally answered (200, or 409 after an earlier attempt's answer was lost). */
  decisionStatus?: number;
  decisionAttempts?: number;
}

export function planRuns(n: number, rand: () => number, prefix: string): RunRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const r = rand();
    const plan: Plan = r < 0.7 ? 'approve' : r < 0.8 ? 'reject' : r < 0.9 ? 'expire' : 'race';
    return { i, uuid: `${prefix}-${i}`, plan, redeliver: rand() < 0.1 };
  });
}

export interface DriverStats {
  /** The longest single attempt that got an answer, and what it was. */
  slowest: { ms: number; what: string };
  requests: number;
  attempts: number;
  networkErrors: number;
  unavailable: number;
  /** Answers the product must never give, even under faults: 5xx other than 503 database_unavailable, hangs. */
  anomalies: string[];
  /** Decisions answered 404 for an envelope that had been listed (seen only around a PostgreSQL restart). */
  notFound: string[];
}

/** No answer within this is a hang (generous: the machine running the suite may be busy). */
const ATTEMPT_TIMEOUT_MS = 30_000;
const REQUEST_DEADLINE_MS = 120_000;

export class Driver {
  readonly stats: DriverStats = { slowest: { ms: 0, what: '' }, requests: 0, attempts: 0, networkErrors: 0, unavailable: 0, anomalies: [], notFound: [] };
  started = 0;
  done = 0;
  private readonly auth: Record<string, string>;

  constructor(
    private readonly o: { fleet: Fleet; sql: Sql; secret: string; token: string; rand: () => number },
  ) {
    this.auth = { authorization: `Bearer ${o.token}`, accept: 'application/json' };
  }

  /**
   * One logical request: sent to a live server (or the one given), and sent again through refused
   * connections, servers killed mid-request and 503 database_unavailable, until it gets an answer in `accept`.
   */
  async call(
    method: string,
    path: string,
    body: string | undefined,
    opts: { accept: number[]; signed?: boolean; server?: Slot },
  ): Promise<{ status: number; json: any; attempts: number }> {
    this.stats.requests++;
    const deadline = Date.now() + REQUEST_DEADLINE_MS;
    let attempts = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer in ${opts.accept.join('/')} within ${REQUEST_DEADLINE_MS} ms`);
      const live = this.o.fleet.liveServers();
      const server = opts.server?.up ? opts.server : live[Math.floor(this.o.rand() * live.length)];
      if (!server) {
        await sleep(50);
        continue;
      }
      attempts++;
      this.stats.attempts++;
      const headers: Record<string, string> = { ...this.auth };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (opts.signed) headers['x-signature'] = sign(this.o.secret, body ?? '');
      let res: Response;
      let text: string;
      const sent = Date.now();
      try {
        res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers, body, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
        text = await res.text();
        if (Date.now() - sent > this.stats.slowest.ms) this.stats.slowest = { ms: Date.now() - sent, what: `${method} ${path} → ${res.status}` };
      } catch (err) {
        this.stats.networkErrors++;
        if ((err as Error).name === 'TimeoutError') this.stats.anomalies.push(`${new Date().toISOString()} ${method} ${path} on ${server.name}: no answer within ${ATTEMPT_TIMEOUT_MS} ms`);
        await sleep(20 + this.o.rand() * 80);
        continue;
      }
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        this.stats.anomalies.push(`${method} ${path} on ${server.name}: ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
        await sleep(50);
        continue;
      }
      if (res.status === 503 && json?.error?.code === 'database_unavailable') {
        this.stats.unavailable++;
        await sleep(100 + this.o.rand() * 200);
        continue;
      }
      if (res.status >= 500) {
        this.stats.anomalies.push(`${method} ${path} on ${server.name}: ${res.status} ${text.slice(0, 300)}`);
        await sleep(50);
        continue;
      }
      if (!opts.accept.includes(res.status)) throw new Error(`${method} ${path} on ${server.name} answered ${res.status} (expected ${opts.accept.join('/')}): ${text.slice(0, 500)}`);
      return { status: res.status, json, attempts };
    }
  }

  /** A statement of the test's own (moving a run's time forward), repeated while the database is down. */
  async db<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + REQUEST_DEADLINE_MS;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isDatabaseUnavailable(err) || Date.now() > deadline) throw new Error(`${what}: ${String(err)}`);
        await sleep(100);
      }
    }
  }

  /** Pushes one run through the API as its plan says. */
  async drive(rec: RunRecord): Promise<void> {
    const e = EMAILS[rec.i % EMAILS.length]!;
    const body = JSON.stringify({
      email_uuid: rec.uuid,
      reason_text: e.subject,
      email: { from: e.from, to: e.to, subject: e.subject, body: e.body, received_at: e.received_at },
    });
    const triage = (server?: Slot) => this.call('POST', '/webhooks/triage', body, { signed: true, accept: [200, 202], ...(server ? { server } : {}) });
    const live = this.o.fleet.liveServers();
    const answers = rec.redeliver && live.length >= 2 ? await Promise.all([triage(live[0]), triage(live[1])]) : [await triage()];
    const ids = new Set(answers.map((a) => a.json.run_id as number));
    if (ids.size !== 1) throw new Error(`email ${rec.uuid} was answered with two runs: ${[...ids].join(', ')}`);
    const runId = [...ids][0]!;
    rec.runId = runId;

    const q = `/proposed-actions?run_id=${runId}&action_type=workflow_customer_invoice_dispute`;
    const list = await this.call('GET', q, undefined, { accept: [200] });
    if (list.json.items.length !== 1) throw new Error(`run ${runId} has ${list.json.items.length} envelopes: ${JSON.stringify(list.json.items)}`);
    const envelope = list.json.items[0].id as number;

    if (rec.plan === 'expire' || rec.plan === 'race') await this.ageApprovalWindow(runId);
    if (rec.plan === 'expire') return;
    const verb = rec.plan === 'reject' ? 'reject' : 'approve';
    const decisionBody = JSON.stringify(verb === 'reject' ? { reason: 'fault suite: rejected' } : { note: 'fault suite' });
    // 409: an earlier attempt was applied and its answer lost with a killed process or connection (or, in
    // a race, the expiry came first). The database says which; the checks read it.
    let decided = await this.call('POST', `/proposed-actions/${envelope}/${verb}`, decisionBody, { accept: [200, 404, 409] });
    // An envelope listed a moment ago answered 404: seen only while PostgreSQL restarts (an open bug, reported
    // by the suite, not hidden). The decision is repeated; a 404 that persists fails the run.
    for (let k = 0; decided.status === 404 && k < 20; k++) {
      this.stats.notFound.push(`${new Date().toISOString()} POST /proposed-actions/${envelope}/${verb}`);
      await sleep(250);
      decided = await this.call('POST', `/proposed-actions/${envelope}/${verb}`, decisionBody, { accept: [200, 404, 409] });
    }
    if (decided.status === 404) throw new Error(`proposed action ${envelope} of run ${runId} stays not found after it was listed`);
    rec.decisionStatus = decided.status;
    rec.decisionAttempts = decided.attempts;
  }

  /** Runs the records with `concurrency` drivers; `gate(i)` may hold back run i (the fault schedule's pace). */
  async runAll(records: RunRecord[], concurrency: number, gate?: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= records.length) return;
          await gate?.(i);
          this.started++;
          await this.drive(records[i]!);
          this.done++;
        }
      }),
    );
  }

  /**
   * Time lives in PostgreSQL: a run's approval window is a row in `timers`. Moving its due time to now is
   * the 60 minutes passing for that run; the timer schedulers of the product processes fire it.
   */
  private ageApprovalWindow(runId: number) {
    return this.db(`age the approval window of run ${runId}`, () =>
      this.o.sql`UPDATE timers SET due_at = now() - interval '1 second' WHERE run_id = ${runId} AND name = 'approval_window'`,
    );
  }

  /**
   * Every second or so, until stopped: the 30-second window of every pending verify check passes
   * (`workflow_verify_results.due_at` set to now), and a live server is asked to run the due checks
   * (POST /admin/verify/run). Between two rounds the product's own cron (every minute) may take some.
   * Ageing only here keeps each call to what was due when it started: that endpoint runs checks until none
   * is due, and would chase the driver's approvals for as long as they come.
   */
  verifyPump(): { stop(): Promise<void>; calls(): number; checked(): number; slowest(): string } {
    let stopped = false;
    let calls = 0;
    let checked = 0;
    let slowest = { ms: 0, checked: 0 };
    const loop = (async () => {
      while (!stopped) {
        await sleep(500 + this.o.rand() * 1000);
        if (stopped) break;
        await this.db('age the pending verify checks', () =>
          this.o.sql`UPDATE workflow_verify_results SET due_at = now() - interval '1 second' WHERE status = 'pending' AND due_at > now()`,
        );
        const t = Date.now();
        const res = await this.call('POST', '/admin/verify/run', '{}', { accept: [200] });
        calls++;
        checked += res.json.checked as number;
        if (Date.now() - t > slowest.ms) slowest = { ms: Date.now() - t, checked: res.json.checked };
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
      calls: () => calls,
      checked: () => checked,
      slowest: () => `${slowest.ms} ms for ${slowest.checked} check(s)`,
    };
  }
}

// ── Waiting for the end, and the checks ───────────────────────────────────────────────────────────────

const FINAL = ['completed', 'partial', 'failed', 'rejected', 'expired', 'blocked'];

export interface Backlog {
  open: number;
  outbox: number;
  verify: number;
  timers: number;
}

export async function backlog(sql: Sql): Promise<Backlog> {
  const [b] = await sql<Backlog[]>`
    SELECT (SELECT count(*) FROM runs WHERE NOT (status = ANY(${FINAL})))::int AS open,
           (SELECT count(*) FROM outbox WHERE status = 'pending')::int AS outbox,
           (SELECT count(*) FROM workflow_verify_results WHERE status = 'pending')::int AS verify,
           (SELECT count(*) FROM timers)::int AS timers`;
  return b!;
}

/**
 * Waits until every run is final, every verify check ran, every outbox row was delivered and no timer is
 * left. Once only outbox rows are left, their time moves on too: a row leased by a process killed
 * mid-delivery (or whose "delivered" mark was lost with the database) waits out a 30 s lease; its
 * next_attempt_at is set to now, and a dispatcher must lease and deliver it again. Returns how many rows
 * were aged so.
 */
export async function settle(sql: Sql, ms: number, context: () => string): Promise<number> {
  let last: Backlog | undefined;
  let aged = 0;
  let lastAged = Date.now();
  await until(
    async () => {
      last = await backlog(sql);
      if (last.open + last.verify + last.timers === 0 && last.outbox > 0 && Date.now() - lastAged > 2000) {
        lastAged = Date.now();
        aged += (await sql`UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending' AND next_attempt_at > now()`).count;
      }
      return last.open + last.outbox + last.verify + last.timers === 0;
    },
    ms,
    () => `still open: ${JSON.stringify(last)}\n${context()}`,
    250,
  );
  return aged;
}

export interface Figures {
  runs: number;
  plans: Record<Plan, number>;
  statuses: Record<string, number>;
  deliveries: number;
  duplicate_deliveries: number;
  redelivered_keys: number;
}

/**
 * Everything the runs should have written, counted from the database: one run per email, one envelope and
 * one decision, one of each fan-out proposal when approved, one run log, reflexion entry and ledger event
 * per run ending, a contiguous journal, no timers left, no alerts; and every ledger event's outbox row
 * delivered to the receiver under its idempotency key (more than once only with the same key and body).
 */
export async function checkExactlyOnce(sql: Sql, records: RunRecord[], receiver: Receiver): Promise<Figures> {
  const rows = await sql<Record<string, any>[]>`
    SELECT r.id, r.email_uuid, r.status, r.event_count,
      (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'workflow_customer_invoice_dispute')::int AS envelopes,
      (SELECT string_agg(p.status, ',') FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'workflow_customer_invoice_dispute') AS envelope_status,
      (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'customer_email')::int AS emails,
      (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'customer_escalation')::int AS escalations,
      (SELECT count(*) FROM proposed_actions p WHERE p.run_id = r.id AND p.action_type = 'ar_hold_review')::int AS holds,
      (r.snapshot->'context'->>'prior_disputes')::int AS prior,
      (SELECT count(*) FROM approval_decisions d WHERE d.run_id = r.id)::int AS decisions,
      (SELECT string_agg(d.decision, ',') FROM approval_decisions d WHERE d.run_id = r.id) AS decision,
      (SELECT count(*) FROM workflow_run_log l WHERE l.run_id = r.id)::int AS logs,
      (SELECT string_agg(l.status, ',') FROM workflow_run_log l WHERE l.run_id = r.id) AS log_status,
      (SELECT count(*) FROM reflexion_log l WHERE l.run_id = r.id)::int AS reflexions,
      (SELECT count(*) FROM event_ledger l WHERE l.run_id = r.id AND l.event_type <> 'workflow.verified')::int AS ledger,
      (SELECT string_agg(l.event_type, ',') FROM event_ledger l WHERE l.run_id = r.id AND l.event_type <> 'workflow.verified') AS ledger_type,
      (SELECT count(*) FROM event_ledger l WHERE l.run_id = r.id AND l.event_type = 'workflow.verified')::int AS verified_events,
      (SELECT count(*) FROM workflow_verify_results v WHERE v.run_id = r.id)::int AS verifies,
      (SELECT string_agg(v.status, ',') FROM workflow_verify_results v WHERE v.run_id = r.id) AS verify_status,
      (SELECT string_agg(coalesce(v.detail->>'message', '-'), ',') FROM workflow_verify_results v WHERE v.run_id = r.id) AS verify_detail,
      (SELECT count(*) FROM timers t WHERE t.run_id = r.id)::int AS timers,
      (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id)::int AS journal,
      (SELECT coalesce(min(j.seq), -1) FROM run_journal j WHERE j.run_id = r.id)::int AS seq_min,
      (SELECT coalesce(max(j.seq), -1) FROM run_journal j WHERE j.run_id = r.id)::int AS seq_max,
      (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'APPROVE')::int AS approvals,
      (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'REJECT')::int AS rejections,
      (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'APPROVAL_EXPIRED')::int AS expiries,
      (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id AND j.event->>'type' = 'VERIFY_RESULT')::int AS verify_events
    FROM runs r ORDER BY r.id`;

  // Exactly one run per email, and no run the driver did not start.
  expect(rows.length, 'runs in the database').toBe(records.length);
  const byUuid = new Map(rows.map((r) => [r.email_uuid as string, r]));
  expect(byUuid.size, 'distinct email_uuid').toBe(records.length);

  const statuses: Record<string, number> = {};
  for (const rec of records) {
    const r = byUuid.get(rec.uuid);
    expect(r, `no run for ${rec.uuid}`).toBeDefined();
    expect(r!.id, `run of ${rec.uuid}`).toBe(rec.runId);
    statuses[r!.status] = (statuses[r!.status] ?? 0) + 1;
    const where =
      `run ${r!.id} (${rec.uuid}, plan ${rec.plan}, decision answered ${rec.decisionStatus ?? '-'} after ${rec.decisionAttempts ?? 0} attempt(s), ` +
      `status ${r!.status}, verify ${r!.verify_status ?? '-'}: ${r!.verify_detail ?? '-'})`;
    // Common to every run: one envelope and one decision, one run log, one reflexion entry and one ledger
    // event for its ending (and one workflow.verified per check that ran), a journal 0..n-1 without gaps or
    // repeats, no timer left.
    expect(r!.verified_events, where).toBe((r!.verify_status ?? '').split(',').filter((x: string) => x && x !== 'pending').length);
    expect(r, where).toMatchObject({
      envelopes: 1, decisions: 1, logs: 1, reflexions: 1, ledger: 1, timers: 0,
      journal: r!.event_count, seq_min: 0, seq_max: r!.event_count - 1,
      log_status: r!.status, ledger_type: `workflow.${r!.status}`,
    });
    const approved = {
      status: 'completed', decision: 'approved', envelope_status: 'approved', emails: 1, escalations: 1, holds: r!.prior >= 2 ? 1 : 0,
      verifies: 1, verify_status: 'pass', verify_events: 1, approvals: 1, rejections: 0, expiries: 0,
    };
    const nothingStaged = { emails: 0, escalations: 0, holds: 0, verifies: 0, verify_events: 0, approvals: 0 };
    const expired = { status: 'expired', decision: 'expired', envelope_status: 'expired', ...nothingStaged, rejections: 0, expiries: 1 };
    if (rec.plan === 'approve') {
      expect(r, where).toMatchObject(approved);
      if (rec.decisionStatus === 409) expect(rec.decisionAttempts, `${where}: 409 on the first attempt`).toBeGreaterThan(1);
    } else if (rec.plan === 'reject') {
      expect(r, where).toMatchObject({ status: 'rejected', decision: 'rejected', envelope_status: 'rejected', ...nothingStaged, rejections: 1, expiries: 0 });
    } else if (rec.plan === 'expire') {
      expect(r, where).toMatchObject(expired);
    } else {
      // The approval raced the expiry: exactly one of them won, and an approval that answered 200 won.
      expect(r, where).toMatchObject(r!.decision === 'approved' ? approved : expired);
      if (rec.decisionStatus === 200) expect(r!.decision, where).toBe('approved');
    }
  }
  const [left] = await sql`SELECT (SELECT count(*) FROM timers)::int AS timers, (SELECT count(*) FROM alerts)::int AS alerts`;
  expect(left, 'timers and alerts left in the database').toEqual({ timers: 0, alerts: 0 });

  // Every ledger event has its outbox row, delivered; the receiver got every key, with the row's body,
  // signed; repeats (a process killed between delivering and recording it) carry the same key and body.
  const outbox = await sql<Record<string, any>[]>`
    SELECT l.idempotency_key AS ledger_key, o.idempotency_key, o.status, o.attempts, o.payload
    FROM event_ledger l FULL JOIN outbox o ON o.idempotency_key = 'notify:' || l.idempotency_key ORDER BY l.id`;
  // One ledger event per run ending, plus one workflow.verified per check that ran.
  const verifiedEvents = rows.reduce((n, r) => n + Number(r.verified_events), 0);
  expect(outbox.length, 'outbox rows').toBe(records.length + verifiedEvents);
  let duplicates = 0;
  let redeliveredKeys = 0;
  for (const o of outbox) {
    expect(o, `outbox row of ledger event ${o.ledger_key}`).toMatchObject({ ledger_key: expect.any(String), idempotency_key: `notify:${o.ledger_key}`, status: 'delivered' });
    const got = receiver.deliveries.get(o.idempotency_key) ?? [];
    expect(got.length, `deliveries of ${o.idempotency_key} at the receiver`).toBeGreaterThanOrEqual(1);
    for (const d of got) {
      expect(d.signed, `signature of a delivery of ${o.idempotency_key}`).toBe(true);
      expect(JSON.parse(d.body), `body of a delivery of ${o.idempotency_key}`).toEqual(o.payload.body);
    }
    duplicates += got.length - 1;
    if (got.length > 1) redeliveredKeys++;
  }
  const known = new Set(outbox.map((o) => o.idempotency_key as string));
  const strangers = [...receiver.deliveries.keys()].filter((k) => !known.has(k));
  expect(strangers, 'deliveries whose key is no outbox row').toEqual([]);

  const plans = { approve: 0, reject: 0, expire: 0, race: 0 } as Record<Plan, number>;
  for (const r of records) plans[r.plan]++;
  return { runs: records.length, plans, statuses, deliveries: receiver.total(), duplicate_deliveries: duplicates, redelivered_keys: redeliveredKeys };
}
