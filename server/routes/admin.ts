// Operations: run due verify checks now, and list alerts (final step failures, unrestorable runs).
import type Router from '@koa/router';
import { z } from 'zod';
import { listAlerts } from '../../persistence/alerts.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { parseBody } from '../body.ts';
import { engineDeps, type AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { AlertsQuery, parseQuery } from '../schemas.ts';

export function adminRoutes(router: Router, deps: AppDeps): void {
  router.post('/admin/verify/run', async (ctx) => {
    const by = approverOf(ctx, deps.config.approvers);
    await parseBody(ctx, z.strictObject({}), deps.config.bodyLimitKb);
    const results = await runDueChecks(engineDeps(deps));
    deps.log('info', 'verify checks run on demand', { by, checked: results.length });
    ctx.body = { checked: results.length, results };
  });

  router.get('/alerts', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const q = parseQuery(ctx, AlertsQuery);
    const rows = await listAlerts(deps.sql, { run_id: q.run_id, before: q.cursor, limit: q.limit + 1 });
    const items = rows.slice(0, q.limit);
    ctx.body = { items, next_cursor: rows.length > q.limit ? String(items.at(-1)!.id) : null };
  });
}
