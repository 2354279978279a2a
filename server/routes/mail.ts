// Sent mail: every approved reply and escalation with its delivery state (queued, sent, failed), whichever
// way it went out (SMTP, or the .eml folder). The pages' "Sent mail" view reads this.
import type Router from '@koa/router';
import { z } from 'zod';
import { listMail } from '../../persistence/deliveries.ts';
import type { AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { parseQuery } from '../schemas.ts';

const MailQuery = z.strictObject({
  status: z.enum(['queued', 'sent', 'failed']).optional(),
  cursor: z.string().regex(/^\d{1,15}$/, 'must be a cursor returned by this API').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export function mailRoutes(router: Router, deps: AppDeps): void {
  router.get('/api/mail', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const q = parseQuery(ctx, MailQuery);
    ctx.body = await listMail(deps.sql, { status: q.status, cursor: q.cursor ? Number(q.cursor) : undefined, limit: q.limit });
  });
}
