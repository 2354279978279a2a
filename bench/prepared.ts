// What a connection keeps for the emails it has read: postgres.js prepares every distinct statement and keeps it,
// on the client and in the PostgreSQL backend, for the connection's life (persistence/lists.ts). One connection
// starts a run for each email of two sets: the labeled emails (data/emails/*.jsonl) and emails made to vary what
// they cite (0–20 invoices × 0–10 payments, a few POs), the lengths that made statements of their own; after
// each set, the statements the backend holds and its memory (pg_backend_memory_contexts).
// tsx bench/prepared.ts; BENCH_PREPARED_EMAILS caps each set (bench:ci reads a few).
import { readdirSync, readFileSync } from 'node:fs';
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { startRun, type StartInput } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { ADMIN_URL, scratchDatabase } from './lib.ts';

const CAP = Number(process.env.BENCH_PREPARED_EMAILS ?? Number.POSITIVE_INFINITY);
interface Email { from: string; to: string; subject: string; body: string; received_at: string }
const dir = new URL('../data/emails/', import.meta.url);
const labeled: Email[] = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()
  .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Email));
const varied: Email[] = Array.from({ length: 21 * 11 }, (_, n) => {
  const invoices = n % 21;
  const payments = Math.floor(n / 21);
  return {
    from: 'James Okafor <james.okafor@bluewatermarine.example>', to: 'ar@example.com', received_at: '2026-11-20T10:00:00Z',
    subject: 'Disputed invoices',
    body: `We dispute invoices ${Array.from({ length: invoices }, (_, i) => `INV-00${4100 + i}`).join(', ')}. ` +
      `Payments ${Array.from({ length: payments }, (_, i) => `ACH-${196040 + i}`).join(', ')} were sent. PO-${67780 + (n % 7)}.`,
  };
});

const admin = sqlClient(ADMIN_URL, 1);
const db = await scratchDatabase(admin);
const sql = sqlClient(db.url, 1);
const deps = { sql, clock: new ManualClock('2026-11-20T12:00:00Z'), effects: effectRegistry() };
const out: Record<string, { emails: number; statements: number; backend_mb: number }> = {};
try {
  let seq = 0;
  for (const [name, emails] of [['labeled', labeled], ['varied', varied]] as const) {
    const set = emails.slice(0, CAP);
    for (const e of set) {
      const input: StartInput = { email_uuid: `prepared-${seq++}`, reason_text: e.subject, customer_id: null, invoice_ref: null, invoked_by: 'bench', email: e };
      await startRun(deps, input);
    }
    const [r] = await sql<{ statements: number; bytes: number }[]>`
      SELECT (SELECT count(*)::int FROM pg_prepared_statements) AS statements,
             (SELECT sum(total_bytes)::float8 FROM pg_backend_memory_contexts) AS bytes`;
    out[name] = { emails: set.length, statements: r!.statements, backend_mb: +(r!.bytes / 1e6).toFixed(1) };
    console.log(`after the ${name} emails (${set.length}, one connection, the sets one after the other): ${r!.statements} prepared statements, backend memory ${out[name].backend_mb} MB`);
  }
  console.log(JSON.stringify(out));
} finally {
  await sql.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
  await admin.end();
}
