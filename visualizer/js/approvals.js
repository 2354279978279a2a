// The approvals page: every pending proposed action, grouped by run, with what the approver needs to
// decide (customer, invoice and amount, reason and evidence, prior invoices and disputes, warnings, the
// drafted email, time left in the approval window); approve or reject with a note. Updates live.
import { api, clockOffset, liveFeed, throttle } from './api.js';
import { mountAuth, signInPrompt } from './auth.js';
import { $, clear, facts, h, table, showLiveState } from './dom.js';
import { dateTime, day, duration, money, statusLabel } from './format.js';

const HITL = 'workflow_customer_invoice_dispute';
const TITLES = {
  [HITL]: 'Approve the dispute workflow',
  customer_email: 'Drafted reply to the customer',
  customer_escalation: 'Escalation to the sales rep',
  ar_hold_review: 'AR hold-or-continue review',
};

const s = { signedIn: false, offset: 0, stopLive: null, windows: [], signature: null };
const el = { list: $('#cases'), outcomes: $('#outcomes'), summary: $('#pending-summary'), live: $('#live-state') };

const now = () => Date.now() + s.offset;

async function load() {
  if (!s.signedIn) return;
  try {
    const pending = [];
    let cursor = null;
    do {
      const page = await api(`/proposed-actions?status=pending&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      pending.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && pending.length < 1000);
    const byRun = new Map();
    for (const p of pending) byRun.set(p.run_id, [...(byRun.get(p.run_id) ?? []), p]);
    const runs = await Promise.all([...byRun.keys()].map((id) => api(`/runs/${id}`).catch(() => null)));
    render(pending, byRun, runs.filter(Boolean));
  } catch (err) {
    if (err.status !== 401) clear(el.list, h('p', { class: 'error', role: 'alert' }, err.message));
  }
}
const refresh = throttle(load, 400);

function render(pending, byRun, runs) {
  // Live updates re-render only when something the approver sees changed, and keep what they were typing.
  const signature = JSON.stringify([pending, runs]);
  if (signature === s.signature) return;
  s.signature = signature;
  const drafts = [...el.list.querySelectorAll('textarea')].map((t) => [t.id, t.value]);
  const opened = new Set([...el.list.querySelectorAll('details[data-key]')].filter((d) => d.open).map((d) => d.dataset.key));
  const focused = document.activeElement?.id;
  s.windows = [];
  const runById = new Map(runs.map((r) => [r.run_id, r]));
  clear(el.summary, pending.length ? `${pending.length} pending across ${byRun.size} run${byRun.size === 1 ? '' : 's'}` : 'Nothing is waiting for a decision.');
  // Oldest run first: the one whose window closes soonest.
  const ids = [...byRun.keys()].sort((a, b) => a - b);
  clear(el.list, ids.map((id) => caseCard(runById.get(id), byRun.get(id))));
  for (const [id, value] of drafts) {
    const t = document.getElementById(id);
    if (t && value) t.value = value;
  }
  for (const d of el.list.querySelectorAll('details[data-key]')) if (opened.has(d.dataset.key)) d.open = true;
  if (focused) document.getElementById(focused)?.focus();
  tick();
}

function envelopeOf(run) {
  return run?.proposed_actions.find((p) => p.action_type === HITL);
}

function caseCard(run, proposals) {
  const env = envelopeOf(run);
  const p = env?.payload ?? {};
  const customer = p.customer;
  const inv = p.invoice;
  const currency = customer?.currency ?? 'USD';
  const ex = p.extraction ?? run?.extraction ?? {};
  const title = customer ? `${customer.companyname}` : 'Unknown customer';
  const windowEl = h('span', { class: 'window' });
  if (p.approval_expires_at && proposals.some((x) => x.action_type === HITL)) s.windows.push({ el: windowEl, at: new Date(p.approval_expires_at).getTime() });

  // Envelope first, then the downstream proposals in the order they were staged.
  const ordered = [...proposals].sort((a, b) => (a.action_type === HITL ? -1 : b.action_type === HITL ? 1 : a.id - b.id));

  return h('article', { class: 'case', 'data-run-id': String(proposals[0].run_id), 'aria-labelledby': `case-${proposals[0].run_id}` },
    h('header', { class: 'case-head' },
      h('h2', { id: `case-${proposals[0].run_id}` }, `${title} — ${p.invoice_ref ?? 'no invoice reference'}`),
      run ? h('span', { class: `badge status-${run.status}` }, statusLabel(run.status)) : null,
      h('a', { href: `/inspector#run=${proposals[0].run_id}` }, `Run #${proposals[0].run_id} in the inspector`),
      windowEl),
    h('div', { class: 'case-grid' },
      h('div', {},
        facts([
          ['Customer', customer ? `${customer.companyname} (id ${customer.id}${customer.entityid ? `, ${customer.entityid}` : ''})` : 'could not be identified'],
          ['Sales rep', customer?.salesrep_name ? `${customer.salesrep_name}${customer.salesrep_email ? ` <${customer.salesrep_email}>` : ''}` : null],
          ['Terms / credit', customer ? [customer.terms, customer.creditlimit != null ? `limit ${money(customer.creditlimit, currency)}` : null, customer.creditholdoverride ? `hold ${customer.creditholdoverride}` : null].filter(Boolean).join(' · ') : null],
          ['Invoice', inv ? `${inv.tranid} dated ${day(inv.trandate)}, due ${day(inv.duedate)} (${inv.status ?? 'status unknown'})` : p.invoice_ref ? `${p.invoice_ref} — not found in the mirror` : 'none cited'],
          ['Amount', inv ? `${money(inv.foreigntotal, currency)} (paid ${money(inv.foreignamountpaid, currency)}, open ${money(inv.foreignamountunpaid, currency)})` : null],
          ['Disputed amount', ex.disputed_amount != null ? money(ex.disputed_amount, currency) : null],
          ['Reason', p.reason ? `${p.reason.code} — ${p.reason.text}` : ex.reason_code],
          ['PO number', ex.po_number],
          ['Prior open disputes', p.prior_disputes != null ? `${p.prior_disputes}${p.will_stage_ar_hold_review ? ' — an AR hold review will be staged' : ''}` : null],
          env && env.status !== 'pending'
            ? ['Workflow decision', `${env.status} by ${env.decided_by ?? '—'}${env.decision_note ? ` — “${env.decision_note}”` : ''}`]
            : ['Approval window', p.approval_expires_at ? `closes ${dateTime(p.approval_expires_at)}` : null],
        ]),
        warningsList(p.warnings ?? run?.warnings ?? [])),
      h('div', {},
        evidence(ex),
        p.email ? h('details', { class: 'email-in', 'data-key': `email-${proposals[0].run_id}` }, h('summary', {}, `Customer's email: “${p.email.subject}” from ${p.email.from}`), h('pre', { class: 'email-body' }, p.email.body)) : null)),
    table([
      { label: 'Dispute', value: (d) => String(d.id) },
      { label: 'Invoice', value: (d) => d.invoice_tranid ?? '—' },
      { label: 'Reason', value: (d) => d.reason_code ?? '—' },
      { label: 'Amount', value: (d) => money(d.amount, currency), class: 'num' },
      { label: 'Status', value: (d) => d.status },
      { label: 'Opened', value: (d) => day(d.opened_at) },
    ], p.open_disputes ?? [], { caption: `Open disputes of this customer (${(p.open_disputes ?? []).length})`, empty: 'No open disputes for this customer.' }),
    h('details', { class: 'history', 'data-key': `history-${proposals[0].run_id}` }, h('summary', {}, `Prior invoices (${(p.prior_invoices ?? []).length}) and payments in the last 90 days (${(p.recent_payments ?? []).length})`),
      table([
        { label: 'Invoice', value: (i) => i.tranid },
        { label: 'Date', value: (i) => day(i.trandate) },
        { label: 'Due', value: (i) => day(i.duedate) },
        { label: 'Total', value: (i) => money(i.foreigntotal, currency), class: 'num' },
        { label: 'Open', value: (i) => money(i.foreignamountunpaid, currency), class: 'num' },
        { label: 'Status', value: (i) => i.status ?? '—' },
      ], p.prior_invoices ?? [], { caption: 'Prior invoices', empty: 'No prior invoices.' }),
      table([
        { label: 'Payment', value: (x) => x.tranid ?? String(x.id) },
        { label: 'Date', value: (x) => day(x.payment_date) },
        { label: 'Amount', value: (x) => money(x.amount, x.currency ?? currency), class: 'num' },
        { label: 'Reference', value: (x) => x.reference ?? '—' },
        { label: 'Applied to', value: (x) => x.applied_to ?? '—' },
      ], p.recent_payments ?? [], { caption: 'Payments in the last 90 days', empty: 'No recent payments.' })),
    ordered.map((x) => decision(x, run)));
}

function warningsList(warnings) {
  if (!warnings.length) return h('p', { class: 'muted' }, 'No warnings.');
  return h('ul', { class: 'warnings', 'aria-label': 'Warnings' }, warnings.map((w) =>
    h('li', {}, h('span', { class: `badge ${w.severity}` }, w.severity), ' ', w.message)));
}

function evidence(ex) {
  const ev = Object.entries(ex.evidence ?? {});
  if (!ev.length) return h('p', { class: 'muted' }, 'No evidence quoted by the extraction.');
  return table([
    { label: 'Found', value: ([k]) => k.replaceAll('_', ' ') },
    { label: 'From the email', value: ([, v]) => h('q', {}, v) },
    { label: 'Confidence', value: ([k]) => (ex.confidence?.[k] != null ? `${Math.round(ex.confidence[k] * 100)} %` : '—'), class: 'num' },
  ], ev, { caption: 'Evidence (extraction)', class: 'evidence' });
}

function proposalBody(p) {
  const x = p.payload ?? {};
  switch (p.action_type) {
    case HITL:
      return h('p', {}, 'Approving starts the fan-out: a reply is drafted for the customer, the sales rep is asked to look, ',
        x.will_stage_ar_hold_review ? 'and an AR hold review is staged.' : 'and (with fewer than two open disputes) no AR hold review is staged.',
        ' Nothing is sent to the customer without a further approval.');
    case 'customer_email':
      return h('div', { class: 'email', 'data-proposal': 'customer_email' },
        facts([['To', x.to ?? '—'], ['Subject', h('span', { class: 'subject' }, x.subject ?? '—')]]),
        h('pre', { class: 'email-body' }, x.body ?? ''));
    case 'customer_escalation':
      return facts(Object.entries(x).filter(([k, v]) => k !== 'attempt' && (v === null || typeof v !== 'object')).map(([k, v]) => [k.replaceAll('_', ' '), String(v)]));
    case 'ar_hold_review':
      return h('div', {}, facts([['Recommendation', x.recommendation], ['Prior disputes', x.prior_disputes]]),
        Array.isArray(x.reasons) ? h('ul', {}, x.reasons.map((r) => h('li', {}, typeof r === 'string' ? r : JSON.stringify(r)))) : null);
    default:
      return h('pre', { class: 'email-body' }, JSON.stringify(x, null, 2));
  }
}

function decision(p, run) {
  const note = h('textarea', { id: `note-${p.id}`, name: 'note', maxlength: '2000', rows: '2', placeholder: 'Optional when approving; required when rejecting' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const approve = h('button', { type: 'submit', class: 'primary', value: 'approve', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'submit', class: 'danger', value: 'reject', 'data-action': 'reject' }, 'Reject');
  const form = h('form', { onsubmit: async (ev) => {
    ev.preventDefault();
    const verb = ev.submitter?.value === 'reject' ? 'reject' : 'approve';
    const text = note.value.trim();
    if (verb === 'reject' && !text) {
      error.textContent = 'Give a reason to reject.';
      note.focus();
      return;
    }
    error.textContent = '';
    approve.disabled = reject.disabled = true;
    try {
      const body = verb === 'approve' ? (text ? { note: text } : {}) : { reason: text };
      const done = await api(`/proposed-actions/${p.id}/${verb}`, { method: 'POST', body });
      const after = await api(`/runs/${p.run_id}`).catch(() => null);
      s.signature = null;
      announce(`${TITLES[p.action_type] ?? p.action_type} (#${done.id}) for run #${p.run_id}: ${done.status} by ${done.decided_by ?? 'you'}${after ? `. The run is now ${statusLabel(after.status)}.` : '.'}`, false, p.id);
      await load();
    } catch (err) {
      approve.disabled = reject.disabled = false;
      error.textContent = err.status === 409 ? `Already decided: ${err.message}` : err.message;
      if (err.status === 409) announce(`#${p.id}: ${err.message}`, true, p.id);
    }
  } },
  h('div', {}, h('label', { for: `note-${p.id}` }, 'Note'), note), approve, reject, error);
  return h('section', { class: 'decision', 'data-proposal-id': String(p.id), 'data-action-type': p.action_type, 'aria-labelledby': `proposal-${p.id}` },
    h('h3', { id: `proposal-${p.id}` }, `${TITLES[p.action_type] ?? p.action_type} `, h('span', { class: 'muted small' }, `#${p.id} · proposed ${dateTime(p.proposed_at)}`)),
    proposalBody(p, run),
    form);
}

function announce(text, failed, id) {
  el.outcomes.prepend(h('li', { class: failed ? 'fail' : 'ok', 'data-proposal-id': String(id) }, text));
  while (el.outcomes.children.length > 5) el.outcomes.lastElementChild.remove();
}

/** The approval windows count down against the server's clock. */
function tick() {
  for (const w of s.windows) {
    const left = w.at - now();
    w.el.textContent = left > 0 ? `${duration(left)} left to decide` : 'approval window closed';
    w.el.classList.toggle('closing', left > 0 && left < 10 * 60_000);
    w.el.classList.toggle('closed', left <= 0);
  }
}

const setLive = (state) => showLiveState(el.live, state);

function onSignedIn(signedIn) {
  s.signedIn = signedIn;
  s.stopLive?.();
  s.stopLive = null;
  if (!signedIn) {
    clear(el.summary);
    clear(el.list, signInPrompt('what is waiting for approval'));
    setLive('offline');
    return;
  }
  s.stopLive = liveFeed({ state: setLive, run: refresh, resync: refresh });
  load();
}

async function main() {
  mountAuth($('#auth'), onSignedIn);
  s.offset = await clockOffset();
  setInterval(tick, 1000);
  tick();
}

main();
