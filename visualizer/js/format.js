// Formatting for people: money, dates, durations, state values and statuses.

const COUNT_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** A small count in words as a sentence reads it ("fewer than two"); digits from 11 on. */
export const countWord = (n) => (Number.isInteger(n) && n >= 0 && n < COUNT_WORDS.length ? COUNT_WORDS[n] : String(n));

export function money(amount, currency = 'USD') {
  if (amount === null || amount === undefined || amount === '') return '—';
  const n = Number(amount);
  if (!Number.isFinite(n)) return String(amount);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).format(n);
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export function day(iso) {
  if (!iso) return '—';
  return String(iso).slice(0, 10);
}

/** "3 h 05 min", "42 s" */
export function duration(ms) {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

export function ago(iso, now) {
  const ms = now - new Date(iso).getTime();
  return ms >= 0 ? `${duration(ms)} ago` : `in ${duration(ms)}`;
}

/** A state value as text: "awaitingApproval", "fanOut: draftResponse.running, escalate.succeeded". */
export function stateText(value) {
  if (value == null) return '—';
  if (typeof value === 'string') return value;
  const leaves = [];
  const walk = (prefix, v) => {
    if (typeof v === 'string') leaves.push(prefix ? `${prefix}.${v}` : v);
    else for (const [k, sub] of Object.entries(v ?? {})) walk(prefix ? `${prefix}.${k}` : k, sub);
  };
  const [[top, inner]] = Object.entries(value);
  walk('', inner);
  return `${top}: ${leaves.join(', ')}`;
}

export const STATUS_LABEL = {
  running: 'running',
  awaiting_approval: 'awaiting approval',
  verifying: 'verifying',
  completed: 'completed',
  partial: 'partial',
  failed: 'failed',
  rejected: 'rejected',
  expired: 'expired',
  blocked: 'blocked',
};
export const statusLabel = (s) => STATUS_LABEL[s] ?? s;

/** The fields an approver may correct on the envelope, as people say them. */
export const FIELD_LABEL = {
  reason_code: 'Reason',
  invoice_ref: 'Invoice',
  customer_id: 'Customer id',
  disputed_amount: 'Disputed amount',
};
export const fieldLabel = (f) => FIELD_LABEL[f] ?? String(f).replaceAll('_', ' ');

const shown = (v) => (v === null || v === undefined || v === '' ? '(nothing)' : String(v));

/** "Reason: PRC → DMG (by mike)" */
export function correctionText(c) {
  return `${fieldLabel(c.field)}: ${shown(c.from)} → ${shown(c.to)}${c.by ? ` (by ${c.by})` : ''}`;
}

export const CHANNEL_LABEL = { email: 'email', erp_webhook: 'ERP hand-off' };

/**
 * Where a delivery stands, beside its status badge: when and with which Message-ID it was sent, the last
 * error and the attempts when it failed, the attempts so far while queued.
 */
export function deliveryDetail(d) {
  if (!d) return 'not queued';
  const via = CHANNEL_LABEL[d.channel] ?? d.channel;
  const tries = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  if (d.status === 'sent') return [via, dateTime(d.sent_at), d.message_id ? `Message-ID ${d.message_id}` : null].filter(Boolean).join(' · ');
  if (d.status === 'failed') return `${via} · failed after ${tries}: ${d.last_error ?? 'no error recorded'}`;
  return `${via} · ${d.attempts ? `${tries} so far${d.last_error ? `, last error: ${d.last_error}` : ''}` : 'waiting for the outbox'}`;
}
