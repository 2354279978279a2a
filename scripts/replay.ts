// npm run replay -- [--since <date>] [--status <status>[,<status>…]]: replays the selected runs' journals
// through the machine of this checkout (nothing is written) and prints how many would end differently, and
// where they first part from what was recorded. Exit code 1 when any run diverges, 2 on bad arguments.
import { parseArgs } from 'node:util';
import { RUN_STATUSES } from '../machines/status.ts';
import { connect } from '../persistence/connect.ts';
import { formatSummary, replayRuns } from '../runtime/replayMany.ts';

function fail(message: string): never {
  console.error(`replay: ${message}\nusage: npm run replay -- [--since <YYYY-MM-DD or ISO date-time>] [--status <status>[,<status>…]] [--json]`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({ options: { since: { type: 'string' }, status: { type: 'string', multiple: true }, json: { type: 'boolean' } }, strict: true }).values;
} catch (err) {
  fail((err as Error).message);
}
let since: Date | undefined;
if (args.since !== undefined) {
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(args.since) || Number.isNaN(Date.parse(args.since))) fail(`--since: must be a date such as 2026-11-01, not ${JSON.stringify(args.since.slice(0, 40))}`);
  since = new Date(args.since);
}
const statuses = (args.status ?? []).flatMap((s) => s.split(',')).filter(Boolean);
for (const s of statuses) if (!(RUN_STATUSES as readonly string[]).includes(s)) fail(`--status: must be one of ${RUN_STATUSES.join(', ')}, not ${JSON.stringify(s.slice(0, 40))}`);

const db = await connect({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || '.data', max: 2 });
try {
  const summary = await replayRuns(db.sql, { since, statuses });
  console.log(args.json ? JSON.stringify(summary) : formatSummary(summary));
  process.exitCode = summary.diverged > 0 ? 1 : 0;
} finally {
  await db.close();
}
