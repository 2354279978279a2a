// One source for the hold-review rule: a copy of the contract with another threshold changes the machine's
// guard, the drawing the inspector is served (GET /api/machine), the contract card and the approvals page's
// sentence, in a real browser. Nothing repeats the number.
import { type Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { CONTRACT, type Contract } from '../../machines/contract.ts';
import { createDisputeMachine } from '../../machines/dispute.ts';
import type { DisputeEvent } from '../../machines/types.ts';
import type { GraphEdge, MachineGraph } from '../../server/visualizer/graph.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { triageFor } from '../helpers/fixtures.ts';
import { startTestServer, TOKEN, type TestServer } from '../helpers/server.ts';


const THRESHOLD = CONTRACT.hold_review_threshold + 1;
const changed: Contract = { ...CONTRACT, hold_review_threshold: THRESHOLD };
const WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** Where the hold-review region goes for a customer with `prior` open disputes, under `contract`. */
function holdRegionAfterApproval(contract: Contract, prior: number): unknown {
  const machine = createDisputeMachine(contract);
  const input = { run_id: 1, email_uuid: 'e-1', customer_id: 1001, invoice_ref: 'INV-1', reason_text: 'wrong price', email: null, invoked_by: 'triage', started_at: '2026-11-20T00:00:00Z' };
  const events: DisputeEvent[] = [
    { type: 'EXTRACTED', extraction: { invoice_ref: 'INV-1', customer_id: 1001, reason_code: 'PRC', warnings: [] } },
    {
      type: 'CONTEXT_LOADED',
      loaded: { customer: { id: 1001 }, invoice: { id: 1, tranid: 'INV-1' }, invoice_matches: 1, recent_payments: [], prior_disputes: prior, open_disputes: [], prior_invoices: [] },
    },
    { type: 'APPROVAL_STAGED', action_id: 7 },
    { type: 'APPROVE', action_id: 7, by: 'mike', note: null, at: '2026-11-20T00:10:00Z' },
  ];
  let [s] = initialTransition(machine, input);
  for (const e of events) [s] = transition(machine, s, e);
  return (s.value as { fanOut?: Record<string, unknown> }).fanOut?.arHoldDecision;
}

const holdEdges = (g: MachineGraph): GraphEdge[] => g.edges.filter((e) => e.source === 'customer_invoice_dispute.fanOut.arHoldDecision.check');

describe('the hold-review threshold, changed in a copy of the contract', () => {
  it('moves the guard: the review is staged from the new number of open disputes, not before', () => {
    expect(holdRegionAfterApproval(CONTRACT, CONTRACT.hold_review_threshold)).toBe('running');
    expect(holdRegionAfterApproval(changed, CONTRACT.hold_review_threshold)).toBe('skipped');
    expect(holdRegionAfterApproval(changed, THRESHOLD)).toBe('running');
    expect(holdRegionAfterApproval(changed, THRESHOLD - 2)).toBe('skipped');
  });

  describe('served', () => {
    let db: TestDatabase;
    let srv: TestServer;
    let plain: TestServer;
    let browser: Browser;
    beforeAll(async () => {
      [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
      [srv, plain] = await Promise.all([startTestServer(db.sql, { contract: changed }), startTestServer(db.sql)]);
    });
    afterAll(async () => {
      await browser?.close();
      await srv?.close();
      await plain?.close();
      await db?.drop();
    });

    it('redraws the guard in the graph the inspector is served, and the contract card follows', async () => {
      const graph = (await (await srv.api('GET', '/api/machine')).json()) as MachineGraph;
      expect(holdEdges(graph).map((e) => [e.guard, e.label, e.target.split('.').at(-1)])).toEqual([
        [`prior_disputes >= ${THRESHOLD}`, `always [prior_disputes >= ${THRESHOLD}]`, 'running'],
        [null, 'always', 'skipped'],
      ]);
      const before = (await (await plain.api('GET', '/api/machine')).json()) as MachineGraph;
      expect(holdEdges(before)[0]!.guard).toBe(`prior_disputes >= ${CONTRACT.hold_review_threshold}`);

      const card = (await (await srv.api('GET', '/api/contract')).json()) as { contract: Contract; fan_out: { step: string; if?: string }[] };
      expect(card.contract.hold_review_threshold).toBe(THRESHOLD);
      expect(card.fan_out.find((f) => f.step === 'arHoldDecision')!.if).toBe(`prior_disputes >= ${THRESHOLD}`);
      expect(card.fan_out.filter((f) => f.if !== undefined)).toHaveLength(1);
    });

    it("rewrites the approvals page's sentence about the hold review", async () => {
      const res = await srv.triage(triageFor((e) => e.expected.customer_id === 1002 && e.expected.reason_code === 'PRC', 'hold-threshold-1'));
      expect(res.status).toBe(202);
      const { run_id } = (await res.json()) as { run_id: number };
      const sentence = async (url: string) => {
        const page = await browser.newPage();
        try {
          await page.goto(`${url}/proposed-actions`);
          await page.fill('#token-input', TOKEN);
          await page.click('.auth-form button[type=submit]');
          const p = page.locator(`article.case[data-run-id="${run_id}"] p`, { hasText: 'AR hold review' }).first();
          await p.waitFor();
          return ((await p.textContent()) ?? '').replace(/\s+/g, ' ');
        } finally {
          await page.close();
        }
      };
      expect(await sentence(srv.url)).toContain(`with fewer than ${WORDS[THRESHOLD]} open disputes) no AR hold review is staged`);
      expect(await sentence(plain.url)).toContain(`with fewer than ${WORDS[CONTRACT.hold_review_threshold]} open disputes) no AR hold review is staged`);
    });
  });
});
