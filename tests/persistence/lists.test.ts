// Lists as one bound value (persistence/lists.ts): whatever a list holds, PostgreSQL reads back exactly the
// list, and a statement that takes lists is one prepared statement whatever their lengths.
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient, type Sql } from '../../persistence/connect.ts';
import { deliveriesOf } from '../../persistence/deliveries.ts';
import { numberList, textList } from '../../persistence/lists.ts';
import { contactsByDomains, customersByDomains, customersByIds } from '../../persistence/mirror/customers.ts';
import { senderAndCited } from '../../persistence/mirror/sender.ts';
import { invoicesByReferences } from '../../persistence/mirror/transactions.ts';
import { approvalRuns } from '../../persistence/readModel.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let one: Sql;
beforeAll(async () => {
  db = await createTestDatabase({ mirror: true });
  one = sqlClient(db.url, 1);
});
afterAll(async () => {
  await one.end();
  await db.drop();
});

// PostgreSQL's text holds any character but NUL.
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', ',', '{', '}', ' ', "'", 'N', 'U', 'L'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) }).map((s) => s.replaceAll('\0', ''));

describe('textList and numberList', () => {
  fcTest.prop([fc.array(text, { maxLength: 12 })], { numRuns: 60 })('a text[] literal reads back as the list it was made of', async (xs) => {
    const [row] = await db.sql<{ back: string[] }[]>`SELECT ${textList(xs)}::text[] AS back`;
    expect(row!.back).toEqual(xs);
  });

  it('keeps the words that mean something in a literal as words, and matches with = ANY', async () => {
    const xs = ['NULL', 'null', '', ' a ', 'x,y', '{z}', 'q"uote', 'back\\slash'];
    const [row] = await db.sql<{ back: string[]; hit: boolean; miss: boolean }[]>`
      SELECT ${textList(xs)}::text[] AS back, 'x,y' = ANY(${textList(xs)}::text[]) AS hit, 'x' = ANY(${textList(xs)}::text[]) AS miss`;
    expect(row).toEqual({ back: xs, hit: true, miss: false });
  });

  it('numbers read back as numbers; a number that is not finite is refused before anything is sent', async () => {
    const [row] = await db.sql<{ back: string[]; ids: string[] }[]>`SELECT ${numberList([1.5, -2, 0, 172.8, 1e21])}::numeric[]::text[] AS back, ${numberList([1002, 9007199254740991])}::bigint[]::text[] AS ids`;
    expect(row!.back).toEqual(['1.5', '-2', '0', '172.8', '1000000000000000000000']);
    expect(row!.ids).toEqual(['1002', '9007199254740991']);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(() => numberList([1, bad])).toThrow(RangeError);
  });
});

describe('statements that take lists', () => {
  /** How many statements the one connection has prepared whose text contains `marker`. */
  const prepared = async (marker: string) => {
    const [r] = await one<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${'%' + marker + '%'} AND statement NOT LIKE '%pg_prepared_statements%'`;
    return r!.n;
  };
  const upTo = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

  it('are one prepared statement each, whatever the lengths of the lists an email gives them', async () => {
    // Lengths as a customer's email makes them vary (up to the reader's caps: 20 invoices, 10 payments,
    // POs and totals): with a placeholder per element, each combination was a statement of its own.
    for (let k = 0; k <= 12; k++) {
      await senderAndCited(one, {
        emails: upTo(k % 4, (i) => `someone${i}@example.com`),
        invoice_keys: upTo(k, (i) => String(4100 + i)),
        payment_refs: upTo(k % 7, (i) => `ACH-${i}`),
        po_numbers: upTo(k % 5, (i) => `PO-${i}`),
        amounts: upTo(k % 3, (i) => 100 + i),
      });
      await invoicesByReferences(one, 1002, { po_numbers: upTo(k % 5, (i) => `PO-${i}`), tranids: upTo(k, (i) => `INV-${i}`), amounts: upTo(k % 3, (i) => i) });
      await contactsByDomains(one, upTo(k + 1, (i) => `d${i}.example`));
      await customersByDomains(one, upTo(k + 1, (i) => `d${i}.example`));
      await customersByIds(one, upTo(k + 1, (i) => 1001 + i));
    }
    expect(await prepared('WITH ct AS')).toBe(1);
    expect(await prepared('otherrefnum = ANY')).toBe(2); // the statement above, and invoicesByReferences on its own
    expect(await prepared("split_part(lower(email), '@', 2)")).toBe(2); // contacts and customers
    expect(await prepared('FROM customers WHERE id = ANY')).toBe(1);
  });

  it('the approvals page: one set of statements for a page of any size', async () => {
    for (let k = 1; k <= 9; k++) {
      await approvalRuns(one, upTo(k, (i) => i + 1));
      await deliveriesOf(one, upTo(k, (i) => i + 1));
    }
    expect(await prepared('FROM runs WHERE id = ANY')).toBe(1);
    expect(await prepared('WHERE p.run_id = ANY')).toBe(1);
    expect(await prepared('FROM corrections WHERE run_id = ANY')).toBe(1);
    expect(await prepared('o.proposed_action_id = ANY')).toBe(1);
  });

  it('find what the lists name', async () => {
    expect((await customersByIds(one, [1001, 1002])).map((c) => c.id).sort()).toEqual(['1001', '1002']);
    expect(await customersByIds(one, [])).toEqual([]);
    const found = await invoicesByReferences(one, 1002, { po_numbers: ['PO-67784'], tranids: [], amounts: [] });
    expect(found.map((i) => i.otherrefnum)).toContain('PO-67784');
    expect(await invoicesByReferences(one, 1002, { po_numbers: [], tranids: [], amounts: [] })).toEqual([]);
  });
});
