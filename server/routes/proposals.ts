// Proposed actions: the approver's queue, and decisions. Deciding the HITL envelope is an event to the run
// (one transaction with the decision row); a second decision on the same action answers 409.
import type Router from '@koa/router';
import { CONTRACT } from '../../machines/contract.ts';
import { decide, DecisionConflictError, getProposal } from '../../persistence/proposals.ts';
import { listProposals } from '../../persistence/readModel.ts';
import { applyEvent } from '../../runtime/engine.ts';
import type { DisputeEvent } from '../../machines/types.ts';
import { engineDeps, readJson, type AppDeps } from '../app.ts';
import { approverOf } from '../auth.ts';
import { conflict, notFound } from '../errors.ts';
import { ApproveBody, IdParam, parseQuery, parseWith, ProposalsQuery, RejectBody } from '../schemas.ts';

export function proposalRoutes(router: Router, deps: AppDeps): void {
  router.get('/proposed-actions', async (ctx, next) => {
    // The approvals page lives at the same path: browsers asking for HTML get the page.
    if (ctx.accepts('json', 'html') === 'html') return next();
    approverOf(ctx, deps.config.approvers);
    ctx.body = await listProposals(deps.sql, parseQuery(ProposalsQuery, ctx.query));
  });

  router.get('/proposed-actions/:id', async (ctx) => {
    approverOf(ctx, deps.config.approvers);
    const id = parseWith(IdParam, ctx.params.id, 'id');
    const p = await getProposal(deps.sql, id);
    if (!p) throw notFound(`proposed action ${id} does not exist`);
    ctx.body = p;
  });

  for (const verb of ['approve', 'reject'] as const) {
    router.post(`/proposed-actions/:id/${verb}`, async (ctx) => {
      const by = approverOf(ctx, deps.config.approvers);
      const id = parseWith(IdParam, ctx.params.id, 'id');
      const json = await readJson(ctx, deps.config.bodyLimitKb);
      const note = verb === 'approve' ? (parseWith(ApproveBody, json).note ?? null) : parseWith(RejectBody, json).reason;
      const proposal = await getProposal(deps.sql, id);
      if (!proposal) throw notFound(`proposed action ${id} does not exist`);
      if (proposal.status !== 'pending') throw conflict(`proposed action ${proposal.id} is already ${proposal.status}`, { status: proposal.status });
      const at = deps.clock.now().toISOString();
      if (proposal.action_type === CONTRACT.hitl.action_type) {
        const event: DisputeEvent =
          verb === 'approve'
            ? { type: 'APPROVE', action_id: proposal.id, by, note, at }
            : { type: 'REJECT', action_id: proposal.id, by, reason: note!, at };
        const result = await applyEvent(engineDeps(deps), proposal.run_id, event);
        if (!result.applied) {
          const now = await getProposal(deps.sql, proposal.id);
          throw conflict(`proposed action ${proposal.id} is ${now?.status ?? 'gone'}; run ${proposal.run_id} is ${result.run.status}`, {
            status: now?.status,
            run_status: result.run.status,
          });
        }
      } else {
        // Downstream proposals (drafted email, escalation, hold review) are decided as facts for their executor.
        try {
          await deps.sql.begin((tx) => decide(tx as never, { action_id: proposal.id, decision: verb === 'approve' ? 'approved' : 'rejected', by, note, now: deps.clock.now() }));
        } catch (err) {
          if (err instanceof DecisionConflictError) throw conflict(err.message);
          throw err;
        }
      }
      deps.log('info', `proposed action ${verb}d`, { proposed_action_id: proposal.id, run_id: proposal.run_id, by });
      ctx.body = await getProposal(deps.sql, proposal.id);
    });
  }
}
