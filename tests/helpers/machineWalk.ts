// An independent walk of a machine's *config* (what the code wrote), to check the inspector's graph, which
// the server builds from the resolved state nodes (`machine.root`). Two walks of two representations: if
// either misses a state, an `always`, an `onDone` or a guard, the comparison fails.
import type { AnyStateMachine } from 'xstate';

export interface WalkedState {
  id: string;
  path: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
}

export interface WalkedTransition {
  source: string;
  kind: 'event' | 'always' | 'done';
  event: string;
  guard: string | null;
  target: string;
}

type Cfg = Record<string, any>;

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function guardName(g: unknown): string | null {
  if (g == null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    // Independently of the server's walker: and([a, b]) is drawn as "a && b".
    const operands = (g as { guards?: unknown[] }).guards;
    if (g.name === 'and' && Array.isArray(operands)) return operands.map(guardName).join(' && ');
    return g.name || 'inline guard';
  }
  return String((g as { type: unknown }).type);
}

export function walkConfig(machine: AnyStateMachine): { states: WalkedState[]; transitions: WalkedTransition[] } {
  const config = machine.config as Cfg;
  const rootId: string = config.id;
  const states: WalkedState[] = [];
  const transitions: WalkedTransition[] = [];
  const byId = new Map<string, Cfg>();

  const visit = (cfg: Cfg, path: string[]) => {
    const id = [rootId, ...path].join('.');
    byId.set(id, cfg);
    const type = cfg.type ?? (cfg.states && Object.keys(cfg.states).length ? 'compound' : 'atomic');
    states.push({ id, path: path.join('.'), type });
    for (const [k, child] of Object.entries((cfg.states ?? {}) as Record<string, Cfg>)) visit(child, [...path, k]);
  };
  visit(config, []);

  const resolve = (sourceId: string, target: string): string => {
    if (target.startsWith('#')) return target.slice(1);
    if (target.startsWith('.')) return `${sourceId}${target}`;
    const parent = sourceId.split('.').slice(0, -1).join('.');
    return `${parent}.${target}`;
  };
  const add = (sourceId: string, kind: WalkedTransition['kind'], event: string, spec: unknown) => {
    for (const t of asArray(spec as Cfg | Cfg[] | string)) {
      const obj: Cfg = typeof t === 'string' ? { target: t } : t;
      const targets = asArray(obj.target as string | string[] | undefined);
      const guard = guardName(obj.guard);
      if (!targets.length) transitions.push({ source: sourceId, kind, event, guard, target: sourceId });
      for (const target of targets) transitions.push({ source: sourceId, kind, event, guard, target: resolve(sourceId, target) });
    }
  };
  for (const [id, cfg] of byId) {
    for (const [event, spec] of Object.entries((cfg.on ?? {}) as Record<string, unknown>)) add(id, 'event', event, spec);
    if (cfg.always) add(id, 'always', '', cfg.always);
    if (cfg.onDone) add(id, 'done', `xstate.done.state.${id}`, cfg.onDone);
  }
  return { states, transitions };
}

export const transitionKey = (t: { source: string; kind: string; event: string; guard: string | null; target: string }) =>
  `${t.source} --${t.kind === 'always' ? 'always' : t.event}${t.guard ? ` [${t.guard}]` : ''}--> ${t.target}`;
