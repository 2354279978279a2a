// Wires each named effect of the machine to the step that performs it.
import { extractDispute } from '../steps/extract.ts';
import { loadContext } from '../steps/context.ts';
import { recordDecision, stageApproval } from '../steps/approval.ts';
import { runStep } from '../steps/fanout.ts';
import { postRun } from '../steps/post.ts';
import { stageVerify } from '../steps/verify.ts';
import { cancelTimer, setTimer } from '../steps/timers.ts';
import { alertStepFailed } from '../steps/alerts.ts';
import type { EffectRegistry } from './effects.ts';

export function effectRegistry(overrides: Partial<EffectRegistry> = {}): EffectRegistry {
  return {
    extractDispute: async (c, p) => {
      const begun = c.begun?.extraction;
      if (c.begun) c.begun.extraction = undefined;
      return { type: 'EXTRACTED', extraction: await extractDispute(c.tx, p.input, begun) };
    },
    loadContext: async (c, p) => ({ type: 'CONTEXT_LOADED', loaded: await loadContext(c.tx, p, c.now, c.run.id) }),
    stageApproval,
    recordDecision,
    setTimer,
    cancelTimer,
    runStep,
    alertStepFailed,
    postRun,
    stageVerify,
    ...overrides,
  };
}
