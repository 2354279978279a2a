// Issue 10, item 3: every correction made at the gate is a labeled example. A correction made through the
// real API (ephemeral port, real PostgreSQL) shows up in `npm run train:reasons -- --from-db` run against
// the same database, and the run's extraction records the model version that read it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT } from '../../machines/contract.ts';
import { MODEL_VERSION } from '../../dispute/reason/model.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);
let db: TestDatabase;
let srv: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await srv?.close();
  await db?.drop();
});

const json = async (r: Response) => (await r.json()) as any;
const train = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/train-reason-model.ts', ...args], { env: { ...process.env, DATABASE_URL: db.url }, timeout: 120_000 });

describe('learning from the approver', () => {
  it('a reason corrected through the API is a training example of train:reasons --from-db', async () => {
    const before = await train(['--from-db', '--list']);
    expect(before.stdout).toContain('corrections from the database: 0 corrected runs');

    const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC', 'train-from-db-1'));
    expect(res.status).toBe(202);
    const { run_id } = await json(res);
    const runBefore = await json(await srv.api('GET', `/runs/${run_id}`));
    // The extraction records which model read it, and the top two reasons with their probabilities.
    expect(runBefore.extraction.reason_model).toBe(MODEL_VERSION);
    expect(runBefore.extraction.reason_candidates).toHaveLength(2);
    expect(runBefore.extraction.reason_candidates[0].code).toBe(runBefore.extraction.reason_code);
    const read = runBefore.extraction.reason_code as string;
    const to = read === 'DSC' ? 'PRC' : 'DSC';

    const envelope = (await json(await srv.api('GET', `/proposed-actions?run_id=${run_id}&action_type=${CONTRACT.hitl.action_type}`))).items[0];
    const approved = await srv.api('POST', `/proposed-actions/${envelope.id}/approve`, { corrections: { reason_code: to } });
    expect(approved.status).toBe(200);

    const after = await train(['--from-db', '--list']);
    expect(after.stdout).toContain('corrections from the database: 1 corrected runs');
    expect(after.stdout).toContain(`corrections (database): 1 examples (${to} 1)`);
    expect(after.stdout).toContain(`run ${run_id}: ${to} (the reader said ${read}, mike corrected it)`);
    // The frozen held-out set is never among the training data.
    expect(after.stdout).not.toMatch(/heldout\.jsonl/);
    expect(after.stdout).toMatch(/^sample\.jsonl: 45 examples/m);
  });

  it('says what is missing when --from-db has no database', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/train-reason-model.ts', '--from-db', '--list'], { env: { ...process.env, DATABASE_URL: '' } }).catch((e) => e);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from-db reads the corrected runs of DATABASE_URL, which is not set');
  });
});
