// Operations: run due verify checks now, and list alerts (final step failures, unrestorable runs).
import type Router from '@koa/router';
import { z } from 'zod';
import { runDueChecks } from '../../runtime/verify.ts';
import { engineDeps, readJson, type AppDeps } from '../app.ts';
import { approverOf } from '../auth.ts';
import { fromZod } from '../errors.ts';

const AlertsQuery = z.strictObject({
  run_id: z.coerce.number().int().positive().optional(),
  cursor: z.string().regex(/^\d+$/, 'must be a cursor returned by this API').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function adminRoutes(router: Router, deps: AppDeps): void {
  router.post('/admin/verify/run', async (ctx) => {
    const by = approverOf(ctx, deps.config.approvers);
    const { json } = await readJson(ctx, deps.config.bodyLimitKb);
    const body = z.strictObject({}).safeParse(json);
    if (!body.success) throw fromZod(body.error);
    const results = await runDueChecks(engineDeps(deps));
    deps.log('info', 'verify checks run on demand', { by, checked: results.length });
    ctx.body = { checked: results.length, results };
  });

  router.get('/alerts', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const q = AlertsQuery.safeParse(ctx.query);
    if (!q.success) throw fromZod(q.error, 'query');
    const rows = await deps.sql`
      SELECT id, run_id, step, kind, message, detail, created_at FROM alerts
      WHERE true ${q.data.run_id ? deps.sql`AND run_id = ${q.data.run_id}` : deps.sql``}
        ${q.data.cursor ? deps.sql`AND id < ${Number(q.data.cursor)}` : deps.sql``}
      ORDER BY id DESC LIMIT ${q.data.limit + 1}`;
    const items = rows.slice(0, q.data.limit);
    ctx.body = { items, next_cursor: rows.length > q.data.limit ? String(items.at(-1)!.id) : null };
  });
}
