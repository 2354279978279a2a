// The served product for bench/ours-http.ts: the real Koa app on an ephemeral port of 127.0.0.1 against
// BENCH_DB_URL, in a process of its own (as deployed; the load generator gets the other core). Prints
// {"port": n} once listening; SIGTERM stops it.
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { sqlClient } from '../persistence/connect.ts';
import { GcWindow } from './gc-window.ts';
import { benchGroupCommit } from './group-commit.ts';
import { systemClock } from '../runtime/clock.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { createApp } from '../server/app.ts';
import { parseApprovers } from '../server/config.ts';
import { createLogger } from '../server/log.ts';

export const BENCH_SECRET = 'bench-webhook-secret-0123456789';
export const BENCH_TOKEN = 'bench-token-0123456789';

const sql = sqlClient(process.env.BENCH_DB_URL!, Number(process.env.BENCH_POOL ?? 10));
const group = benchGroupCommit(sql);
const app = createApp({
  sql, clock: systemClock, effects: effectRegistry(), log: createLogger('silent'), group,
  config: { webhookSecret: BENCH_SECRET, approvers: parseApprovers(`bench:${BENCH_TOKEN}`), bodyLimitKb: 64 },
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
// Where a slow answer waited, for the load generator's open-loop phase (over the IPC channel it may open):
// 'reset' starts a window, 'report' answers the event loop's delay (p99, max: how late a 10 ms timer ran) and the
// garbage collector's pauses (longest, total) since, and its full (mark-compact) collections: how many and the
// longest pause of one. A full collection comes when the old generation (what outlived two scavenges) has grown to
// V8's limit; the phases it fell in had the worst tails (BENCHMARKS.md round 22). Nothing of it runs without the
// channel.
// The histogram records each interval between its timer's runs, so a delay is what is left after the interval.
const RESOLUTION_MS = 10;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
let gc = new GcWindow();
if (process.send) {
  loop.enable();
  new PerformanceObserver((list) => gc.add(list.getEntries())).observe({ entryTypes: ['gc'] });
  process.on('message', (m) => {
    if (m === 'reset') {
      loop.reset();
      gc = new GcWindow();
      process.send!({ reset: true });
    } else if (m === 'report') {
      const ms = (ns: number) => +Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(1);
      process.send!({ loop_delay_p99_ms: ms(loop.percentile(99)), loop_delay_max_ms: ms(loop.max), ...gc.report() });
    }
  });
}
process.on('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
});
