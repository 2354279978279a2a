// runtime/transition.ts reuses one inert actor scope where xstate's transition() and initialTransition() build
// a new one per call. Walked along every path of the model-based tests, and at each step with every event the
// model can send (taken or not), both give the same snapshot and the same actions (type and params).
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { disputeMachine, type DisputeSnapshot } from '../../machines/dispute.ts';
import type { DisputeEvent } from '../../machines/types.ts';
import { initialRunTransition, transitionRun } from '../../runtime/transition.ts';
import { modelEvents, modelInput, shortestPaths } from '../model/model.ts';

const persisted = (s: DisputeSnapshot) => JSON.stringify(disputeMachine.getPersistedSnapshot(s));
const actions = (a: readonly { type: string; params?: unknown }[]) => JSON.stringify(a.map((x) => [x.type, x.params ?? null]));

describe('the engine transitions as xstate does', () => {
  it('along every model path, with every event the model can send at each step', () => {
    const { paths } = shortestPaths();
    expect(paths.length).toBeGreaterThan(10);
    let compared = 0;
    for (const path of paths) {
      const input = { ...modelInput(path.config), email_uuid: `path-${path.index}` };
      const [theirs, theirActions] = initialTransition(disputeMachine, input);
      const [ours, ourActions] = initialRunTransition(input);
      expect(persisted(ours)).toBe(persisted(theirs));
      expect(actions(ourActions)).toBe(actions(theirActions));
      let s: DisputeSnapshot = theirs;
      for (const event of path.events) {
        for (const e of [event, ...modelEvents(s)] as DisputeEvent[]) {
          const [a, aActions] = transition(disputeMachine, s, e);
          const [b, bActions] = transitionRun(s, e);
          expect(persisted(b), `${e.type} in ${JSON.stringify(s.value)}`).toBe(persisted(a));
          expect(actions(bActions)).toBe(actions(aActions));
          expect(b === s).toBe(a === s); // an event the state does not take leaves the very same snapshot
          compared++;
        }
        s = transition(disputeMachine, s, event)[0];
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
