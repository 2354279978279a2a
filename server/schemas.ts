// Request bodies, validated at the edge. Unknown fields are rejected so that typos never pass silently.
import { z } from 'zod';

export const Email = z.strictObject({
  from: z.string().trim().min(3, 'must be the sender address').max(320),
  to: z.string().max(2000).optional(),
  subject: z.string().max(2000),
  body: z.string().max(200_000),
  received_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  // The customer's Message-ID (e.g. <abc@mail.example>): the approved reply threads under it.
  message_id: z.string().trim().min(3).max(998).regex(/^\S+$/, 'must be one Message-ID such as <id@host>').optional(),
});

export const TriageEvent = z.strictObject({
  email_uuid: z
    .string({ error: 'is required' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be 1-200 characters of letters, digits, . _ : -'),
  customer_id: z.number({ error: 'must be an integer' }).int('must be an integer').positive().nullable().optional(),
  invoice_ref: z.string().trim().min(1, 'must not be empty').max(64).nullable().optional(),
  reason_text: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(20_000),
  email: Email.nullable().optional(),
});
export type TriageEvent = z.infer<typeof TriageEvent>;

/** What the approver may correct on the HITL envelope; checked against the mirror before anything is written. */
export const Corrections = z
  .strictObject({
    reason_code: z.string().trim().toUpperCase().regex(/^[A-Z]{2,4}$/, 'must be a reason code such as PRC').optional(),
    invoice_ref: z.string().trim().min(1, 'must not be empty').max(64).optional(),
    customer_id: z.number({ error: 'must be an integer' }).int('must be an integer').positive('must be a positive id').max(Number.MAX_SAFE_INTEGER).optional(),
    disputed_amount: z.number({ error: 'must be a number' }).finite().nonnegative('must not be negative').max(1e12, 'is too large').optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'must name at least one field');

/** The approver's edits of a drafted reply or escalation: what is sent is what was approved. */
export const Edits = z
  .strictObject({
    // A header line: no line breaks (they would let a subject inject headers).
    subject: z.string().trim().min(1, 'must not be empty').max(998).regex(/^[^\r\n]*$/, 'must be one line').optional(),
    body: z.string().min(1, 'must not be empty').max(100_000).optional(),
  })
  .refine((e) => Object.keys(e).length > 0, 'must name subject or body');

export const ApproveBody = z.strictObject({
  note: z.string().trim().max(2000).optional(),
  corrections: Corrections.optional(),
  edits: Edits.optional(),
});
export const RejectBody = z.strictObject({ reason: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(2000) });

const cursor = z.string().regex(/^\d+$/, 'must be a cursor returned by this API').optional();
const limit = z.coerce.number().int().min(1).max(200).default(50);

export const RunsQuery = z.strictObject({
  status: z.enum(['running', 'awaiting_approval', 'verifying', 'completed', 'partial', 'failed', 'rejected', 'expired', 'blocked']).optional(),
  customer_id: z.coerce.number().int().positive().optional(),
  older_than_hours: z.coerce.number().min(0).optional(),
  newer_than_hours: z.coerce.number().min(0).optional(),
  cursor,
  limit,
});

export const ProposalsQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected', 'expired']).optional(),
  action_type: z.string().max(100).optional(),
  run_id: z.coerce.number().int().positive().optional(),
  cursor,
  limit,
});

export const IdParam = z.coerce.number({ error: 'must be a numeric id' }).int().positive('must be a positive id');
