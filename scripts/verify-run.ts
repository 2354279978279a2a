// npm run verify:run — runs every due verify check now (the same as POST /admin/verify/run) and prints them.
import { connect } from '../persistence/connect.ts';
import { migrationStatus } from '../persistence/migrate.ts';
import { systemClock } from '../runtime/clock.ts';
import { effectRegistry } from '../runtime/registry.ts';
import { runDueChecks } from '../runtime/verify.ts';

const db = await connect({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || '.data', max: 2 });
try {
  const m = await migrationStatus(db.sql);
  if (m.applied !== m.latest) throw new Error(`database is at migration ${m.applied} of ${m.latest}: start disputeflow once to migrate it`);
  const results = await runDueChecks({ sql: db.sql, clock: systemClock, effects: effectRegistry() });
  for (const r of results) console.log(`run ${r.run_id} ${r.check_name}: ${r.result}${r.detail ? ` (${r.detail})` : ''}`);
  console.log(`${results.length} check(s) run`);
} finally {
  await db.close();
}
