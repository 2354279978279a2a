// Hostile input (issue 8, item 2) over HTTP: a triage email naming a member of Object.prototype
// ("constructor", "__proto__", "toString", …) in any field starts a run like any other email, and its
// redelivery returns that run. Before, "constructor" failed the extraction: 500 on every delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let db: TestDatabase;
let srv: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  srv = await startTestServer(db.sql);
});
afterAll(async () => {
  await srv.close();
  await db.drop();
});

describe.each(Object.getOwnPropertyNames(Object.prototype).map((w, i) => [w, i] as const))('a triage email with the word %s everywhere', (word, i) => {
  it('starts a run, and its redelivery returns the same run', async () => {
    const event = {
      email_uuid: `prototype-word-${i}`,
      reason_text: `Customer disputes the ${word} price on INV-004143 (${word.toLowerCase()})`,
      invoice_ref: word,
      email: {
        from: `${word} <james.okafor@bluewatermarine.example>`,
        subject: `Pricing ${word} on INV-004143`,
        body: `The ${word} spools on INV-004143 are billed at $118.90 but our contract price is $104.50 (${word.toLowerCase()}).`,
      },
    };
    const first = await srv.triage(event);
    expect(first.status).toBe(202);
    const run = (await first.json()) as { run_id: number; status: string };
    expect(run.status).toBe('awaiting_approval');
    const again = await srv.triage(event);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { run_id: number }).run_id).toBe(run.run_id);
    const detail = (await (await srv.api('GET', `/runs/${run.run_id}`)).json()) as { context: { extraction: { reason_code: string; customer_id: number } } };
    expect(detail.context.extraction).toMatchObject({ reason_code: 'PRC', customer_id: 1002 });
  });
});
