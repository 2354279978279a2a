// Proposed actions: the approver's queue, and decisions (runtime/decisions.ts). Every proposal carries its
// etag (the hash of the payload as shown, also the ETag header); approve and reject honour If-Match.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Corrections } from '../../machines/types.ts';
import type { Edits } from '../../runtime/decisions.ts';
import { getProposal } from '../../persistence/proposals.ts';
import { approvalRuns, listProposals } from '../../persistence/readModel.ts';
import { decideProposal, DecisionError } from '../../runtime/decisions.ts';
import { parseBody } from '../body.ts';
import { carryOutConfig, engineDeps, type AppDeps } from '../deps.ts';
import { approverOf } from '../auth.ts';
import { badRequest, conflict, HttpError, notFound } from '../errors.ts';
import { ApproveBody, IdParam, parseParam, parseQuery, ProposalsQuery, RejectBody } from '../schemas.ts';

/** If-Match's entity tags, unquoted (weak tags compare by value); undefined when the header is absent. */
export function ifMatchTags(ctx: Context): string[] | undefined {
  const header = ctx.get('if-match');
  if (!header) return undefined;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter(Boolean);
  if (tags.length === 0 || tags.some((t) => t !== '*' && !/^[0-9a-f]{64}$/i.test(t))) {
    throw badRequest('If-Match: must be the ETag of the proposed action ("<64 hex digits>") or *', [{ field: 'If-Match', message: 'must be an ETag of this API or *' }]);
  }
  return tags.map((t) => t.toLowerCase());
}

function toHttp(err: unknown): unknown {
  if (!(err instanceof DecisionError)) return err;
  const f = err.failure;
  switch (f.kind) {
    case 'not_found':
      return notFound(f.message);
    case 'invalid':
      return badRequest(f.message, f.details);
    case 'conflict':
      return conflict(f.message, f.details);
    case 'precondition_failed':
      return new HttpError(412, 'precondition_failed', f.message, [{ field: 'If-Match', message: `the current ETag is "${f.current.etag}"` }], {
        proposed_action: f.current,
      });
  }
}

export function proposalRoutes(router: Router, deps: AppDeps): void {
  router.get('/proposed-actions', async (ctx, next) => {
    // The approvals page lives at the same path: browsers asking for HTML get the page.
    if (ctx.accepts('json', 'html') === 'html') return next();
    approverOf(ctx, deps.config.approvers);
    const q = parseQuery(ctx, ProposalsQuery);
    const page = await listProposals(deps.sql, q);
    ctx.body = q.include === 'run' ? Object.assign({}, page, { runs: await approvalRuns(deps.sql, page.items.map((p) => p.run_id as number)) }) : page;
  });

  router.get('/proposed-actions/:id', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const id = parseParam(ctx, 'id', IdParam);
    const p = await getProposal(deps.sql, id);
    if (!p) throw notFound(`proposed action ${id} does not exist`);
    ctx.set('ETag', `"${p.etag}"`);
    ctx.body = p;
  });

  for (const verb of ['approve', 'reject'] as const) {
    router.post(`/proposed-actions/:id/${verb}`, async (ctx) => {
      const by = approverOf(ctx, deps.config.approvers);
      const id = parseParam(ctx, 'id', IdParam);
      const ifMatch = ifMatchTags(ctx);
      const body: { note?: string; reason?: string; corrections?: Corrections; edits?: Edits } =
        verb === 'approve' ? await parseBody(ctx, ApproveBody, deps.config.bodyLimitKb) : await parseBody(ctx, RejectBody, deps.config.bodyLimitKb);
      try {
        const decided = await decideProposal(
          Object.assign({}, engineDeps(deps), { carryOut: carryOutConfig(deps) }),
          { id, verb, by, note: (verb === 'approve' ? body.note : body.reason) ?? null, corrections: body.corrections, edits: body.edits, ifMatch },
        );
        deps.log('info', `proposed action ${verb}d`, { proposed_action_id: decided.id, run_id: decided.run_id, by });
        ctx.set('ETag', `"${decided.etag}"`);
        ctx.body = decided;
      } catch (err) {
        throw toHttp(err);
      }
    });
  }
}
