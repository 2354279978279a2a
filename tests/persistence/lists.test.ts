// Lists in statements (persistence/lists.ts): an array literal reads back as exactly its list; `IN` over a
// list padded to a power of two finds what the list names and nothing more; and what an email cites makes a
// few statements per query (a handful of lengths per list), not one per length.
import { fc, test as fcTest } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlClient, type Sql } from '../../persistence/connect.ts';
import { deliveriesOf } from '../../persistence/deliveries.ts';
import { inList, numberList, padded, textList } from '../../persistence/lists.ts';
import { contactsByDomains, customersByIds } from '../../persistence/mirror/customers.ts';
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

describe('padded and inList', () => {
  it('rounds a length up to a power of two by repeating the last value', () => {
    expect(padded([])).toEqual([]);
    expect(padded(['a'])).toEqual(['a']);
    expect(padded(['a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'c']);
    expect(padded([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5, 5, 5, 5]);
    expect(new Set(Array.from({ length: 21 }, (_, n) => padded(Array.from({ length: n }, (_, i) => i)).length))).toEqual(new Set([0, 1, 2, 4, 8, 16, 32]));
  });

  fcTest.prop([fc.uniqueArray(fc.integer({ min: 1001, max: 1045 }), { maxLength: 20 })], { numRuns: 40 })(
    'finds the same rows as the list itself, padded or not (= ANY over the exact list)',
    async (ids) => {
      const padded = await db.sql<{ id: number }[]>`SELECT id FROM customers WHERE ${inList(db.sql, db.sql`id`, ids)} ORDER BY id`;
      const exact = await db.sql<{ id: number }[]>`SELECT id FROM customers WHERE id = ANY(${numberList(ids)}::bigint[]) ORDER BY id`;
      expect(padded).toEqual(exact);
    },
  );
});

describe('statements that take lists', () => {
  /** How many statements the one connection has prepared whose text contains `marker`. */
  const prepared = async (marker: string, unless = 'pg_prepared_statements') => {
    const [r] = await one<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${'%' + marker + '%'} AND statement NOT LIKE ${'%' + unless + '%'} AND statement NOT LIKE '%pg_prepared_statements%'`;
    return r!.n;
  };
  const upTo = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

  it('make one statement per power of two of a list an email gives them, not one per length', async () => {
    // The lengths as a customer's email makes them vary, to the reader's caps (20 invoices, 10 payments, POs and
    // totals): with a placeholder per element, each length, and each combination of lengths, was a statement.
    for (let k = 0; k <= 20; k++) {
      await senderAndCited(one, { emails: ['someone@example.com'], invoice_keys: upTo(k, (i) => String(4100 + i)), payment_refs: [], po_numbers: [], amounts: [] });
      await invoicesByReferences(one, 1002, { po_numbers: upTo(k % 11, (i) => `PO-${i}`), tranids: [], amounts: [] });
      await customersByIds(one, upTo(k + 1, (i) => 1001 + i));
    }
    expect(await prepared('WITH ct AS')).toBe(6); // 0 or 1, 2, 4, 8, 16, 32 invoices
    expect(await prepared('LIMIT 30', 'WITH ct AS')).toBe(1); // its lists are one value each: they filter an index scan by customer
    expect(await prepared('FROM customers WHERE id IN', 'WITH ct AS')).toBe(6); // 1, 2, 4, 8, 16, 32 ids
    for (let k = 0; k <= 12; k++) await contactsByDomains(one, upTo(k + 1, (i) => `d${i}.example`));
    expect(await prepared("FROM contacts\n    WHERE split_part")).toBe(5);
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
