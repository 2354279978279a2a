// The runs list and run page at scale: 50,000 runs (BENCH_LIST_RUNS), then the latency of GET /runs with
// each filter, a deep page, and GET /runs/:id, over real HTTP against the real app.
import { ADMIN_URL, scratchDatabase, timeCalls } from './lib.ts';
import type { AddressInfo } from 'node:net';
import { sqlClient } from '../persistence/connect.ts';
import { ManualClock } from '../runtime/clock.ts';
import { startRun } from '../runtime/engine.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { createApp } from '../server/app.ts';
import { parseApprovers } from '../server/config.ts';
import { createLogger } from '../server/log.ts';

const N = Number(process.env.BENCH_LIST_RUNS ?? 50_000);
// A scratch database, migrated, with the sample mirror (bench/lib.ts).
const a = sqlClient(ADMIN_URL, 1);
const { name, url } = await scratchDatabase(a);
const sql = sqlClient(url, 4);
try {
  const clock = new ManualClock('2026-11-20T12:00:00Z');
  const deps = { sql, clock, effects: effectRegistry() };
  const { run } = await startRun(deps, {
    email_uuid: 'seed', reason_text: 'x', customer_id: null, invoice_ref: null, invoked_by: 'bench',
    email: { from: 'James Okafor <james.okafor@bluewatermarine.example>', subject: 'Pricing discrepancy on INV-004143', body: 'Invoice INV-004143 is priced above our contract.' },
  });
  // Copies of a real run, spread over statuses, customers and 90 days.
  await sql`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, loaded, input, customer_id, invoked_by, event_count, created_at, updated_at)
    SELECT workflow_type, 'bulk-' || g, machine_version,
      (ARRAY['awaiting_approval','verifying','completed','partial','failed','rejected','expired','blocked'])[1 + g % 8],
      state_value, snapshot, loaded, input, 1001 + g % 40, invoked_by, event_count,
      ${clock.now()}::timestamptz - (g % 2160) * interval '1 hour', ${clock.now()}
    FROM runs, generate_series(1, ${N - 1}) g WHERE id = ${run.id}`;
  await sql`ANALYZE runs`;
  const app = createApp({ ...deps, config: { webhookSecret: 'x'.repeat(16), approvers: parseApprovers('bench:bench-token-0123456789'), bodyLimitKb: 64 }, log: createLogger('silent') });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path, { headers: { authorization: 'Bearer bench-token-0123456789' } });
    return (await res.json()) as { next_cursor?: string | null };
  };
  const time = (path: string, n = 30) => timeCalls(() => get(path), n);
  let cursor: string | null | undefined = null;
  for (let i = 0; i < 200; i++) cursor = (await get(`/runs?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).next_cursor;
  console.log(JSON.stringify({
    runs: N,
    'GET /runs': await time('/runs?limit=50'),
    'GET /runs?status=expired': await time('/runs?status=expired&limit=50'),
    'GET /runs?customer_id=1017': await time('/runs?customer_id=1017&limit=50'),
    'GET /runs?older_than_hours=1000': await time('/runs?older_than_hours=1000&limit=50'),
    'GET /runs page 201 (keyset cursor)': await time(`/runs?limit=50&cursor=${cursor}`),
    'GET /runs/:id': await time(`/runs/${run.id}`),
  }, null, 2));
  server.close();
} finally {
  await sql.end();
  await a.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
  await a.end();
}
