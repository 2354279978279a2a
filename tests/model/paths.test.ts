// Model-based test: the shortest paths of the dispute machine (xstate/graph, for each deployment of
// CONFIGS), each driven through the real runner, HTTP API, timers and verify scheduler against a real
// database. The machine is the model: after every step the run must be where the model says, with the
// journal the model predicts and the invariants of tests/model/system.ts; together the runs must pass
// through every state node of the machine. Paths are computed when the tests run, not at import.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisputeEventSchema } from '../../machines/events.ts';
import { statusOf } from '../../machines/status.ts';
import { abstract, allStateIds, isDriven, modelApply, modelStart, shortestPaths, statesVisited, type ModelPath } from './model.ts';
import { checkRun, startSystem, type System } from './system.ts';

/** Near today's count of paths that end at rest (222): the count is derived from the model, this only guards it. */
const PATHS_FLOOR = 200;

let sys: System;
let graph: ReturnType<typeof shortestPaths>;
const reached = new Set<string>();
let driven = 0;

beforeAll(async () => {
  graph = shortestPaths();
  sys = await startSystem();
});
afterAll(() => sys?.close());

const describePath = (p: ModelPath) => `path ${p.index} (${p.config}, ${p.world.scenario}): ${p.events.map((e) => ('step' in e ? `${e.type}(${e.step})` : e.type)).join(' → ')}`;

async function drive(path: ModelPath): Promise<void> {
  const run = await sys.start(path.world, `model-path-${path.index}`);
  let m = modelStart(path.world);
  checkRun(await sys.observe(run.id), m);
  for (const e of path.events.filter(isDriven)) {
    const next = modelApply(m, e, path.world);
    expect(next, `${e.type} is taken where the runner rests`).not.toBe(m);
    await sys.drive(run, e, m.state, true);
    m = next;
    checkRun(await sys.observe(run.id), m);
  }
  expect(abstract(m.state), 'the run ends where the graph\'s path ends').toBe(path.key);
  const view = (await (await sys.api('GET', `/runs/${run.id}`)).json()) as { state: unknown; status: string };
  expect(view, 'the API shows it').toMatchObject({ state: m.state.value, status: statusOf(m.state.value) });
  const journal = await sys.journal(run.id);
  for (const id of statesVisited(journal)) reached.add(id);
  // Every event the runner took (after the start) is one the shared schema defines, as the API and the machine type it.
  for (const { event } of journal.slice(1)) expect(DisputeEventSchema.safeParse(event).error, JSON.stringify(event)).toBeUndefined();
}

describe('shortest paths of the dispute machine, through the real runner', () => {
  it('drives every path that ends where the runner rests, each landing where the model says', async () => {
    const failures: string[] = [];
    for (const path of graph.paths) {
      try {
        await drive(path);
        driven++;
      } catch (err) {
        failures.push(`${describePath(path)}\n    ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`${failures.length} of ${graph.paths.length} paths failed; the first:\n${failures.slice(0, 5).join('\n')}`);
    // Every path the graph produced either ends at rest and was driven, or ends inside a transaction
    // (an effect's answer outstanding), where the runner never rests.
    expect(driven).toBe(graph.paths.length);
    // 222 of 425 end at rest today; a model or generator that lost events, states or deployments would
    // drive far fewer, and every one of them could still pass.
    expect(graph.paths.length).toBeGreaterThanOrEqual(PATHS_FLOOR);
    console.info(`model: ${graph.produced} shortest paths, ${graph.paths.length} end at rest, ${driven} driven`);
  }, 600_000);

  it('passes through every state node of the machine, blocked included', () => {
    expect([...reached].sort()).toEqual(allStateIds().sort());
  });
});
