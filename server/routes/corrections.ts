// The approver's corrections as labeled training data: each corrected run with the email as the reader saw
// it and the labels as the approver set them. JSON pages, or JSON lines (?format=jsonl) for a training set.
import type Router from '@koa/router';
import { z } from 'zod';
import { correctedExamples } from '../../persistence/corrections.ts';
import type { AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { parseQuery } from '../schemas.ts';

const CorrectionsQuery = z.strictObject({
  since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  format: z.enum(['json', 'jsonl']).default('json'),
  cursor: z.string().regex(/^\d{1,15}$/, 'must be a cursor returned by this API').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function correctionRoutes(router: Router, deps: AppDeps): void {
  router.get('/corrections', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const q = parseQuery(ctx, CorrectionsQuery);
    const page = await correctedExamples(deps.sql, {
      since: q.since ? new Date(q.since) : undefined,
      cursor: q.cursor ? Number(q.cursor) : undefined,
      limit: q.limit,
    });
    if (q.format === 'jsonl') {
      ctx.type = 'application/x-ndjson';
      if (page.next_cursor) ctx.set('Link', `<?format=jsonl&limit=${q.limit}&cursor=${page.next_cursor}>; rel="next"`);
      ctx.body = page.items.map((i) => JSON.stringify(i)).join('\n') + (page.items.length ? '\n' : '');
    } else ctx.body = page;
  });
}
