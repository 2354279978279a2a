// The events' zod schemas (machines/events.ts) are the one definition: the machine's types are inferred from
// them, and the API's bodies build on their fields, so the API refuses exactly what an event may not carry.
import { describe, expect, it } from 'vitest';
import { DisputeEventSchema, EVENT_SCHEMAS } from '../../machines/events.ts';
import { ApproveBody, RejectBody } from '../../server/schemas.ts';

const approve = { type: 'APPROVE', action_id: 7, by: 'mike', note: null, at: '2026-11-20T00:10:00Z' };
const messages = (r: { error?: { issues: { path: PropertyKey[]; message: string }[] } | undefined }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.map(String).join('.')}: ${i.message}`);

describe('the event schemas', () => {
  it('accept every kind of event the machine takes, and nothing else', () => {
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual(
      ['APPROVAL_EXPIRED', 'APPROVAL_STAGED', 'APPROVE', 'CONTEXT_LOADED', 'EXTRACTED', 'REJECT', 'RETRY_STEP', 'STEP_FAILED', 'STEP_SUCCEEDED', 'VERIFY_RESULT'],
    );
    expect(DisputeEventSchema.parse({ ...approve, corrections: { reason_code: ' dsc ' } })).toEqual({ ...approve, corrections: { reason_code: 'DSC' } });
    expect(DisputeEventSchema.safeParse({ type: 'STEP_FAILED', step: 'sing', error: 'x' }).success).toBe(false);
    expect(DisputeEventSchema.safeParse({ type: 'xstate.init' }).success).toBe(false);
  });

  it("refuse in an event what the API refuses in the body it comes from, with the same message", () => {
    const cases: [unknown, unknown][] = [
      [{ corrections: { reason_code: 'P1' } }, { corrections: { reason_code: 'P1' } }],
      [{ corrections: {} }, { corrections: {} }],
      [{ corrections: { customer_id: 1.5 } }, { corrections: { customer_id: 1.5 } }],
      [{ note: 'ok\u0000' }, { note: 'ok\u0000' }],
      [{ note: 'x'.repeat(2001) }, { note: 'x'.repeat(2001) }],
    ];
    for (const [body, inEvent] of cases) {
      const api = messages(ApproveBody.safeParse(body));
      expect(api.length, JSON.stringify(body)).toBeGreaterThan(0);
      expect(messages(EVENT_SCHEMAS.APPROVE.safeParse({ ...approve, ...(inEvent as object) }))).toEqual(api);
    }
    const reject = { type: 'REJECT', action_id: 7, by: 'mike', at: 'x' };
    expect(messages(EVENT_SCHEMAS.REJECT.safeParse({ ...reject, reason: '  ' }))).toEqual(messages(RejectBody.safeParse({ reason: '  ' })));
    expect(messages(RejectBody.safeParse({ reason: '  ' }))).toEqual(['reason: must not be empty']);
  });
});
