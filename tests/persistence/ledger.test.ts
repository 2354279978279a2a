// The ledger records an event once per idempotency key and, in the same statement, queues its announcement
// when there is a webhook: the outbox row, its body naming the event, and the dispatcher's wake-up at commit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../persistence/ledger.ts';
import { OUTBOX_CHANNEL } from '../../persistence/outbox.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: false });
});
afterAll(() => db.drop());

const now = new Date('2026-11-20T10:00:00Z');
const event = (key: string) => ({ event_type: 'workflow.test', idempotency_key: key, run_id: null, payload: { n: 1 }, now });

describe('recordEvent', () => {
  it('records a key once, and queues one announcement naming the event, waking the dispatcher at commit', async () => {
    const wakes: string[] = [];
    const listener = await db.sql.listen(OUTBOX_CHANNEL, (x) => wakes.push(x));
    const announce = { url: 'https://hooks.example/in', body: { event_type: 'workflow.test', idempotency_key: 'k-1' } };
    const first = await db.sql.begin((tx) => recordEvent(tx, event('k-1'), announce));
    const again = await db.sql.begin((tx) => recordEvent(tx, event('k-1'), announce));
    expect([first, again]).toEqual([true, false]);
    const [ledger] = await db.sql<{ id: number }[]>`SELECT id FROM event_ledger WHERE idempotency_key = 'k-1'`;
    const queued = await db.sql`SELECT kind, payload, status FROM outbox WHERE idempotency_key = 'notify:k-1'`;
    expect(queued).toEqual([
      { kind: 'ledger_webhook', status: 'pending', payload: { url: 'https://hooks.example/in', body: { id: ledger!.id, event_type: 'workflow.test', idempotency_key: 'k-1' } } },
    ]);
    await expect.poll(() => wakes.length).toBe(1); // the repeat queued nothing, so it woke nobody
    await listener.unlisten();
  });

  it('queues nothing without a webhook, and nothing when the transaction rolls back', async () => {
    expect(await db.sql.begin((tx) => recordEvent(tx, event('k-2')))).toBe(true);
    await expect(
      db.sql.begin(async (tx) => {
        await recordEvent(tx, event('k-3'), { url: 'https://hooks.example/in', body: {} });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await db.sql`SELECT idempotency_key FROM event_ledger WHERE idempotency_key IN ('k-2', 'k-3')`).toEqual([{ idempotency_key: 'k-2' }]);
    expect(await db.sql`SELECT idempotency_key FROM outbox WHERE idempotency_key IN ('notify:k-2', 'notify:k-3')`).toEqual([]);
  });
});
