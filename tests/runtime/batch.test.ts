// Group commit (runtime/batch.ts) against a real PostgreSQL: when items share a transaction, what a failure
// does to the others, keys, and the engine's starts and events run together ending as they do alone.
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient, type Sql, type Tx } from '../../persistence/connect.ts';
import { claimRun, GroupCommit, isShared, optimistically, ranFallibleTogether, SameRunInTransaction, sentLast, type GroupOutcome } from '../../runtime/batch.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { decideProposal } from '../../runtime/decisions.ts';
import { applyEvent, startRun, type EngineDeps } from '../../runtime/engine.ts';
import type { EffectRegistry } from '../../runtime/effects.ts';
import { effectRegistry } from '../../runtime/registry.ts';
import { runDueChecks } from '../../runtime/verify.ts';
import { runStep } from '../../steps/fanout.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`CREATE TABLE group_items (id text PRIMARY KEY, via text NOT NULL, txid bigint NOT NULL DEFAULT txid_current())`;
});
afterAll(() => db.drop());

/** A promise and the function that settles it: holds a transaction (or an item alone) open until released. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

function group(opts: { batch: number; transactions: number }, sql: Sql = db.sql) {
  const seen: [number, GroupOutcome][] = [];
  return { g: new GroupCommit(sql, { ...opts, observe: (n, o) => seen.push([n, o]) }), seen };
}

/** An item that records itself in group_items, together or alone, with the transaction it ran in. */
const insert = (id: string, fail = false) => ({
  together: async (tx: Tx) => {
    await tx`INSERT INTO group_items (id, via) VALUES (${id}, 'together')`;
    if (fail) throw new Error(`item ${id} failed`);
    return `${id}:together`;
  },
  alone: () =>
    db.sql.begin(async (tx) => {
      await tx`INSERT INTO group_items (id, via) VALUES (${id}, 'alone')`;
      if (fail) throw new Error(`item ${id} failed`);
      return `${id}:alone`;
    }),
});

describe('GroupCommit', () => {
  it('runs an item alone, at once, when no transaction is open', async () => {
    const { g, seen } = group({ batch: 8, transactions: 2 });
    const item = insert('solo');
    expect(await g.submit('k', item.together, item.alone)).toBe('solo:alone');
    expect(seen).toEqual([[1, 'committed']]);
  });

  it('puts what arrives while the transactions are busy into the next one, started in the order of their keys', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const first = g.submit('k0', () => Promise.reject(new Error('not together')), async () => (await held.p, 'first'));
    const order: string[] = [];
    const waiting = ['k3', 'k1', 'k5', 'k2'].map((k) =>
      g.submit(k, async (tx) => {
        order.push(k);
        await tx`INSERT INTO group_items (id, via) VALUES (${'busy-' + k}, 'together')`;
        return k;
      }, () => Promise.reject(new Error('not alone'))),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]); // nothing starts while the one transaction is open
    expect(g.queued).toBe(4);
    held.open();
    expect(await first).toBe('first');
    expect(await Promise.all(waiting)).toEqual(['k3', 'k1', 'k5', 'k2']);
    expect(order).toEqual(['k1', 'k2', 'k3', 'k5']);
    const rows = await db.sql`SELECT DISTINCT txid FROM group_items WHERE id LIKE 'busy-%'`;
    expect(rows).toHaveLength(1); // one transaction
    expect(seen).toEqual([[1, 'committed'], [4, 'committed']]);
  });

  it('rolls back a shared transaction when one item fails and runs each alone: the failure is its own, the others commit once', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const items = ['f1', 'f2', 'f3'].map((id) => insert(id, id === 'f2'));
    const results = items.map((item, i) => g.submit(`f${i}`, item.together, item.alone));
    held.open();
    await blocker;
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual(['f1:alone', 'item f2 failed', 'f3:alone']);
    expect(await db.sql`SELECT id, via FROM group_items WHERE id LIKE 'f_' ORDER BY id`).toEqual([
      { id: 'f1', via: 'alone' },
      { id: 'f3', via: 'alone' },
    ]);
    expect(seen).toEqual([[1, 'committed'], [3, 'alone']]);
  });

  it('takes an item whose work throws before it returns a promise as a failure like any other; an observer that throws tells nobody less', async () => {
    const g = new GroupCommit(db.sql, { batch: 8, transactions: 1, observe: () => { throw new Error('observer broke'); } });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const ok = insert('sync-ok');
    const throwsAtOnce = (): Promise<string> => {
      throw new Error('thrown at once');
    };
    const results = [g.submit('s1', ok.together, ok.alone), g.submit('s2', throwsAtOnce, throwsAtOnce)];
    held.open();
    await blocker;
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual(['sync-ok:alone', 'thrown at once']);
    expect(await db.sql`SELECT via FROM group_items WHERE id = 'sync-ok'`).toEqual([{ via: 'alone' }]);
  });

  it('never puts two items with the same key in one transaction', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const a = insert('same-a'), b = insert('same-b'), c = insert('other-c');
    const results = [g.submit('same', a.together, a.alone), g.submit('same', b.together, b.alone), g.submit('other', c.together, c.alone)];
    held.open();
    await blocker;
    expect(await Promise.all(results)).toEqual(['same-a:together', 'same-b:alone', 'other-c:together']);
    expect(seen).toEqual([[1, 'committed'], [2, 'committed'], [1, 'committed']]);
  });

  it('opens a second transaction beside a busy one for whatever waits, up to the limit; beyond it, items wait', async () => {
    const { g, seen } = group({ batch: 4, transactions: 2 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const second = gate();
    const one = g.submit('s1', () => Promise.reject(new Error('x')), async () => (await second.p, 'one'));
    expect(g.queued).toBe(0); // the second transaction took it at once, alone
    const items = ['w1', 'w2', 'w3', 'w4', 'w5'].map((id) => insert(id));
    const waiting = items.map((item, i) => g.submit(`w${i + 1}`, item.together, item.alone));
    expect(g.queued).toBe(5); // both transactions open: these wait
    second.open();
    expect(await one).toBe('one');
    expect(await Promise.all(waiting.slice(0, 4))).toEqual(['w1:together', 'w2:together', 'w3:together', 'w4:together']);
    expect(await waiting[4]).toBe('w5:alone');
    held.open();
    await blocker;
    expect(seen).toEqual([[1, 'committed'], [4, 'committed'], [1, 'committed'], [1, 'committed']]);
  });

  it('tells every item of a shared transaction that the database is unavailable, running none alone again', async () => {
    const closed = sqlClient('postgres://postgres@127.0.0.1:1/none', 2);
    try {
      const { g, seen } = group({ batch: 8, transactions: 1 }, closed);
      let alone = 0;
      const items = Array.from({ length: 4 }, (_, i) =>
        g.submit(`u${i}`, (tx) => tx`SELECT 1`, () => (alone++, closed.begin((tx) => tx`SELECT 1`))),
      );
      const settled = await Promise.allSettled(items);
      expect(settled.map((s) => s.status === 'rejected' && (s.reason as { code?: string }).code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
      expect(alone).toBe(1); // the first, which went alone; the three after it shared a transaction that never opened
      expect(seen).toEqual([[1, 'failed'], [3, 'unavailable']]);
    } finally {
      await closed.end();
    }
  });

  it('claimRun fails a shared transaction on a second claim of the same run, and does nothing outside one', async () => {
    const { g } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const togetherErrors: unknown[] = [];
    const claiming = (id: string) =>
      g.submit(id, async (tx) => {
        try {
          claimRun(tx, 7);
        } catch (err) {
          togetherErrors.push(err);
          throw err;
        }
        return `${id}:together`;
      }, async () => db.sql.begin(async (tx) => (claimRun(tx, 7), claimRun(tx, 7), `${id}:alone`)));
    const results = [claiming('c1'), claiming('c2')];
    held.open();
    await blocker;
    expect(await Promise.all(results)).toEqual(['c1:alone', 'c2:alone']);
    expect(togetherErrors).toHaveLength(1);
    expect(togetherErrors[0]).toBeInstanceOf(SameRunInTransaction);
  });

  /** An item that sends its insert, says it has sent its last statement, and then waits for the answer. */
  const lastSentItem = (id: string, after: (tx: Tx) => Promise<void> = async () => {}) => ({
    together: async (tx: Tx) => {
      const inserted = tx`INSERT INTO group_items (id, via) VALUES (${id}, 'together')`.execute();
      sentLast(tx);
      await inserted;
      await after(tx);
      return `${id}:together`;
    },
    alone: insert(id).alone,
  });
  /** Whether another connection sees the row within two seconds: the transaction that wrote it has committed. */
  const committedSoon = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      if ((await db.sql`SELECT 1 FROM group_items WHERE id = ${id}`).length) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };

  it('sends the COMMIT as soon as every item has sent its last statement, before their work returns', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const visible: boolean[] = [];
    // Each item waits, inside its work, until the others' rows are visible from another connection: only an
    // early COMMIT can make them so (the usual one would wait for this work to return).
    const ids = ['l1', 'l2', 'l3'];
    const results = ids.map((id) =>
      g.submit(id, lastSentItem(id, async () => void visible.push(...(await Promise.all(ids.map(committedSoon))))).together, insert(id).alone),
    );
    held.open();
    await blocker;
    expect(await Promise.all(results)).toEqual(['l1:together', 'l2:together', 'l3:together']);
    expect(visible).toEqual(Array(9).fill(true));
    expect(seen).toEqual([[1, 'committed'], [3, 'committed']]);
    const txids = await db.sql`SELECT DISTINCT txid FROM group_items WHERE id IN ('l1', 'l2', 'l3')`;
    expect(txids).toHaveLength(1);
  });

  it('waits for every item: one that has not said so keeps the COMMIT until its work returns', async () => {
    const { g } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    let seenEarly: boolean | null = null;
    const early = g.submit('m1', lastSentItem('m1', async () => void (seenEarly = (await db.sql`SELECT 1 FROM group_items WHERE id = 'm1'`).length > 0)).together, insert('m1').alone);
    const late = insert('m2');
    const results = [early, g.submit('m2', async (tx) => (await new Promise((r) => setTimeout(r, 100)), late.together(tx)), late.alone)];
    held.open();
    await blocker;
    expect(await Promise.all(results)).toEqual(['m1:together', 'm2:together']);
    expect(seenEarly).toBe(false);
  });

  it('after the COMMIT went out, a statement that failed rolls it all back and each item runs alone', async () => {
    await db.sql`INSERT INTO group_items (id, via) VALUES ('n2', 'before')`;
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    const results = ['n1', 'n2', 'n3'].map((id) => g.submit(id, lastSentItem(id).together, insert(id).alone));
    held.open();
    await blocker;
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as { code?: string }).code))).toEqual(['n1:alone', '23505', 'n3:alone']);
    expect(await db.sql`SELECT id, via FROM group_items WHERE id IN ('n1', 'n2', 'n3') ORDER BY id`).toEqual([
      { id: 'n1', via: 'alone' },
      { id: 'n2', via: 'before' },
      { id: 'n3', via: 'alone' },
    ]);
    expect(seen).toEqual([[1, 'committed'], [3, 'alone']]);
  });

  it('after the COMMIT went out, an item whose work fails otherwise is told so; the transaction stands and nothing runs again', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const held = gate();
    const blocker = g.submit('b', () => Promise.reject(new Error('x')), () => held.p);
    let alone = 0;
    const item = (id: string) => {
      const x = lastSentItem(id, async () => {
        if (id === 'o2') throw new Error('o2 broke after its last statement');
      });
      return g.submit(id, x.together, () => (alone++, x.alone()));
    };
    const results = ['o1', 'o2', 'o3'].map(item);
    held.open();
    await blocker;
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual(['o1:together', 'o2 broke after its last statement', 'o3:together']);
    expect(alone).toBe(0);
    expect(await db.sql`SELECT id, via FROM group_items WHERE id IN ('o1', 'o2', 'o3') ORDER BY id`).toEqual([
      { id: 'o1', via: 'together' },
      { id: 'o2', via: 'together' },
      { id: 'o3', via: 'together' },
    ]);
    expect(seen).toEqual([[1, 'committed'], [3, 'committed']]);
  });

  fcTest.prop(
    [fc.array(fc.boolean(), { minLength: 1, maxLength: 24 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 3 })],
    { numRuns: 25 },
  )('whatever fails, each caller gets its own outcome and exactly the succeeding items are written, once', async (fails, batch, transactions) => {
    const { g } = group({ batch, transactions });
    const prefix = `p${Math.random().toString(36).slice(2, 10)}-`;
    const settled = await Promise.allSettled(
      fails.map((fail, i) => {
        const item = insert(`${prefix}${i}`, fail);
        return g.submit(`${prefix}${i}`, item.together, item.alone);
      }),
    );
    settled.forEach((s, i) => expect(s.status).toBe(fails[i] ? 'rejected' : 'fulfilled'));
    const rows = await db.sql<{ id: string }[]>`SELECT id FROM group_items WHERE id LIKE ${prefix + '%'} ORDER BY id`;
    const expected = fails.flatMap((f, i) => (f ? [] : [`${prefix}${i}`])).sort();
    expect(rows.map((r) => r.id)).toEqual(expected);
  });
});

describe('optimistically: one item\'s transaction run as a shared one', () => {
  it('commits what the work wrote, in a transaction marked shared, answering its value', async () => {
    let shared: boolean | undefined;
    const v = await optimistically(db.sql, async (tx) => {
      shared = isShared(tx);
      await tx`INSERT INTO group_items (id, via) VALUES ('opt-ok', 'optimistic')`;
      return [1, 2];
    });
    expect(v).toEqual([1, 2]);
    expect(shared).toBe(true);
    expect(await db.sql`SELECT via FROM group_items WHERE id = 'opt-ok'`).toEqual([{ via: 'optimistic' }]);
  });

  it('a failure with no fallible step run together is the work\'s own: thrown once, nothing run again or written', async () => {
    let runs = 0;
    await expect(
      optimistically(db.sql, async (tx) => {
        runs++;
        await tx`INSERT INTO group_items (id, via) VALUES ('opt-refused', 'optimistic')`;
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(runs).toBe(1);
    expect(await db.sql`SELECT count(*)::int AS n FROM group_items WHERE id = 'opt-refused'`).toEqual([{ n: 0 }]);
  });

  it('a failure after a fallible step ran together runs the work again, in a transaction not shared, once', async () => {
    const seen: boolean[] = [];
    const v = await optimistically(db.sql, async (tx) => {
      seen.push(isShared(tx));
      await tx`INSERT INTO group_items (id, via) VALUES ('opt-again', ${isShared(tx) ? 'together' : 'alone'})`;
      if (isShared(tx)) {
        ranFallibleTogether(tx);
        await tx`SELECT 1/0`;
      }
      return 'second';
    });
    expect(v).toBe('second');
    expect(seen).toEqual([true, false]);
    expect(await db.sql`SELECT via FROM group_items WHERE id = 'opt-again'`).toEqual([{ via: 'alone' }]);
    // A group's observer (the metrics) is told of the transaction rolled back, as of a group's; none of one that was not.
    const { g, seen: told } = group({ batch: 8, transactions: 2 });
    await optimistically(db.sql, async (tx) => {
      if (isShared(tx)) (ranFallibleTogether(tx), await tx`SELECT 1/0`);
      return 'again';
    }, g);
    await optimistically(db.sql, async () => 'once', g);
    expect(told).toEqual([[1, 'alone']]);
    // And a second failure is the caller's.
    let runs = 0;
    await expect(
      optimistically(db.sql, async (tx) => {
        runs++;
        ranFallibleTogether(tx);
        throw new Error('still failing');
      }),
    ).rejects.toThrow('still failing');
    expect(runs).toBe(2);
  });
});

describe('the engine with group commit', () => {
  const clock = new ManualClock('2026-11-20T10:00:00Z');
  let seq = 0;
  const body = (customer: number) => triageFor((e) => e.expected.customer_id === customer, `group-${++seq}`);
  const start = (d: EngineDeps, customer = 1002) => startRun(d, { ...body(customer), customer_id: null, invoice_ref: null, invoked_by: 'test' });
  const envelopeOf = async (runId: number) =>
    (await db.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${runId} AND step = 'approval'`)[0]!.id;
  /** A run as the tests compare it: what the engine saved, without ids and times. */
  const shape = async (runId: number) => {
    const [r] = await db.sql`SELECT status, state_value, event_count, snapshot->'context'->'steps' AS steps FROM runs WHERE id = ${runId}`;
    const journal = await db.sql`SELECT seq, event->>'type' AS type, state_after FROM run_journal WHERE run_id = ${runId} ORDER BY seq`;
    const actions = await db.sql`SELECT id, step, action_type, status FROM proposed_actions WHERE run_id = ${runId} ORDER BY id`;
    // A step names its proposal by id: compared as that proposal's step (which must be this run's).
    const stepOf = new Map(actions.map((a) => [a.id, a.step]));
    const steps = Object.fromEntries(
      Object.entries(r!.steps as Record<string, { proposed_action_id?: number }>).map(([k, v]) => [k, { ...v, proposed_action_id: v.proposed_action_id && (stepOf.get(v.proposed_action_id) ?? 'another run') }]),
    );
    return { ...r, steps, journal, actions: actions.map(({ id: _, ...a }) => a) };
  };

  it('starts and approvals that arrive together share transactions and end exactly as they do alone', async () => {
    const alone: EngineDeps = { sql: db.sql, clock, effects: effectRegistry() };
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const together: EngineDeps = { ...alone, group: g };
    const reference = (await start(alone)).run.id;
    await applyEvent(alone, reference, { type: 'APPROVE', action_id: await envelopeOf(reference), by: 'mike', note: null, at: clock.now().toISOString() });

    const started = await Promise.all(Array.from({ length: 6 }, () => start(together)));
    const ids = started.map((s) => s.run.id);
    expect(started.every((s) => s.created)).toBe(true);
    const txids = await db.sql`SELECT DISTINCT xmin::text FROM runs WHERE id IN ${db.sql(ids)}`;
    expect(txids.length).toBe(2); // the first alone, the five that came meanwhile in one transaction
    const envelopes = await Promise.all(ids.map(envelopeOf));
    const applied = await Promise.all(ids.map((id, i) => applyEvent(together, id, { type: 'APPROVE', action_id: envelopes[i]!, by: 'mike', note: null, at: clock.now().toISOString() })));
    expect(applied.map((a) => [a.applied, a.run.status])).toEqual(ids.map(() => [true, 'verifying']));
    expect(seen).toEqual([[1, 'committed'], [5, 'committed'], [1, 'committed'], [5, 'committed']]);

    const want = await shape(reference);
    for (const id of ids) expect(await shape(id)).toEqual(want);
  });

  it('a step that fails in a shared transaction fails it; each run then goes alone, where the failure is caught and retried, the others as usual', async () => {
    let failFor = -1;
    const over: Partial<EffectRegistry> = {
      runStep: async (c, p) => {
        if (c.run.id === failFor && p.step === 'escalate') {
          await c.tx`INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
            VALUES (${c.run.id}, ${p.step}, 'x', 'x', 'x', '{}', 'not-a-status', ${c.now})`;
        }
        return runStep(c, p);
      },
    };
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const d: EngineDeps = { sql: db.sql, clock, effects: effectRegistry(over), group: g };
    const ids = (await Promise.all(Array.from({ length: 4 }, () => start(d)))).map((s) => s.run.id);
    failFor = ids[2]!;
    seen.length = 0;
    const envelopes = await Promise.all(ids.map(envelopeOf));
    const applied = await Promise.all(ids.map((id, i) => applyEvent(d, id, { type: 'APPROVE', action_id: envelopes[i]!, by: 'mike', note: null, at: clock.now().toISOString() })));
    expect(applied.every((a) => a.applied)).toBe(true);
    // The first alone; the three after it together, then each alone, where the failing one's fan-out (side by side,
    // runtime/batch.ts optimistically) fails again and runs once more with savepoints.
    expect(seen).toEqual([[1, 'committed'], [3, 'alone'], [1, 'alone']]);
    const steps = await db.sql<{ id: number; esc: { status: string } }[]>`
      SELECT id, snapshot->'context'->'steps'->'escalate' AS esc FROM runs WHERE id IN ${db.sql(ids)} ORDER BY id`;
    expect(steps.map((s) => s.esc.status)).toEqual(steps.map((s) => (s.id === failFor ? 'waiting_retry' : 'succeeded')));
    expect(await db.sql`SELECT run_id, name FROM timers WHERE run_id IN ${db.sql(ids)} AND name LIKE 'retry:%'`).toEqual([{ run_id: failFor, name: 'retry:escalate' }]);
    // Nothing of the rolled-back attempt is left: one decision per run, journals numbered without gaps.
    expect(await db.sql`SELECT count(*)::int AS n FROM approval_decisions WHERE run_id IN ${db.sql(ids)}`).toEqual([{ n: 4 }]);
    const gaps = await db.sql`SELECT r.id FROM runs r WHERE r.id IN ${db.sql(ids)} AND r.event_count <> (SELECT count(*) FROM run_journal j WHERE j.run_id = r.id)`;
    expect(gaps).toEqual([]);
  });

  it('the fan-out\'s steps run side by side in a shared transaction and alone (no savepoint to keep apart); when one fails alone, the event runs again with a savepoint each, one after the other', async () => {
    const log: string[] = [];
    const failing = new Set<number>();
    const over: Partial<EffectRegistry> = {
      runStep: async (c, p) => {
        log.push(`${c.run.id} start ${p.step}`);
        if (failing.has(c.run.id) && p.step === 'escalate') {
          await c.tx`SELECT 1/0`;
        }
        const r = await runStep(c, p);
        log.push(`${c.run.id} end ${p.step}`);
        return r;
      },
    };
    const { g } = group({ batch: 8, transactions: 1 });
    const d: EngineDeps = { sql: db.sql, clock, effects: effectRegistry(over), group: g };
    const ids = (await Promise.all(Array.from({ length: 3 }, () => start({ ...d, group: undefined })))).map((s) => s.run.id);
    const envelopes = await Promise.all(ids.map(envelopeOf));
    const held = gate();
    const blocker = g.submit('a', () => Promise.reject(new Error('x')), () => held.p);
    const applied = ids.map((id, i) => applyEvent(d, id, { type: 'APPROVE', action_id: envelopes[i]!, by: 'mike', note: null, at: clock.now().toISOString() }));
    held.open();
    await blocker;
    expect((await Promise.all(applied)).every((a) => a.applied)).toBe(true);
    const of = (id: number) => log.filter((l) => l.startsWith(`${id} `)).map((l) => l.slice(String(id).length + 1));
    // Together (the three approvals in one transaction): every step of a run starts before the first ends.
    for (const id of ids) {
      const steps = of(id);
      expect(steps.length).toBeGreaterThanOrEqual(4);
      const firstEnd = steps.findIndex((l) => l.startsWith('end'));
      expect(steps.slice(firstEnd).every((l) => l.startsWith('end'))).toBe(true);
    }
    // Alone (a transaction of its own run as a shared one of one: runtime/batch.ts, optimistically): side by side too.
    const alone = { ...d, group: undefined };
    const one = (await start(alone)).run.id;
    await applyEvent(alone, one, { type: 'APPROVE', action_id: await envelopeOf(one), by: 'mike', note: null, at: clock.now().toISOString() });
    const steps = of(one);
    expect(steps.slice(0, 2).every((l) => l.startsWith('start'))).toBe(true);
    expect(steps.slice(2).every((l) => l.startsWith('end'))).toBe(true);
    // A step that fails alone: the transaction rolls back and the event runs again, each step at its savepoint
    // (ending before the next starts), where the failure is the step's: the other step's proposal stays.
    const two = (await start(alone)).run.id;
    failing.add(two);
    await applyEvent(alone, two, { type: 'APPROVE', action_id: await envelopeOf(two), by: 'mike', note: null, at: clock.now().toISOString() });
    const careful = of(two).slice(2); // the first run: both started, the failing one never ended
    expect(of(two).slice(0, 2).every((l) => l.startsWith('start'))).toBe(true);
    expect(careful).toEqual(['start draftResponse', 'end draftResponse', 'start escalate']);
    const [r] = await db.sql`SELECT snapshot->'context'->'steps'->'escalate'->>'status' AS escalate, snapshot->'context'->'steps'->'draftResponse'->>'status' AS draft FROM runs WHERE id = ${two}`;
    expect(r).toEqual({ escalate: expect.stringMatching(/fail|retry/), draft: expect.stringMatching(/succeeded|done/) });
    expect(await db.sql`SELECT step FROM proposed_actions WHERE run_id = ${two} AND step <> 'approval' ORDER BY step`).toEqual([{ step: 'draft_response' }]);
  });

  it('decisions that arrive together share a transaction, each answered with its proposal as decided', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const d = { sql: db.sql, clock, effects: effectRegistry(), group: g, carryOut: { mailFrom: 'ar@example.com', arQueueEmail: 'ar@example.com' } };
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await start({ ...d, group: undefined })).run.id);
    const envelopes = await Promise.all(ids.map(envelopeOf));
    const held = gate();
    const blocker = g.submit('a', () => Promise.reject(new Error('x')), () => held.p);
    const decided = envelopes.map((id, i) => decideProposal(d, { id, verb: i === 1 ? 'reject' : 'approve', by: 'ana', note: `n${i}` }));
    held.open();
    await blocker;
    const answers = await Promise.all(decided);
    expect(answers.map((a) => [a.id, a.status, a.decided_by, a.decision_note])).toEqual([
      [envelopes[0], 'approved', 'ana', 'n0'],
      [envelopes[1], 'rejected', 'ana', 'n1'],
      [envelopes[2], 'approved', 'ana', 'n2'],
    ]);
    expect(seen).toEqual([[1, 'committed'], [3, 'committed']]);
    const runs = await db.sql`SELECT status, xmin::text AS txid FROM runs WHERE id IN ${db.sql(ids)} ORDER BY id`;
    expect(runs.map((r) => r.status)).toEqual(['verifying', 'rejected', 'verifying']);
    expect(new Set(runs.map((r) => r.txid)).size).toBe(1);
  });

  it('an event and a decision on the same run arriving together: one is applied, the other refused, nothing lost or doubled', async () => {
    const { g, seen } = group({ batch: 8, transactions: 1 });
    const d = { sql: db.sql, clock, effects: effectRegistry(), group: g, carryOut: { mailFrom: 'ar@example.com', arQueueEmail: 'ar@example.com' } };
    const id = (await start(d)).run.id;
    const envelope = await envelopeOf(id);
    seen.length = 0;
    const held = gate();
    const blocker = g.submit('a', () => Promise.reject(new Error('x')), () => held.p);
    // Different keys (run:…, proposal:…): they share the transaction the blocker holds back, and the second to lock the run fails it.
    const event = applyEvent(d, id, { type: 'APPROVE', action_id: envelope, by: 'mike', note: null, at: clock.now().toISOString() });
    const decision = decideProposal(d, { id: envelope, verb: 'approve', by: 'ana', note: null });
    held.open();
    await blocker;
    const [e, dec] = await Promise.allSettled([event, decision]);
    const eventApplied = e.status === 'fulfilled' && e.value.applied;
    const decided = dec.status === 'fulfilled';
    expect([eventApplied, decided].filter(Boolean)).toHaveLength(1);
    expect(seen[1]).toEqual([2, 'alone']);
    expect(await db.sql`SELECT count(*)::int AS n FROM approval_decisions WHERE run_id = ${id}`).toEqual([{ n: 1 }]);
    const [r] = await db.sql`SELECT status, event_count, (SELECT count(*)::int FROM run_journal WHERE run_id = ${id}) AS journal FROM runs WHERE id = ${id}`;
    expect(r!.status).toBe('verifying');
    expect(r!.event_count).toBe(r!.journal);
  });
});

describe('verify checks with group commit', () => {
  let vdb: TestDatabase;
  beforeAll(async () => {
    vdb = await createTestDatabase();
  });
  afterAll(() => vdb.drop());
  let seq = 0;

  /** n runs started and approved (each alone), verifying, their check due once the clock moves 30 s. */
  async function verifying(d: EngineDeps, n: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const body = triageFor((e) => e.expected.customer_id === 1002, `verify-${++seq}`);
      const { run } = await startRun(d, { ...body, customer_id: null, invoice_ref: null, invoked_by: 'test' });
      const [env] = await vdb.sql<{ id: number }[]>`SELECT id FROM proposed_actions WHERE run_id = ${run.id} AND step = 'approval'`;
      await applyEvent(d, run.id, { type: 'APPROVE', action_id: env!.id, by: 'mike', note: null, at: d.clock.now().toISOString() });
      ids.push(run.id);
    }
    return ids;
  }
  const checksOf = (ids: number[]) =>
    vdb.sql<{ run_id: number; check_name: string; status: string; txid: string }[]>`
      SELECT run_id, check_name, status, xmin::text AS txid FROM workflow_verify_results WHERE run_id IN ${vdb.sql(ids)} ORDER BY run_id, id`;

  it('records checks of different runs in one transaction, each as alone; a run\'s second due check goes in the next', async () => {
    const clock = new ManualClock('2026-11-21T10:00:00Z');
    const { g } = group({ batch: 8, transactions: 2 }, vdb.sql);
    const d: EngineDeps = { sql: vdb.sql, clock, effects: effectRegistry(), group: g };
    const alone: EngineDeps = { sql: vdb.sql, clock, effects: effectRegistry() };
    const ids = await verifying(alone, 4);
    const reference = (await verifying(alone, 1))[0]!;
    // A second check due on the first run (as a reply's response_sent would be), at the same time, claimed after the others.
    await vdb.sql`INSERT INTO workflow_verify_results (run_id, check_name, sql_check, params, status, due_at, created_at)
      VALUES (${ids[0]!}, 'extra', 'SELECT 1', '[]', 'pending', ${new Date(clock.now().getTime() + 30_000)}, ${clock.now()})`;
    clock.advance(30_000);
    expect(await runDueChecks(alone, { only: { run_id: reference } })).toEqual([expect.objectContaining({ result: 'pass' })]);

    const outcomes = await runDueChecks(d);
    expect(outcomes.map((o) => `${o.run_id}:${o.check_name}:${o.result}`).sort()).toEqual(
      [...ids.map((id) => `${id}:response_drafted:pass`), `${ids[0]}:extra:pass`].sort(),
    );
    const checks = await checksOf(ids);
    const drafted = checks.filter((c) => c.check_name === 'response_drafted');
    expect(new Set(drafted.map((c) => c.txid)).size).toBe(1); // the four runs' checks together
    const extra = checks.find((c) => c.check_name === 'extra')!;
    expect(extra.status).toBe('pass');
    expect(extra.txid).not.toBe(drafted[0]!.txid); // its run's second check: the next transaction
    const runs = await vdb.sql`SELECT id, status, event_count, (SELECT count(*)::int FROM run_journal j WHERE j.run_id = r.id) AS journal FROM runs r WHERE id IN ${vdb.sql(ids.concat(reference))} ORDER BY id`;
    for (const r of runs) expect([r.status, r.event_count]).toEqual(['completed', r.journal]);
    const ledger = await vdb.sql`SELECT run_id, count(*)::int AS n FROM event_ledger WHERE event_type = 'workflow.verified' AND run_id IN ${vdb.sql(ids)} GROUP BY run_id ORDER BY run_id`;
    expect(ledger).toEqual(ids.map((id, i) => ({ run_id: id, n: i === 0 ? 2 : 1 })));
  });

  it('a failure while recording the shared transaction\'s results rolls it back; the same checks then go one transaction each', async () => {
    const clock = new ManualClock('2026-11-22T10:00:00Z');
    const { g } = group({ batch: 8, transactions: 2 }, vdb.sql);
    const d: EngineDeps = { sql: vdb.sql, clock, effects: effectRegistry(), group: g };
    const ids = await verifying({ ...d, group: undefined }, 3);
    // Fails the first write of the second run's result, once (a sequence is not rolled back with the transaction).
    await vdb.sql.unsafe(`CREATE SEQUENCE fail_once`);
    await vdb.sql.unsafe(`CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF nextval('fail_once') = 1 THEN RAISE EXCEPTION 'transient failure'; END IF; RETURN NEW; END $$`);
    await vdb.sql.unsafe(`CREATE TRIGGER fail_once BEFORE UPDATE ON workflow_verify_results FOR EACH ROW WHEN (OLD.run_id = ${ids[1]}) EXECUTE FUNCTION fail_once()`);
    try {
      clock.advance(30_000);
      const outcomes = await runDueChecks(d);
      expect(outcomes.map((o) => o.run_id).sort()).toEqual([...ids].sort());
      const checks = await checksOf(ids);
      expect(checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
      expect(new Set(checks.map((c) => c.txid)).size).toBe(3); // one transaction each after the shared one failed
      expect((await vdb.sql`SELECT nextval('fail_once') AS n`)[0]!.n).toBe(3); // the shared attempt, then its own
      const ledger = await vdb.sql`SELECT count(*)::int AS n FROM event_ledger WHERE event_type = 'workflow.verified' AND run_id IN ${vdb.sql(ids)}`;
      expect(ledger).toEqual([{ n: 3 }]);
    } finally {
      await vdb.sql.unsafe(`DROP TRIGGER fail_once ON workflow_verify_results; DROP FUNCTION fail_once(); DROP SEQUENCE fail_once`);
    }
  });
});
