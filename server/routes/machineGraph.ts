// Public, read-only descriptions of the workflow for the pages: the statechart as a graph (walked from the
// machine itself), the contract card, the reason codes (the approvals page's correction select) and the
// server's clock (the approvals page counts down against it).
import type Router from '@koa/router';
import { REASONS } from '../../dispute/reason/codes.ts';
import { REASON_CODES } from '../../dispute/types.ts';
import { MACHINE_VERSION, disputeMachine } from '../../machines/dispute.ts';
import type { AppDeps } from '../app.ts';
import { contractCard } from '../visualizer/contractCard.ts';
import { machineGraph } from '../visualizer/machineGraph.ts';

export function machineGraphRoutes(router: Router, deps: AppDeps): void {
  const graph = machineGraph(disputeMachine, MACHINE_VERSION);
  const card = contractCard(graph);
  router.get('/api/machine', (ctx) => {
    ctx.body = graph;
  });
  router.get('/api/contract', (ctx) => {
    ctx.body = card;
  });
  const reasonCodes = { items: REASON_CODES.map((code) => ({ code, label: REASONS[code].label, department: REASONS[code].department })) };
  router.get('/api/reason-codes', (ctx) => {
    ctx.body = reasonCodes;
  });
  router.get('/api/time', (ctx) => {
    ctx.body = { now: deps.clock.now().toISOString() };
  });
}
