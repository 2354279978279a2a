// Request bodies and query strings, validated at the edge. Unknown fields are rejected so that typos never
// pass silently. Every text field goes through `text` or `relayedText`, because PostgreSQL refuses NUL
// (\u0000) in text and jsonb and jsonb refuses an unpaired UTF-16 surrogate ("\ud800"): without them such a
// value would get as far as the database and answer 500. What becomes an event (the approver's note, reason
// and corrections) is defined once, with the event, in machines/events.ts.
import { z } from 'zod';
import { Corrections, Note, Reason } from '../machines/events.ts';
import { LONE_SURROGATE, string, text } from '../machines/text.ts';
import { badRequest, fromZod } from './errors.ts';

/** Routes build their text fields with it; it lives beside the events, which need it too. */
export { text };

const NUL_ALL = /\u0000/g;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Text relayed from a customer's email by the triage system: NUL is dropped and an unpaired surrogate
 * becomes U+FFFD (as any UTF-8 encoder does), never refused. Refusing would lose the dispute at every
 * redelivery for a byte nobody can see; the signature was already checked over the exact bytes.
 */
export const relayedText = (max: number) =>
  string()
    .overwrite((s) => s.replace(NUL_ALL, '').replace(LONE_SURROGATE_ALL, '\uFFFD'))
    .max(max, `must be at most ${max} characters`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One email is one run: a UUID is compared in lower case (`B61E…` and `b61e…` are the same email). Any other
 * id is the upstream system's opaque key and kept exactly as given, case and all: many such ids (base64
 * message ids) are case-sensitive, and merging two emails would silently drop a dispute.
 */
export const canonicalEmailUuid = (id: string) => (UUID.test(id) ? id.toLowerCase() : id);

export const Email = z.strictObject({
  from: relayedText(320).trim().min(3, 'must be the sender address'),
  to: relayedText(2000).optional(),
  subject: relayedText(2000),
  body: relayedText(200_000),
  received_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  // The customer's Message-ID (e.g. <abc@mail.example>): the approved reply threads under it.
  message_id: text(998).trim().min(3).regex(/^\S+$/, 'must be one Message-ID such as <id@host>').optional(),
});

export const TriageEvent = z.strictObject({
  email_uuid: text(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be 1-200 characters of letters, digits, . _ : -')
    .transform(canonicalEmailUuid),
  customer_id: z.number({ error: 'must be an integer' }).int('must be an integer').positive('must be a positive integer').nullable().optional(),
  invoice_ref: text(64).trim().min(1, 'must not be empty').nullable().optional(),
  reason_text: relayedText(20_000).trim().min(1, 'must not be empty'),
  email: Email.nullable().optional(),
});
export type TriageEvent = z.infer<typeof TriageEvent>;

/** The approver's edits of a drafted reply or escalation: what is sent is what was approved. */
export const Edits = z
  .strictObject({
    // A header line: no line breaks (they would let a subject inject headers).
    subject: text(998).trim().min(1, 'must not be empty').regex(/^[^\r\n]*$/, 'must be one line').optional(),
    body: text(100_000).min(1, 'must not be empty').optional(),
  })
  .refine((e) => Object.keys(e).length > 0, 'must name subject or body');

export const ApproveBody = z.strictObject({
  note: Note.optional(),
  corrections: Corrections.optional(),
  edits: Edits.optional(),
});
export const RejectBody = z.strictObject({ reason: Reason });

/**
 * A positive integer id as this API hands them out: JSON numbers, so at most 2^53 − 1. Written in decimal
 * digits only ("0x10", "1e3" and " 7" are not ids); anything else is a 400 naming the field.
 */
export const id = (message = 'must be a positive integer id') =>
  text(32)
    .regex(/^\d{1,16}$/, `${message} (decimal digits, at most ${Number.MAX_SAFE_INTEGER})`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= Number.MAX_SAFE_INTEGER, `${message} (1 to ${Number.MAX_SAFE_INTEGER})`);

export const IdParam = id();

const cursor = id('must be a cursor returned by this API').optional();
const limit = text(16)
  .regex(/^\d{1,3}$/, 'must be an integer from 1 to 200')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 200, 'must be an integer from 1 to 200')
  .default(50);
/** Up to 100 years: further back than any run, and far inside what a date can hold. */
const MAX_HOURS = 876_000;
const hours = text(32)
  .regex(/^\d+(\.\d+)?$/, `must be a number of hours from 0 to ${MAX_HOURS}`)
  .transform(Number)
  .refine((n) => n <= MAX_HOURS, `must be a number of hours from 0 to ${MAX_HOURS}`)
  .optional();

export const RunsQuery = z.strictObject({
  status: z.enum(['running', 'awaiting_approval', 'verifying', 'completed', 'partial', 'failed', 'rejected', 'expired', 'blocked']).optional(),
  customer_id: id('must be a positive integer customer id').optional(),
  older_than_hours: hours,
  newer_than_hours: hours,
  cursor,
  limit,
});

export const ProposalsQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected', 'expired']).optional(),
  action_type: text(100)
    .regex(/^[a-z][a-z0-9_]*$/, 'must be an action type such as customer_email')
    .optional(),
  run_id: id('must be a positive integer run id').optional(),
  // include=run: the page's runs as `runs` (what the approvals page shows of each), in the same answer.
  include: z.enum(['run'], 'must be run').optional(),
  cursor,
  limit,
});

export const AlertsQuery = z.strictObject({
  run_id: id('must be a positive integer run id').optional(),
  cursor,
  limit,
});

/** Validates a value (a body, a path parameter): the one place a zod failure becomes a 400 naming each field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZod(parsed.error, where);
  return parsed.data;
}

/**
 * Validates the query string. A parameter given twice (`?status=a&status=b`) arrives as an array: that is a
 * 400 saying so, rather than a type error about arrays.
 */
export function parseQuery<S extends z.ZodObject>(ctx: { query: Record<string, string | string[] | undefined> }, schema: S): z.output<S> {
  const query = ctx.query;
  const repeated = Object.keys(query).filter((k) => Array.isArray(query[k]) && Object.hasOwn(schema.shape, k));
  if (repeated.length) {
    const details = repeated.map((field) => ({ field, message: 'must be given once' }));
    throw badRequest(`${repeated[0]}: must be given once`, details);
  }
  return parseWith(schema, query, 'query');
}

/** Validates one path parameter (`/runs/:id`); a failure is a 400 naming it. */
export function parseParam<S extends z.ZodType>(ctx: { params: Record<string, string | undefined> }, name: string, schema: S): z.output<S> {
  return parseWith(schema, ctx.params[name], name);
}
