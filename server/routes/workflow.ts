// Public, read-only descriptions of the workflow for the pages: the statechart as a graph (walked from the
// machine itself), the contract card, the reason codes (the approvals page's correction select) and the
// server's clock (the pages count the approval window down against it, which may be an injected clock).
import type Router from '@koa/router';
import { CONTRACT } from '../../machines/contract.ts';
import { MACHINE_VERSION, createDisputeMachine } from '../../machines/dispute.ts';
import { REASON_OPTIONS } from '../../runtime/decisions.ts';
import type { AppDeps } from '../deps.ts';
import { contractCard } from '../visualizer/contractCard.ts';
import { machineGraph } from '../visualizer/graph.ts';

export function workflowRoutes(router: Router, deps: AppDeps): void {
  const contract = deps.contract ?? CONTRACT;
  const graph = machineGraph(createDisputeMachine(contract), MACHINE_VERSION);
  const card = contractCard(contract, graph);
  router.get('/api/machine', (ctx) => {
    ctx.body = graph;
  });
  router.get('/api/contract', (ctx) => {
    ctx.body = card;
  });
  const reasonCodes = { items: REASON_OPTIONS };
  router.get('/api/reason-codes', (ctx) => {
    ctx.body = reasonCodes;
  });
  router.get('/api/time', (ctx) => {
    ctx.body = { now: deps.clock.now().toISOString() };
  });
}
