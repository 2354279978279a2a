// The dispute machine as a JSON graph for the inspector, built by walking `machine.root` (the resolved state
// nodes) so the drawing can never drift from the code. `machine.definition` leaves out `always` transitions,
// which is why this reads the state nodes' `transitions` and `always` directly.
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export type NodeType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface GraphNode {
  /** xstate's state node id, e.g. `customer_invoice_dispute.fanOut.draftResponse.running`. */
  id: string;
  key: string;
  /** State-value path from the root: `['fanOut', 'draftResponse', 'running']`. */
  path: string[];
  parent: string | null;
  type: NodeType;
  /** The child entered by default (compound states only). */
  initial: string | null;
  /** True for the regions of a parallel state. */
  region: boolean;
  description: string | null;
  entry: string[];
  exit: string[];
  children: string[];
}

export type EdgeKind = 'event' | 'always' | 'done';

export interface GraphEdge {
  id: string;
  source: string;
  /** For a targetless transition (actions only) the source itself; `internal` says so. */
  target: string;
  kind: EdgeKind;
  /** The event type; `''` for `always`, `xstate.done.state.<id>` for `onDone`. */
  event: string;
  guard: string | null;
  guard_params: Record<string, unknown> | null;
  actions: string[];
  internal: boolean;
  /** Position among the source's candidates for this event: xstate takes the first whose guard passes. */
  order: number;
  label: string;
}

export interface MachineGraph {
  machine: { id: string; version: number; initial: string | null };
  nodes: GraphNode[];
  edges: GraphEdge[];
  events: string[];
}

/** What the walk reads of a transition (event, `always` and initial transitions alike). */
interface TransitionLike {
  target?: readonly AnyStateNode[] | undefined;
  guard?: unknown;
  actions: readonly unknown[];
}

/** A readable name for an action as xstate stores it: `'name'`, `{type, params}` or a built-in function. */
function actionName(a: unknown): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'function') return (a as { type?: string }).type ?? (a.name || 'inline action');
  if (a && typeof a === 'object' && 'type' in a) return String((a as { type: unknown }).type);
  return 'action';
}

/** Built-in xstate actions (assign and friends) are bookkeeping, not effects: keep them out of labels. */
const isEffect = (name: string) => !name.startsWith('xstate.');

function guardOf(g: unknown): { name: string; params: Record<string, unknown> | null } | null {
  if (g == null) return null;
  if (typeof g === 'string') return { name: g, params: null };
  if (typeof g === 'function') {
    // and([...]) / or([...]) / not(...) carry their operands: draw them as a readable expression.
    const parts = (g as { guards?: unknown[] }).guards;
    if (Array.isArray(parts) && (g.name === 'and' || g.name === 'or')) {
      return { name: parts.map((p) => guardOf(p)?.name ?? 'guard').join(g.name === 'and' ? ' && ' : ' || '), params: null };
    }
    return { name: (g as { type?: string }).type ?? (g.name || 'inline guard'), params: null };
  }
  if (typeof g === 'object' && 'type' in g) {
    const params = (g as { params?: unknown }).params;
    return { name: String((g as { type: unknown }).type), params: params && typeof params === 'object' ? (params as Record<string, unknown>) : null };
  }
  return { name: 'guard', params: null };
}

function labelOf(kind: EdgeKind, event: string, guard: string | null): string {
  const head = kind === 'always' ? 'always' : kind === 'done' ? 'onDone' : event;
  return guard ? `${head} [${guard}]` : head;
}

export function machineGraph(machine: AnyStateMachine, version: number): MachineGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const events = new Set<string>();
  const root: AnyStateNode = machine.root;

  const visit = (n: AnyStateNode) => {
    const children = Object.values(n.states);
    nodes.push({
      id: n.id,
      key: n.key,
      path: n.path,
      parent: n.parent?.id ?? null,
      type: n.type,
      initial: n.type === 'compound' ? (n.initial?.target?.[0]?.id ?? null) : null,
      region: n.parent?.type === 'parallel',
      description: n.description ?? null,
      entry: n.entry.map(actionName).filter(isEffect),
      exit: n.exit.map(actionName).filter(isEffect),
      children: children.map((c) => c.id),
    });
    const add = (kind: EdgeKind, event: string, ts: TransitionLike[]) => {
      ts.forEach((t, order) => {
        const guard = guardOf(t.guard);
        const targets = t.target?.length ? t.target.map((x) => x.id) : [n.id];
        for (const target of targets) {
          edges.push({
            id: `${n.id}|${kind === 'always' ? 'always' : event}|${order}|${target}`,
            source: n.id,
            target,
            kind,
            event,
            guard: guard?.name ?? null,
            guard_params: guard?.params ?? null,
            actions: t.actions.map(actionName).filter(isEffect),
            internal: !t.target?.length,
            order,
            label: labelOf(kind, event, guard?.name ?? null),
          });
        }
      });
    };
    for (const [event, ts] of n.transitions) {
      const kind: EdgeKind = event.startsWith('xstate.done.state.') ? 'done' : 'event';
      if (kind === 'event') events.add(event);
      add(kind, event, ts);
    }
    if (n.always?.length) add('always', '', n.always);
    children.forEach(visit);
  };
  visit(root);

  return {
    machine: { id: root.id, version, initial: root.initial?.target?.[0]?.id ?? null },
    nodes,
    edges,
    events: [...events].sort(),
  };
}
