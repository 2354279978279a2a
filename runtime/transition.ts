// The engine's pure transitions. xstate's `transition()` and `initialTransition()` build a new inert actor
// scope on every call: a whole Actor, whose constructor computes the machine's initial snapshot, which was
// about a third of each transition's CPU (bench/budget.ts; profiles of the start phase: createInertActorScope
// 4 % of the process). The dispute machine spawns and invokes nothing, so one scope serves every call; a call
// only brings its own collector for the actions it returns. Calls are synchronous, so they cannot interleave.
// Same snapshots and the same actions (type and params, all the engine reads) as xstate's functions:
// tests/runtime/transition.test.ts walks the machine with both.
import { createActor, type ActionExecutor, type AnyActorScope, type ExecutableActionObject } from 'xstate';
import { disputeMachine } from '../machines/dispute.ts';
import type { DisputeEvent, DisputeInput } from '../machines/types.ts';

type Snapshot = ReturnType<typeof disputeMachine.resolveState>;

let collect: ExecutableActionObject[] | null = null;
const executor: ActionExecutor = (action) => {
  if (!collect) throw new Error('an action was executed outside a transition');
  collect.push(action);
};
// As xstate's own inert scope, an actor of the machine that is never started (its input is not needed: the
// snapshot it makes of its own is never used).
const self = createActor(disputeMachine, { input: undefined as never });
const scope: AnyActorScope = {
  self,
  id: '',
  sessionId: '',
  logger: () => {},
  defer: () => {},
  emit: () => {},
  system: self.system,
  stopChild: () => {},
  actionExecutor: executor,
};

function collecting<T>(f: () => T): [T, ExecutableActionObject[]] {
  const actions: ExecutableActionObject[] = [];
  collect = actions;
  try {
    return [f(), actions];
  } finally {
    collect = null;
  }
}

/** As xstate's `transition(disputeMachine, snapshot, event)`. */
export function transitionRun(snapshot: Snapshot, event: DisputeEvent): [Snapshot, ExecutableActionObject[]] {
  return collecting(() => disputeMachine.transition(snapshot, event, scope));
}

/** As xstate's `initialTransition(disputeMachine, input)`. */
export function initialRunTransition(input: DisputeInput): [Snapshot, ExecutableActionObject[]] {
  return collecting(() => disputeMachine.getInitialSnapshot(scope, input));
}
