// The contract card: the contract (machines/contract.ts) joined with what the machine built from it says
// about each part, so the page shows where every clause of the contract lives in the statechart.
import { fanOutCondition, type Contract } from '../../machines/contract.ts';
import { RUN_STATUSES, statusOf } from '../../machines/status.ts';
import type { MachineGraph } from './graph.ts';

export function contractCard(contract: Contract, graph: MachineGraph) {
  const byPath = new Map(graph.nodes.map((n) => [n.path.join('.'), n]));
  const top = graph.nodes.filter((n) => n.path.length === 1);
  const edgesFrom = (path: string) => {
    const id = byPath.get(path)?.id;
    return graph.edges.filter((e) => e.source === id).map((e) => ({ label: e.label, target: byPath.get(pathOf(graph, e.target))?.key ?? e.target, actions: e.actions }));
  };
  const region = (step: string) => {
    const r = byPath.get(`fanOut.${step}`);
    return r ? { state: r.path.join('.'), states: r.children.map((c) => c.split('.').at(-1)!) } : null;
  };
  return {
    contract,
    machine: {
      id: graph.machine.id,
      version: graph.machine.version,
      // Each top-level state with the run status it shows as (parallel and transient states show `running`).
      states: top.map((n) => ({
        key: n.key,
        type: n.type,
        description: n.description,
        entry: n.entry,
        status: statusOf(n.type === 'parallel' ? { [n.key]: {} } : n.key),
        transitions: edgesFrom(n.key),
      })),
    },
    statuses: RUN_STATUSES,
    hitl_state: { state: 'awaitingApproval', transitions: edgesFrom('awaitingApproval') },
    // `if`: when the step runs, in words from the contract's numbers (absent: always).
    fan_out: contract.fan_out.map((f) => {
      const when = fanOutCondition(contract, f.step);
      return Object.assign({}, f, when ? { if: when } : {}, { region: region(f.step) });
    }),
    precondition_state: { state: 'precondition', transitions: edgesFrom('precondition') },
    post_state: { state: 'post', entry: byPath.get('post')?.entry ?? [], transitions: edgesFrom('post') },
    verify_state: { state: 'verifying', entry: byPath.get('verifying')?.entry ?? [], transitions: edgesFrom('verifying') },
  };
}

function pathOf(graph: MachineGraph, id: string): string {
  return graph.nodes.find((n) => n.id === id)?.path.join('.') ?? id;
}
