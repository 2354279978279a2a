// What-if replay: a run's recorded journal re-applied, event by event, to a machine (the current one, or a
// changed one before it is deployed), comparing the state it reaches with the state recorded at each step.
// Pure: xstate's transition() runs no actions, so nothing is written and no effect is carried out. The
// results effects fed back (EXTRACTED, CONTEXT_LOADED, STEP_DONE …) are in the journal, so the machine gets
// exactly the facts the run got.
import { initialTransition, transition, type AnyStateMachine, type StateValue } from 'xstate';
import { disputeMachine } from '../machines/dispute.ts';
import { statusOf, type RunStatus } from '../machines/status.ts';

/** One recorded journal entry, as persistence/journal.ts reads it. */
export interface RecordedStep {
  seq: number;
  event: Record<string, unknown>;
  state_after: unknown;
}

export interface ReplayStep {
  seq: number;
  event_type: string;
  recorded: unknown;
  /** The state the machine reaches; null when it could not take the run's first event. */
  replayed: StateValue | null;
  /** false: the machine ignored the event (an unhandled event leaves the snapshot as it was). */
  taken: boolean;
  matches: boolean;
}

export interface Divergence {
  seq: number;
  event_type: string;
  recorded: unknown;
  replayed: StateValue | null;
}

export interface ReplayResult {
  steps: ReplayStep[];
  diverged: boolean;
  first_divergence: Divergence | null;
  recorded_final: unknown;
  replayed_final: StateValue | null;
  recorded_status: RunStatus | null;
  replayed_status: RunStatus | null;
  /** Why the replay stopped early (a snapshot the machine cannot take, an error in a guard); null when it ran to the end. */
  error: string | null;
}

/** Entries the runtime writes that are not machine events: they never change the state. */
const isRuntimeEntry = (type: string) => type.startsWith('runtime.');

/** Deep equality of JSON state values, keys in any order. */
export function sameState(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameState((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Replays `journal` (in seq order, starting with the run's `xstate.init` entry) through `machine`. Every step
 * is reported, also after a divergence: a changed machine may come back to the recorded path.
 */
export function replayJournal(journal: readonly RecordedStep[], machine: AnyStateMachine = disputeMachine): ReplayResult {
  const steps: ReplayStep[] = [];
  let snapshot: ReturnType<typeof initialTransition>[0] | null = null;
  let error: string | null = null;
  let recordedFinal: unknown = null;
  for (const entry of journal) {
    const type = typeof entry.event.type === 'string' ? entry.event.type : '(no type)';
    recordedFinal = entry.state_after;
    let taken = false;
    try {
      if (type === 'xstate.init') {
        [snapshot] = initialTransition(machine, entry.event.input);
        taken = true;
      } else if (snapshot && !isRuntimeEntry(type)) {
        const [next] = transition(machine, snapshot, entry.event as never);
        taken = next !== snapshot;
        snapshot = next;
      }
    } catch (err) {
      error = `seq ${entry.seq} (${type}): ${(err as Error).message}`.slice(0, 500);
      steps.push({ seq: entry.seq, event_type: type, recorded: entry.state_after, replayed: snapshot?.value ?? null, taken: false, matches: false });
      break;
    }
    const replayed = snapshot?.value ?? null;
    steps.push({ seq: entry.seq, event_type: type, recorded: entry.state_after, replayed, taken, matches: sameState(entry.state_after, replayed) });
  }
  const first = steps.find((s) => !s.matches);
  const replayedFinal = snapshot?.value ?? null;
  return {
    steps,
    diverged: first !== undefined,
    first_divergence: first ? { seq: first.seq, event_type: first.event_type, recorded: first.recorded, replayed: first.replayed } : null,
    recorded_final: recordedFinal,
    replayed_final: replayedFinal,
    recorded_status: journal.length ? statusOf(recordedFinal as StateValue) : null,
    replayed_status: replayedFinal === null ? null : statusOf(replayedFinal),
    error,
  };
}
