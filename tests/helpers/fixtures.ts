// The labeled sample emails as triage events.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LabeledEmail {
  email_uuid: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  received_at: string;
  expected: { customer_id: number | null; invoice_ref: string | null; invoice_exists: boolean; reason_code: string; disputed_amount: number | null; po_number: string | null };
}

export const EMAILS: LabeledEmail[] = readFileSync(fileURLToPath(new URL('../../data/emails/sample.jsonl', import.meta.url)), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as LabeledEmail);

/** The first sample email matching the predicate, as a triage body (optionally with a fresh email_uuid). */
export function triageFor(pred: (e: LabeledEmail) => boolean, emailUuid?: string) {
  const e = EMAILS.find(pred);
  if (!e) throw new Error('no sample email matches');
  return {
    email_uuid: emailUuid ?? e.email_uuid,
    reason_text: e.subject,
    email: { from: e.from, to: e.to, subject: e.subject, body: e.body, received_at: e.received_at },
  };
}
