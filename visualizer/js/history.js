// "History with this customer" on the approvals page: the envelope's `history` (memory: the customer's
// last finished runs, newest first), one row per run — when, which invoice, the reason (and what the
// reader had read, if the approver corrected it), the decision with its note, the other corrections, how
// the run ended and what verification found. Envelopes staged before memory existed have no history: the
// section is left out for them.
import { h, table } from './dom.js';
import { correctionText, day, statusLabel } from './format.js';

const reasonOf = (r) => {
  const c = r.corrections.find((x) => x.field === 'reason_code');
  return c ? `${c.from ?? '—'} → ${r.reason_code ?? '—'}` : (r.reason_code ?? '—');
};
const decisionOf = (r) => (r.decision ? `${r.decision}${r.decided_by && r.decision !== 'expired' ? ` by ${r.decided_by}` : ''}${r.note ? ` — “${r.note}”` : ''}` : 'not decided (blocked)');
const otherCorrections = (r) => r.corrections.filter((x) => x.field !== 'reason_code').map(correctionText).join('; ') || '—';

export function historySection(payload, runId) {
  const rows = payload.history;
  if (!Array.isArray(rows)) return null;
  return h('section', { class: 'customer-history', 'aria-label': 'History with this customer', 'data-key': `memory-${runId}` },
    table([
      { label: 'Run', value: (r) => h('a', { href: `/inspector#run=${r.run_id}` }, `#${r.run_id}`) },
      { label: 'Date', value: (r) => day(r.at) },
      { label: 'Invoice', value: (r) => r.invoice_ref ?? '—' },
      { label: 'Reason', value: reasonOf },
      { label: 'Decision', value: decisionOf },
      { label: 'Other corrections', value: otherCorrections },
      { label: 'Outcome', value: (r) => `${r.outcome}${r.status !== r.outcome ? ` (now ${statusLabel(r.status)})` : ''}` },
      { label: 'Verify', value: (r) => r.verify ?? '—' },
    ], rows, { caption: `History with this customer (last ${rows.length} finished run${rows.length === 1 ? '' : 's'})`, empty: 'History with this customer: no earlier finished runs.' }));
}
