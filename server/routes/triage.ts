// The triage webhook (signed) and the approver's manual invoke: both start a run, idempotently per email.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { startRun } from '../../runtime/engine.ts';
import { parseJson, readBody, readJson } from '../body.ts';
import { engineDeps, type AppDeps } from '../deps.ts';
import { approverOf, signatureOf, verifySignature } from '../auth.ts';
import { parseWith, TriageEvent } from '../schemas.ts';

export function triageRoutes(router: Router, deps: AppDeps): void {
  router.post('/webhooks/triage', async (ctx) => {
    // Signature first, over the exact bytes: nothing of an unsigned body is decoded or parsed.
    const digest = signatureOf(ctx.get('x-signature') || undefined);
    const bytes = await readBody(ctx, deps.config.bodyLimitKb);
    verifySignature(deps.config.webhookSecret, bytes, digest);
    await start(ctx, deps, parseJson(bytes), 'triage');
  });
  router.post('/runs', async (ctx) => {
    const by = approverOf(ctx, deps.config.approvers);
    await start(ctx, deps, await readJson(ctx, deps.config.bodyLimitKb), by);
  });
}

async function start(ctx: Context, deps: AppDeps, json: unknown, invokedBy: string): Promise<void> {
  const b = parseWith(TriageEvent, json);
  const { run, created } = await startRun(
    engineDeps(deps),
    {
      email_uuid: b.email_uuid,
      customer_id: b.customer_id ?? null,
      invoice_ref: b.invoice_ref ?? null,
      reason_text: b.reason_text,
      email: b.email ?? null,
      invoked_by: invokedBy,
      precondition_severity: deps.config.preconditionSeverity,
    },
  );
  ctx.status = created ? 202 : 200;
  ctx.set('Location', `/runs/${run.id}`);
  ctx.body = { run_id: run.id, status: run.status, state: run.state_value, created };
  deps.log('info', created ? 'run started' : 'triage redelivered', { run_id: run.id, status: run.status });
}
