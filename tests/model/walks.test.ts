// Model-based test, random walks: seeded walks through the real system, each a run of a random deployment
// and scenario whose fan-out attempts fail at random, driven by random external events (mostly ones the
// model takes, some it does not). After every step the run must be where the model says and keep the
// invariants of tests/model/system.ts; a run in a final state must not change at all.
//
// MODEL_WALKS (default 200), MODEL_WALK_EVENTS (most events per walk, default 30) and MODEL_WALK_SEED (the
// first walk's seed, default 1) choose the walks; a failure names the seed that replays it.
import { seededRandom } from '../helpers/random.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepName } from '../../machines/contract.ts';
import type { DisputeEvent } from '../../machines/types.ts';
import { CONFIGS, externalEvents, modelApply, modelStart, SCENARIOS, type ModelRun, type Scenario, type World } from './model.ts';
import { checkRun, startSystem, type System } from './system.ts';

const WALKS = Number(process.env.MODEL_WALKS ?? 200);
const MAX_EVENTS = Number(process.env.MODEL_WALK_EVENTS ?? 30);
const FIRST_SEED = Number(process.env.MODEL_WALK_SEED ?? 1);
const FAIL_RATE = 0.5; // of a fan-out attempt
const TAKEN_RATE = 0.7; // of choosing among the events the model takes, when there are any
const EVENTS_AFTER_END = 2; // events thrown at a run in a final state before the walk stops
const GOING_ON_WEIGHT = 3;

let sys: System;
beforeAll(async () => {
  sys = await startSystem();
});
afterAll(() => sys?.close());


const label = (e: DisputeEvent) => ('step' in e ? `${e.type}(${e.step})` : e.type === 'VERIFY_RESULT' ? `${e.type}(${e.result})` : e.type);

async function walk(seed: number, trail: string[]): Promise<{ steps: number; end: string }> {
  const rng = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  /** Events that keep the run going weigh more than those that end it, so that walks get past the gate. */
  const pickWeighted = <T extends { next: ModelRun }>(xs: readonly T[]): T => {
    const weights = xs.map((x) => (x.next.state.status === 'done' ? 1 : GOING_ON_WEIGHT));
    let r = rng() * weights.reduce((a, b) => a + b, 0);
    return xs.find((_, i) => (r -= weights[i]!) < 0) ?? xs.at(-1)!;
  };
  const drawn = new Map<string, 'ok' | 'fail'>();
  const world: World = {
    config: pick(Object.keys(CONFIGS)),
    scenario: pick(Object.keys(SCENARIOS) as Scenario[]),
    outcome: (step: StepName, attempt: number) => {
      const key = `${step}#${attempt}`;
      if (!drawn.has(key)) drawn.set(key, rng() < FAIL_RATE ? 'fail' : 'ok');
      return drawn.get(key);
    },
  };
  trail.push(`${world.config}, ${world.scenario}`);
  const run = await sys.start(world, `model-walk-${seed}`);
  let m = modelStart(world);
  let seen = await sys.observe(run.id);
  checkRun(seen, m);
  let steps = 0;
  for (let afterEnd = 0; steps < MAX_EVENTS; steps++) {
    if (m.state.status === 'done' && afterEnd++ === EVENTS_AFTER_END) break;
    const candidates = externalEvents(m.state).map((e) => ({ e, next: modelApply(m, e, world) }));
    const taken = candidates.filter((c) => c.next !== m);
    const { e, next } = taken.length && rng() < TAKEN_RATE ? pickWeighted(taken) : pick(candidates);
    const isTaken = next !== m;
    trail.push(`${label(e)}${isTaken ? '' : ' (not taken)'}`);
    await sys.drive(run, e, m.state, isTaken);
    const now = await sys.observe(run.id);
    if (m.state.status === 'done') expect(now, 'a run in a final state never changes').toEqual(seen);
    checkRun(now, next);
    m = next;
    seen = now;
  }
  return { steps, end: JSON.stringify(m.state.value) };
}

describe('random walks through the real system', () => {
  it(`${WALKS} seeded walks of up to ${MAX_EVENTS} events keep every invariant after every step`, async () => {
    const failures: string[] = [];
    const ends = new Map<string, number>();
    let steps = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + WALKS; seed++) {
      const trail: string[] = [];
      try {
        const r = await walk(seed, trail);
        steps += r.steps;
        ends.set(r.end, (ends.get(r.end) ?? 0) + 1);
      } catch (err) {
        failures.push(`walk ${seed} (MODEL_WALK_SEED=${seed} MODEL_WALKS=1 replays it): ${trail.join(' → ')}\n    ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`${failures.length} of ${WALKS} walks failed; the first:\n${failures.slice(0, 5).join('\n')}`);
    console.info(`model: ${WALKS} walks, ${steps} events; ended in ${[...ends].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    expect(steps).toBeGreaterThanOrEqual(WALKS);
  }, 600_000);
});
