// The served product for bench/ours-http.ts: the real Koa app on an ephemeral port of 127.0.0.1 against
// BENCH_DB_URL, in a process of its own (as deployed; the load generator gets the other core). Prints
// {"port": n} once listening; SIGTERM stops it.
import type { AddressInfo } from 'node:net';
import { sqlClient } from '../persistence/connect.ts';
import { systemClock } from '../runtime/clock.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { createApp } from '../server/app.ts';
import { parseApprovers } from '../server/config.ts';
import { createLogger } from '../server/log.ts';

export const BENCH_SECRET = 'bench-webhook-secret-0123456789';
export const BENCH_TOKEN = 'bench-token-0123456789';

const sql = sqlClient(process.env.BENCH_DB_URL!, Number(process.env.BENCH_POOL ?? 10));
const app = createApp({
  sql, clock: systemClock, effects: effectRegistry(), log: createLogger('silent'),
  config: { webhookSecret: BENCH_SECRET, approvers: parseApprovers(`bench:${BENCH_TOKEN}`), bodyLimitKb: 64 },
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
});
