// A proposal's ETag is known when it is staged (persistence/proposals.ts, storedJson; migration 0010): the hash of
// the payload as jsonb gives it back. It must be exactly the ETag the API computes from the payload it reads back
// (payloadEtag), for any JSON, or a decision would record something other than what was shown.
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, getProposal, payloadEtag, stageProposal, storedJson, withEtag } from '../../persistence/proposals.ts';
import { approvalRuns, listProposals, runFacts } from '../../persistence/readModel.ts';
import { insertRunOnce } from '../../persistence/runs.ts';
import { sqlClient } from '../../persistence/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { writesDuring } from '../helpers/writes.ts';

let db: TestDatabase;
let runId: number;
beforeAll(async () => {
  db = await createTestDatabase();
  const [run] = await db.sql<{ id: number }[]>`
    INSERT INTO runs (workflow_type, email_uuid, machine_version, status, state_value, snapshot, input, invoked_by, created_at, updated_at)
    VALUES ('t', 'etag-test', 1, 'running', '"x"', '{}', '{}', 'test', now(), now()) RETURNING id`;
  runId = run!.id;
});
afterAll(() => db.drop());

let step = 0;
/** Stages the payload (as the product does) and reads back its stored ETag and the payload the API reads. */
async function stageAndRead(payload: unknown) {
  const id = await db.sql.begin((tx) =>
    stageProposal(tx, { run_id: runId, step: `s${step++}`, action_type: 'a', entity_type: 'e', entity_ref: 'r', payload, now: new Date() }),
  );
  const [row] = await db.sql<{ payload_sha256: string }[]>`SELECT payload_sha256 FROM proposed_actions WHERE id = ${id}`;
  const view = (await getProposal(db.sql, id))!;
  return { id, stored: row!.payload_sha256, view };
}

// Keys that jsonb and JavaScript order differently: lengths, non-ASCII (UTF-8 bytes against UTF-16 units),
// integer-like keys (JavaScript puts them first), keys a plain object would take for its prototype.
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', '0', '1', '10', '2', '01', '-1', '4294967295', 'é', 'z', '\u{1F600}', '\uE000', '\uE000a', 'aa', 'b'),
  fc.nat({ max: 1000 }).map(String),
);
const scalar = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }).map((s) => s.replaceAll('\0', '').replace(/[\uD800-\uDFFF]/g, '')),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 0.1, 123.45, -1.5e-10),
  fc.boolean(),
  fc.constant(null),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 5 }),
  object: fc.array(fc.tuple(key, tie('json')), { maxLength: 8 }).map((entries) => Object.fromEntries(entries)),
}));

/**
 * What storedJson's text is by definition: the value through JSON.stringify and JSON.parse (toJSON called, undefined
 * left out), every object's keys put in jsonb's order (by length in UTF-8 bytes, then bytewise) and built again
 * (JavaScript then puts integer-like keys first), and written by JSON.stringify. storedJson writes it in one pass.
 */
function byDefinition(payload: unknown): string {
  const reorder = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(reorder);
    const keys = Object.keys(v).sort((a, b) => {
      const x = Buffer.from(a), y = Buffer.from(b);
      return x.length - y.length || Buffer.compare(x, y);
    });
    return Object.fromEntries(keys.map((k) => [k, reorder((v as Record<string, unknown>)[k])]));
  };
  return JSON.stringify(reorder(JSON.parse(JSON.stringify(payload) ?? 'null')));
}

describe('a payload\'s stored text', () => {
  // Beyond JSON: what a payload built in JavaScript may hold (dates, undefined, functions, holes, wrappers, toJSON).
  const odd = fc.oneof(
    fc.date({ noInvalidDate: true }),
    fc.constantFrom(undefined, () => 1, Symbol('s'), NaN, Infinity, -Infinity, new Number(2), new String('s'), new Boolean(false)),
    fc.constant({ toJSON: (k: string) => ({ key: k, b: 1, a: [undefined] }) }),
    fc.constant([1, , 3]),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, odd, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 5 }),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 8 }).map((entries) => Object.fromEntries(entries)),
  }));

  fcTest.prop([value], { numRuns: 2000 })('is JSON.stringify of the value with its keys in jsonb order, whatever the value', (payload) => {
    expect(storedJson(payload).text).toBe(byDefinition(payload));
  });

  it('is the same for objects of one shape whatever the order their keys were set in', () => {
    const rows = [{ b: 1, a: 2, '3': 0 }, { a: 2, '3': 0, b: 1 }, { '3': 0, b: 1, a: 2 }];
    expect(new Set(rows.map((r) => storedJson(r).text))).toEqual(new Set(['{"3":0,"a":2,"b":1}']));
    expect(storedJson([{ bb: 1, a: 1 }, { bb: 2, a: 2 }]).text).toBe('[{"a":1,"bb":1},{"a":2,"bb":2}]');
  });
});

describe('a proposal staged with its ETag', () => {
  fcTest.prop([fc.oneof(fc.dictionary(key, json), json.filter((v) => v !== null && typeof v === 'object'))], { numRuns: 150 })(
    'keeps the ETag the API computes from the payload it reads back, for any JSON',
    async (payload) => {
      const { stored, view } = await stageAndRead(payload);
      expect(stored).toBe(view.etag);
      expect(stored).toBe(payloadEtag(view.payload));
      expect(storedJson(payload).etag).toBe(stored);
    },
  );

  it('orders keys as jsonb does, which is neither insertion order nor JavaScript order', async () => {
    const payload = { bb: 1, a: 2, '10': 3, é: 4, c: { zz: [{ y: 1, x: 2 }], '2': null, '1': true }, __proto__x: 0 };
    const { text } = storedJson(payload);
    // jsonb: by length in bytes, then bytewise; JSON.parse then puts integer-like keys first.
    expect(text).toBe('{"10":3,"a":2,"c":{"1":true,"2":null,"zz":[{"x":2,"y":1}]},"bb":1,"é":4,"__proto__x":0}');
    const { stored, view } = await stageAndRead(payload);
    expect(stored).toBe(view.etag);
    // And the old ETag of the payload as given (insertion order) is not it: the order matters.
    expect(payloadEtag(payload)).not.toBe(stored);
  });

  it('orders keys of one length in UTF-8 bytes by their bytes, not their UTF-16 units', async () => {
    // Both four bytes; UTF-16 puts the emoji's surrogates (D83D) before E000, UTF-8 puts EE before F0.
    const payload = { '\u{1F600}': 1, '\uE000a': 2 };
    expect(storedJson(payload).text).toBe('{"\uE000a":2,"\u{1F600}":1}');
    const { stored, view } = await stageAndRead(payload);
    expect(stored).toBe(view.etag);
  });

  it('is what a decision records when the caller gives none, in one statement with the decision', async () => {
    const { id, view } = await stageAndRead({ subject: 'Re: invoice', body: 'x', amounts: [1.5, 2], to: { email: 'a@b.example' } });
    // One statement: on one connection that has prepared it (a decision before, unmeasured), BEGIN goes with it and
    // COMMIT follows its answer, two writes; a second statement after the answer would make three.
    const one = sqlClient(db.url, 1);
    try {
      const { id: warm } = await stageAndRead({ a: 1 });
      await one.begin((tx) => decide(tx, { action_id: warm, decision: 'approved', by: 'ap', note: null, now: new Date() }));
      expect(await writesDuring(() => one.begin((tx) => decide(tx, { action_id: id, decision: 'approved', by: 'ap', note: null, now: new Date() })))).toBe(2);
    } finally {
      await one.end();
    }
    const [d] = await db.sql<{ shown_sha256: string }[]>`SELECT shown_sha256 FROM approval_decisions WHERE proposed_action_id = ${id}`;
    expect(d!.shown_sha256).toBe(view.etag);
  });

  it('a proposal staged before migration 0010 (no stored ETag) is hashed from its payload read back', async () => {
    const payload = { b: 1, aa: [2, 3], c: 'x' };
    const [p] = await db.sql<{ id: number }[]>`
      INSERT INTO proposed_actions (run_id, step, action_type, entity_type, entity_ref, payload, status, proposed_at)
      VALUES (${runId}, ${`legacy${step++}`}, 'a', 'e', 'r', ${db.sql.json(payload)}, 'pending', now()) RETURNING id`;
    await db.sql.begin((tx) => decide(tx, { action_id: p!.id, decision: 'rejected', by: 'ap', note: 'no', now: new Date() }));
    const [stored] = await db.sql<{ payload_sha256: string | null }[]>`SELECT payload_sha256 FROM proposed_actions WHERE id = ${p!.id}`;
    expect(stored!.payload_sha256).toBeNull();
    const view = (await getProposal(db.sql, p!.id))!;
    expect(view.etag).toBe(payloadEtag(view.payload));
    const [d] = await db.sql<{ shown_sha256: string; decision: string }[]>`SELECT shown_sha256, decision FROM approval_decisions WHERE proposed_action_id = ${p!.id}`;
    expect(d).toEqual({ shown_sha256: view.etag, decision: 'rejected' });
  });

  it('is read, not computed again, wherever the API shows the proposal: one proposal, a page of them, a run\'s', async () => {
    const { id } = await stageAndRead({ subject: 'kept', lines: [1, 2, 3] });
    // A hash no payload has: only a view that reads the kept column can show it.
    const kept = 'e'.repeat(64);
    await db.sql`UPDATE proposed_actions SET payload_sha256 = ${kept} WHERE id = ${id}`;
    expect((await getProposal(db.sql, id))!.etag).toBe(kept);
    const page = await listProposals(db.sql, { run_id: runId, limit: 500 });
    expect(page.items.find((p) => p.id === id)!.etag).toBe(kept);
    const [run] = await approvalRuns(db.sql, [runId]);
    expect(run!.proposed_actions.find((p) => p.id === id)!.etag).toBe(kept);
    const facts = await runFacts(db.sql, runId);
    expect(facts.proposals.map(withEtag).find((p) => p.id === id)!.etag).toBe(kept);
    // Every other proposal of the run shows the hash of its payload, kept or (staged before 0010) computed.
    for (const p of page.items.filter((x) => x.id !== id)) expect(p.etag).toBe(payloadEtag(p.payload));
  });

  it('is watched by an AFTER trigger: a BEFORE one would lock every proposal a decision updates, and log the lock (migration 0016)', async () => {
    const triggers = await db.sql<{ name: string; before: boolean; row: boolean }[]>`
      SELECT tgname AS name, (tgtype & 2) <> 0 AS before, (tgtype & 1) <> 0 AS row FROM pg_trigger
      WHERE tgrelid = 'proposed_actions'::regclass AND NOT tgisinternal`;
    expect(triggers).toEqual([{ name: 'proposed_actions_etag_follows_payload', before: false, row: true }]);
  });

  it('is cleared by a change of the payload made outside the product, which is then hashed as it reads (migrations 0015, 0016)', async () => {
    const { id, stored } = await stageAndRead({ subject: 'as staged', body: 'b' });
    // A hash given with the new payload stands: only a payload changed without one loses the kept hash.
    await db.sql`UPDATE proposed_actions SET status = status, decided_by = NULL WHERE id = ${id}`;
    expect((await getProposal(db.sql, id))!.etag).toBe(stored);
    await db.sql`UPDATE proposed_actions SET payload = jsonb_set(payload, '{subject}', '"changed elsewhere"') WHERE id = ${id}`;
    const [row] = await db.sql<{ payload_sha256: string | null }[]>`SELECT payload_sha256 FROM proposed_actions WHERE id = ${id}`;
    expect(row!.payload_sha256).toBeNull();
    const view = (await getProposal(db.sql, id))!;
    expect(view.payload.subject).toBe('changed elsewhere');
    expect(view.etag).not.toBe(stored);
    expect(view.etag).toBe(payloadEtag(view.payload));
    const given = 'd'.repeat(64);
    await db.sql`UPDATE proposed_actions SET payload = '{"subject": "with its hash"}', payload_sha256 = ${given} WHERE id = ${id}`;
    expect((await getProposal(db.sql, id))!.etag).toBe(given);
  });

  it('records the caller\'s hash when given, and refuses a second decision', async () => {
    const { id } = await stageAndRead({ a: 1 });
    const shown = 'f'.repeat(64);
    await db.sql.begin((tx) => decide(tx, { action_id: id, decision: 'approved', by: 'ap', note: null, now: new Date(), shown_sha256: shown }));
    const [d] = await db.sql<{ shown_sha256: string }[]>`SELECT shown_sha256 FROM approval_decisions WHERE proposed_action_id = ${id}`;
    expect(d!.shown_sha256).toBe(shown);
    await expect(db.sql.begin((tx) => decide(tx, { action_id: id, decision: 'rejected', by: 'ap', note: null, now: new Date() }))).rejects.toThrow(/not pending/);
    const [n] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM approval_decisions WHERE proposed_action_id = ${id}`;
    expect(n!.n).toBe(1);
  });

  it('the envelope id a new run takes comes from the identity\'s own sequence: staged with it, or without one after it, ids never collide', async () => {
    const [seq] = await db.sql<{ name: string }[]>`SELECT pg_get_serial_sequence('proposed_actions', 'id') AS name`;
    expect(seq!.name).toBe('public.proposed_actions_id_seq');
    const run = { workflow_type: 't', machine_version: 1, input: { a: 1 }, invoked_by: 'test', now: new Date() };
    const email = `reserve-${step}`;
    const [a, b, again] = await db.sql.begin(async (tx) => {
      const inserted = (await insertRunOnce(tx, { ...run, email_uuid: email }))!;
      expect(inserted.run).not.toHaveProperty('envelope_id');
      const base = { run_id: inserted.run.id, action_type: 'a', entity_type: 'e', entity_ref: 'r', payload: { n: 1 }, now: new Date() };
      const after = await stageProposal(tx, { ...base, step: `r${step++}` });
      // A redelivery inserts nothing and takes no id.
      const redelivered = await insertRunOnce(tx, { ...run, email_uuid: email });
      return [await stageProposal(tx, { ...base, id: inserted.envelopeId, step: `r${step++}` }), after, redelivered];
    });
    expect(again).toBeNull();
    expect(b).toBeGreaterThan(a);
    expect(await db.sql`SELECT count(*)::int AS n FROM proposed_actions WHERE id IN (${a}, ${b})`).toEqual([{ n: 2 }]);
    const [last] = await db.sql<{ n: number }[]>`SELECT last_value::int AS n FROM proposed_actions_id_seq`;
    expect(last!.n).toBe(b);
  });
});
