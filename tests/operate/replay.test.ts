// What-if replay over real HTTP and a real database: a run's journal replayed through the current machine
// matches step by step; through a deliberately changed machine the first divergence is named; nothing is
// written either way.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disputeMachine } from '../../machines/dispute.ts';
import { runJournal } from '../../persistence/journal.ts';
import { replayJournal } from '../../runtime/replay.ts';
import { formatSummary, replayRuns } from '../../runtime/replayMany.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;
let approvedRun: number;
let rejectedRun: number;

async function start(uuid: string): Promise<number> {
  const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC', uuid));
  expect(res.status).toBe(202);
  return ((await res.json()) as { run_id: number }).run_id;
}
async function envelopeOf(runId: number): Promise<number> {
  const run = (await (await srv.api('GET', `/runs/${runId}`)).json()) as { proposed_actions: { id: number }[] };
  return run.proposed_actions[0]!.id;
}
async function snapshotOfDb() {
  return db.sql`SELECT (SELECT count(*)::int FROM run_journal) AS journal, (SELECT count(*)::int FROM proposed_actions) AS proposals,
    (SELECT max(updated_at) FROM runs) AS updated, (SELECT count(*)::int FROM outbox) AS outbox`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
  approvedRun = await start('7c1f0b1e-0000-4000-8000-000000000001');
  expect((await srv.api('POST', `/proposed-actions/${await envelopeOf(approvedRun)}/approve`, { note: 'ok' })).status).toBe(200);
  rejectedRun = await start('7c1f0b1e-0000-4000-8000-000000000002');
  expect((await srv.api('POST', `/proposed-actions/${await envelopeOf(rejectedRun)}/reject`, { reason: 'not ours' })).status).toBe(200);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

describe('GET /runs/:id/replay', () => {
  it('replays an approved run through the current machine with no divergence, writing nothing', async () => {
    const before = await snapshotOfDb();
    const res = await srv.api('GET', `/runs/${approvedRun}/replay`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ run_id: approvedRun, diverged: false, first_divergence: null, error: null, status: 'verifying', recorded_status: 'verifying', replayed_status: 'verifying' });
    expect(body.steps.map((s: any) => s.event_type)).toEqual(['xstate.init', 'EXTRACTED', 'CONTEXT_LOADED', 'APPROVAL_STAGED', 'APPROVE', 'STEP_SUCCEEDED', 'STEP_SUCCEEDED']);
    expect(body.steps.every((s: any) => s.matches && s.taken)).toBe(true);
    expect(body.replayed_final).toEqual(body.recorded_final);
    expect(await snapshotOfDb()).toEqual(before);
  });

  it('replays a rejected run to rejected', async () => {
    const body = (await (await srv.api('GET', `/runs/${rejectedRun}/replay`)).json()) as Record<string, any>;
    expect(body).toMatchObject({ diverged: false, recorded_final: 'rejected', replayed_final: 'rejected', replayed_status: 'rejected' });
  });

  it('answers 404 for an unknown run, 400 naming id for a bad one, 401 without a token', async () => {
    expect((await srv.api('GET', '/runs/999999/replay')).status).toBe(404);
    const bad = await srv.api('GET', '/runs/0x1/replay');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('"field":"id"');
    expect((await srv.api('GET', `/runs/${approvedRun}/replay`, undefined, null)).status).toBe(401);
  });
});

describe('replay through a changed machine', () => {
  it('names the first divergence when a guard now blocks every run', async () => {
    const changed = disputeMachine.provide({ guards: { hasBlockingFailure: () => true } });
    const result = replayJournal(await runJournal(db.sql, approvedRun), changed);
    expect(result.diverged).toBe(true);
    expect(result.first_divergence).toEqual({ seq: 2, event_type: 'CONTEXT_LOADED', recorded: 'awaitingApproval', replayed: 'blocked' });
    expect(result.steps.slice(0, 2).every((s) => s.matches)).toBe(true);
    // Once blocked (final), the machine takes nothing more: the later events are reported as not taken.
    expect(result.steps.slice(3).map((s) => s.taken)).toEqual([false, false, false, false]);
    expect(result).toMatchObject({ recorded_status: 'verifying', replayed_status: 'blocked', replayed_final: 'blocked' });
  });

  it('names the divergence when the approver can no longer reject', async () => {
    const changed = disputeMachine.provide({ guards: { isCurrentEnvelope: ({ event }) => event.type === 'APPROVE' } });
    const result = replayJournal(await runJournal(db.sql, rejectedRun), changed);
    expect(result.first_divergence).toMatchObject({ event_type: 'REJECT', recorded: 'rejected', replayed: 'awaitingApproval' });
    const approved = replayJournal(await runJournal(db.sql, approvedRun), changed);
    expect(approved.diverged).toBe(false);
  });
});

describe('replaying many runs (npm run replay)', () => {
  it('sums up: nothing diverges through the current machine; a changed one ends runs differently, and says where', async () => {
    const same = await replayRuns(db.sql, {});
    expect(same).toMatchObject({ replayed: 2, diverged: 0, end_differently: 0, divergences: [], errors: [] });
    const changed = disputeMachine.provide({ guards: { hasBlockingFailure: () => true } });
    const s = await replayRuns(db.sql, { statuses: ['verifying'] }, changed);
    expect(s).toMatchObject({ replayed: 1, diverged: 1, end_differently: 1 });
    expect({ ...s.status_changes }).toEqual({ 'verifying → blocked': 1 });
    expect(s.divergences).toEqual([{ where: 'CONTEXT_LOADED: awaitingApproval → blocked', runs: 1, examples: [approvedRun] }]);
    expect(formatSummary(s)).toContain('1 would end differently');
    expect((await replayRuns(db.sql, { since: new Date('2100-01-01T00:00:00Z') })).replayed).toBe(0);
  });

  it('the command prints the summary, and refuses bad arguments naming them', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', ...args], { env: { ...process.env, DATABASE_URL: db.url } }, (e, out, err) =>
          resolve({ code: e ? (e as { code?: number }).code ?? 1 : 0, out, err }));
      });
    const ok = await run(['--status', 'verifying,rejected', '--since', '2020-01-01']);
    expect(ok.err).toBe('');
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toContain('2 run(s) replayed through the current machine: 0 diverge, 0 would end differently.');
    const bad = await run(['--status', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--status: must be one of');
    const badDate = await run(['--since', 'yesterday']);
    expect(badDate.code).toBe(2);
    expect(badDate.err).toContain('--since');
  });
});
