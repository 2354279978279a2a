// The approvals page: every pending proposed action, grouped by run, with what the approver needs to
// decide (customer, invoice and amount, reason and evidence, prior invoices and disputes, warnings, the
// drafted email, time left in the approval window); approve or reject with a note. On the envelope the
// approver corrects what the reader found; a drafted reply or escalation is edited before it is approved.
// Every decision is bound to what the page showed (If-Match with the proposal's ETag). Decided proposals
// show the corrections, the edits and where their delivery stands. Updates live.
import { api, clockOffset, liveFeed, throttle } from './api.js';
import { mountAuth, signInPrompt } from './auth.js';
import { $, clear, facts, h, table, showLiveState } from './dom.js';
import { historySection } from './history.js';
import { correctionText, countWord, dateTime, day, deliveryDetail, duration, fieldLabel, money, statusLabel } from './format.js';

const HITL = 'workflow_customer_invoice_dispute';
const TITLES = {
  [HITL]: 'Approve the dispute workflow',
  customer_email: 'Drafted reply to the customer',
  customer_escalation: 'Escalation to the sales rep',
  ar_hold_review: 'AR hold-or-continue review',
};
const EDITABLE = new Set(['customer_email', 'customer_escalation']);
const RECENT = 10;
const CHECK = 'Check the marked field.';
const STALE = 'This proposal changed since you loaded it. It has been reloaded: check it and decide again.';

const s = {
  signedIn: false,
  offset: 0,
  stopLive: null,
  windows: [],
  signature: null,
  reasons: [], // [{code, label}] from GET /api/reason-codes
  holdThreshold: null, // open disputes from which the AR hold review is staged, from GET /api/contract
  errors: new Map(), // proposal id → {fields: {inputId: message}, general}: survives live re-renders
  stale: new Map(), // proposal id → the notice shown after a 412
};
const el = { list: $('#cases'), recent: $('#recent-body'), outcomes: $('#outcomes'), summary: $('#pending-summary'), live: $('#live-state') };

const now = () => Date.now() + s.offset;

// The reason codes for the correction select (public); without them the select offers the reader's code.
const reasonsReady = api('/api/reason-codes', { auth: false }).then((r) => (s.reasons = r.items)).catch(() => []);
// The hold-review rule from the contract itself, so the page never states a number the server does not apply.
const contractReady = api('/api/contract', { auth: false }).then((c) => (s.holdThreshold = c.contract.hold_review_threshold)).catch(() => null);

async function load() {
  if (!s.signedIn) return;
  try {
    await Promise.all([reasonsReady, contractReady]);
    // include=run: each page brings the runs of its proposals (one request per page, not one per run).
    const pending = [];
    const runById = new Map();
    let cursor = null;
    do {
      const page = await api(`/proposed-actions?status=pending&limit=200&include=run${cursor ? `&cursor=${cursor}` : ''}`);
      pending.push(...page.items);
      for (const r of page.runs) runById.set(r.run_id, r);
      cursor = page.next_cursor;
    } while (cursor && pending.length < 1000);
    const byRun = new Map();
    for (const p of pending) byRun.set(p.run_id, [...(byRun.get(p.run_id) ?? []), p]);
    // The latest decisions of runs with nothing left to decide: where their deliveries stand.
    const latest = await api('/proposed-actions?limit=50&include=run');
    for (const r of latest.runs) if (!runById.has(r.run_id)) runById.set(r.run_id, r);
    const recent = latest.items.filter((p) => p.status !== 'pending' && !byRun.has(p.run_id)).slice(0, RECENT);
    const runIds = new Set([...byRun.keys(), ...recent.filter((p) => p.action_type === HITL).map((p) => p.run_id)]);
    const runs = [...runIds].map((id) => runById.get(id)).filter(Boolean);
    render(pending, byRun, runs, recent);
  } catch (err) {
    if (err.status !== 401) clear(el.list, h('p', { class: 'error', role: 'alert' }, err.message));
  }
}
const refresh = throttle(load, 400);

/** A control the approver changed: its value differs from what the page prefilled. */
function isDirty(x) {
  if (x.tagName === 'SELECT') return [...x.options].some((o) => o.selected !== o.defaultSelected);
  if (x.type === 'checkbox' || x.type === 'radio') return x.checked !== x.defaultChecked;
  return x.value !== x.defaultValue;
}

function render(pending, byRun, runs, recent) {
  // Live updates re-render only when something the approver sees changed, and keep what they were typing.
  const signature = JSON.stringify([pending, runs, recent]);
  if (signature === s.signature) return;
  s.signature = signature;
  const typed = [...el.list.querySelectorAll('input[id], textarea[id], select[id]')].filter(isDirty).map((x) => [x.id, x.value]);
  const opened = new Set([...document.querySelectorAll('details[data-key]')].filter((d) => d.open).map((d) => d.dataset.key));
  const focused = document.activeElement?.id;
  s.windows = [];
  const runById = new Map(runs.map((r) => [r.run_id, r]));
  clear(el.summary, pending.length ? `${pending.length} pending across ${byRun.size} run${byRun.size === 1 ? '' : 's'}` : 'Nothing is waiting for a decision.');
  // Oldest run first: the one whose window closes soonest.
  const ids = [...byRun.keys()].sort((a, b) => a - b);
  clear(el.list, ids.map((id) => caseCard(runById.get(id), byRun.get(id))));
  clear(el.recent, recent.length
    ? h('ul', { class: 'decided-list' }, recent.map((p) => decidedItem(p, runById.get(p.run_id), true)))
    : h('p', { class: 'empty' }, 'Nothing decided yet.'));
  for (const [id, value] of typed) {
    const x = document.getElementById(id);
    if (x) x.value = value;
  }
  for (const d of document.querySelectorAll('details[data-key]')) if (opened.has(d.dataset.key)) d.open = true;
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
    historySection(p, proposals[0].run_id),
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
    decidedOfRun(run),
    ordered.map((x) => decision(x, run)));
}

/** What was already decided on this run (the envelope, a reply): corrections, edits, delivery. */
function decidedOfRun(run) {
  const done = (run?.proposed_actions ?? []).filter((x) => x.status !== 'pending');
  if (!done.length) return null;
  return h('div', { class: 'decided-block' },
    h('h3', {}, `Decided (${done.length})`),
    h('ul', { class: 'decided-list' }, done.map((x) => decidedItem(x, run, false))));
}

/** One decided proposal in a line or three: who decided, the corrections or edits, the delivery. */
function decidedItem(p, run, withRun) {
  const corrections = p.action_type === HITL ? (run?.corrections ?? []).filter((c) => c.proposed_action_id === p.id) : [];
  const edited = p.edits ? Object.keys(p.edits).filter((k) => p.edits[k] !== undefined) : [];
  const x = p.payload ?? {};
  return h('li', { class: 'decided', 'data-proposal-id': String(p.id), 'data-action-type': p.action_type },
    h('div', { class: 'decided-head' },
      h('strong', {}, TITLES[p.action_type] ?? p.action_type), ' ',
      h('span', { class: 'muted small' }, `#${p.id}`), ' ',
      h('span', { class: `badge proposal-${p.status}` }, p.status),
      ' ', h('span', { class: 'who' }, `${p.decided_by ? `by ${p.decided_by}` : ''}${p.decided_at ? ` ${dateTime(p.decided_at)}` : ''}${p.decision_note ? ` — “${p.decision_note}”` : ''}`),
      withRun ? [' ', h('a', { href: `/inspector#run=${p.run_id}` }, `run #${p.run_id}`)] : null),
    corrections.length
      ? h('ul', { class: 'corrections-done', 'aria-label': `Corrections of #${p.id}` }, corrections.map((c) => h('li', { 'data-field': c.field }, correctionText(c))))
      : p.action_type === HITL && p.status === 'approved' ? h('p', { class: 'muted small' }, 'Approved as the reader found it (no corrections).') : null,
    edited.length
      ? h('details', { class: 'edits', 'data-key': `edits-${p.id}` },
        h('summary', {}, `Edited by the approver: ${edited.join(' and ')}`),
        facts([['Subject', p.edits.subject != null ? `${p.edits.subject} (was “${x.subject ?? ''}”)` : null]]),
        p.edits.body != null ? h('pre', { class: 'email-body' }, p.edits.body) : null)
      : null,
    p.delivery || (p.status === 'approved' && EDITABLE.has(p.action_type))
      ? h('p', { class: 'delivery', 'data-status': p.delivery?.status ?? 'none' },
        h('span', { class: `badge delivery-${p.delivery?.status ?? 'none'}` }, p.delivery?.status ?? 'not queued'), ' ', deliveryDetail(p.delivery))
      : null);
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
        x.will_stage_ar_hold_review
          ? 'and an AR hold review is staged.'
          : `and (with fewer than ${s.holdThreshold == null ? 'the contract\'s number of' : countWord(s.holdThreshold)} open disputes) no AR hold review is staged.`,
        ' Nothing is sent to the customer without a further approval.');
    case 'customer_email':
    case 'customer_escalation':
      return null; // shown as editable fields inside the form
    case 'ar_hold_review':
      return h('div', {}, facts([['Recommendation', x.recommendation], ['Prior disputes', x.prior_disputes]]),
        Array.isArray(x.reasons) ? h('ul', {}, x.reasons.map((r) => h('li', {}, typeof r === 'string' ? r : JSON.stringify(r)))) : null);
    default:
      return h('pre', { class: 'email-body' }, JSON.stringify(x, null, 2));
  }
}

/** A labelled control with its own error line (aria-describedby), filled from the page's error state. */
function field(p, id, label, control, hint) {
  const err = s.errors.get(p.id)?.fields?.[id];
  const errId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.id = id;
  control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  if (err) control.setAttribute('aria-invalid', 'true');
  const clearError = () => {
    const state = s.errors.get(p.id);
    if (!state?.fields?.[id]) return;
    delete state.fields[id];
    control.removeAttribute('aria-invalid');
    document.getElementById(errId).textContent = '';
    if (!Object.keys(state.fields).length && state.general === CHECK) {
      s.errors.delete(p.id);
      const general = control.closest('form')?.querySelector('.form-error');
      if (general) general.textContent = '';
    }
  };
  control.addEventListener('input', clearError);
  control.addEventListener('change', clearError);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, role: 'alert' }, err ?? ''));
}

const numText = (v) => (v === null || v === undefined ? '' : String(v));
const twoDecimals = (v) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? '' : Number(v).toFixed(2));

/**
 * The envelope's "Correct what the reader found": reason, invoice, customer and disputed amount, prefilled
 * with the extraction's values. collect() returns {body: {corrections}} with only the changed fields (an
 * empty body when nothing changed), or {errors} naming the inputs it cannot send as they are.
 */
function correctionFields(p) {
  const x = p.payload ?? {};
  const ex = x.extraction ?? {};
  const code = ex.reason_code ?? x.reason?.code ?? null;
  const initial = {
    reason_code: code,
    invoice_ref: ex.invoice_ref ?? x.invoice_ref ?? '',
    customer_id: numText(ex.customer_id ?? x.customer?.id),
    disputed_amount: twoDecimals(ex.disputed_amount),
  };
  const codes = s.reasons.length ? s.reasons : code ? [{ code, label: '' }] : [];
  const reason = h('select', { name: 'reason_code' }, codes.map((r) =>
    h('option', { value: r.code, selected: r.code === code }, `${r.code}${r.label ? ` — ${r.label}` : ''}${r.code === code ? ' (as read)' : ''}`)));
  const invoice = h('input', { name: 'invoice_ref', type: 'text', value: initial.invoice_ref, autocomplete: 'off', spellcheck: 'false', maxlength: '64', placeholder: 'e.g. INV-004138' });
  const customer = h('input', { name: 'customer_id', type: 'number', min: '1', step: '1', inputmode: 'numeric', value: initial.customer_id, placeholder: 'e.g. 1002' });
  const amount = h('input', { name: 'disputed_amount', type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: initial.disputed_amount, placeholder: 'e.g. 172.80' });
  const quote = ex.evidence?.reason_code;
  const conf = ex.confidence?.reason_code;
  const evidenceHint = quote || conf != null
    ? ['The reader chose ', h('strong', {}, code ?? '—'), conf != null ? ` (${Math.round(conf * 100)} % confident)` : '', quote ? [' from ', h('q', {}, quote)] : '']
    : 'The reader quoted no words for the reason.';
  // The reason model's two most probable reasons (calibrated), so a close second is visible at a glance.
  const candidates = Array.isArray(ex.reason_candidates) ? ex.reason_candidates.slice(0, 2) : [];
  const topTwo = candidates.length
    ? h('span', { class: 'reason-candidates', 'data-reason-candidates': String(p.id) }, [
        ' Top two: ',
        ...candidates.flatMap((c, i) => [i ? ' · ' : '', h('strong', {}, String(c.code)), ` ${Math.round(Number(c.p) * 100)} %`]),
        ex.reason_model ? ` (model ${ex.reason_model})` : '',
      ])
    : '';
  const ids = { reason_code: `reason-${p.id}`, invoice_ref: `invoice-${p.id}`, customer_id: `customer-${p.id}`, disputed_amount: `amount-${p.id}` };
  const node = h('fieldset', { class: 'corrections', 'data-corrections': String(p.id) },
    h('legend', {}, 'Correct what the reader found'),
    h('p', { class: 'hint' }, 'Change only what is wrong; only changed fields are sent, and the fan-out drafts from the corrected facts.'),
    h('div', { class: 'fields' },
      field(p, ids.reason_code, 'Reason', reason, [evidenceHint, topTwo]),
      field(p, ids.invoice_ref, 'Invoice reference', invoice),
      field(p, ids.customer_id, 'Customer id', customer),
      field(p, ids.disputed_amount, 'Disputed amount', amount)));

  const collect = () => {
    const out = {};
    const errors = {};
    if (reason.value && reason.value !== initial.reason_code) out.reason_code = reason.value;
    const ref = invoice.value.trim();
    if (ref !== initial.invoice_ref) {
      if (!ref) errors[ids.invoice_ref] = 'Give the right invoice reference: a correction cannot remove it.';
      else out.invoice_ref = ref;
    }
    for (const [key, input] of [['customer_id', customer], ['disputed_amount', amount]]) {
      if (input.validity.badInput) {
        errors[ids[key]] = 'must be a number';
        continue;
      }
      const v = input.value.trim();
      const same = v === initial[key] || (v !== '' && initial[key] !== '' && Number(v) === Number(initial[key]));
      if (same) continue;
      if (v === '') errors[ids[key]] = `Give the right ${key === 'customer_id' ? 'customer id' : 'amount'}: a correction cannot remove it.`;
      else out[key] = Number(v);
    }
    if (Object.keys(errors).length) return { errors };
    return { body: Object.keys(out).length ? { corrections: out } : {} };
  };
  const fieldOf = (f) => ids[f.replace(/^corrections\./, '')];
  return { node, collect, fieldOf };
}

const lines = (t) => String(t ?? '').replace(/\r\n?/g, '\n');

/** A drafted reply or escalation as editable subject and body; collect() sends only what changed. */
function editFields(p) {
  const x = p.payload ?? {};
  const isReply = p.action_type === 'customer_email';
  const to = isReply ? x.to : x.to?.email ? `${x.to.name ?? ''} <${x.to.email}>`.trim() : 'the AR queue (no sales rep on file)';
  const subject = h('input', { name: 'subject', type: 'text', class: 'subject', value: x.subject ?? '', maxlength: '998', autocomplete: 'off' });
  const body = h('textarea', { name: 'body', class: 'email-body', rows: String(Math.min(24, Math.max(8, lines(x.body).split('\n').length + 1))) }, lines(x.body));
  const ids = { subject: `subject-${p.id}`, body: `body-${p.id}` };
  const node = h('div', { class: 'email', 'data-proposal': p.action_type },
    facts([
      ['To', to ?? '—'],
      ['Queue', isReply ? null : x.queue],
      ['Department', isReply ? null : x.department],
    ]),
    field(p, ids.subject, 'Subject', subject),
    field(p, ids.body, isReply ? 'Reply' : 'Message', body, 'Edit the text if it needs it: what you approve is exactly what is sent.'));
  const collect = () => {
    const edits = {};
    if (subject.value.trim() !== String(x.subject ?? '').trim()) edits.subject = subject.value.trim();
    if (lines(body.value) !== lines(x.body)) edits.body = lines(body.value);
    return { body: Object.keys(edits).length ? { edits } : {} };
  };
  const fieldOf = (f) => ids[f.replace(/^edits\./, '')];
  return { node, collect, fieldOf };
}

function decision(p, run) {
  const state = s.errors.get(p.id);
  const note = h('textarea', { id: `note-${p.id}`, name: 'note', maxlength: '2000', rows: '2', placeholder: 'Optional when approving; required when rejecting' });
  const error = h('p', { class: 'form-error', role: 'alert' }, state?.general ?? '');
  const approve = h('button', { type: 'submit', class: 'primary', value: 'approve', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'submit', class: 'danger', value: 'reject', 'data-action': 'reject' }, 'Reject');
  const extra = p.action_type === HITL ? correctionFields(p) : EDITABLE.has(p.action_type) ? editFields(p) : null;
  const staleNotice = s.stale.get(p.id);
  const setErrors = (next) => {
    if (next) s.errors.set(p.id, next);
    else s.errors.delete(p.id);
    // Show them now (the next live re-render draws them from s.errors too).
    for (const e of form.querySelectorAll('.field-error')) e.textContent = next?.fields?.[e.id.replace(/-error$/, '')] ?? '';
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
    for (const id of Object.keys(next?.fields ?? {})) document.getElementById(id)?.setAttribute('aria-invalid', 'true');
    error.textContent = next?.general ?? '';
  };
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const verb = ev.submitter?.value === 'reject' ? 'reject' : 'approve';
    const text = note.value.trim();
    s.stale.delete(p.id);
    form.querySelector('.stale')?.remove();
    if (verb === 'reject' && !text) {
      setErrors({ general: 'Give a reason to reject.' });
      note.focus();
      return;
    }
    let body;
    if (verb === 'approve') {
      const got = extra ? extra.collect() : { body: {} };
      if (got.errors) {
        setErrors({ fields: got.errors, general: CHECK });
        document.getElementById(Object.keys(got.errors)[0])?.focus();
        return;
      }
      body = { ...(text ? { note: text } : {}), ...got.body };
    } else body = { reason: text };
    setErrors(null);
    approve.disabled = reject.disabled = true;
    try {
      // Bound to what the page showed: a proposal changed since is refused (412) and nothing is written.
      const done = await api(`/proposed-actions/${p.id}/${verb}`, { method: 'POST', body, headers: { 'if-match': `"${p.etag}"` } });
      const after = await api(`/runs/${p.run_id}`).catch(() => null);
      s.signature = null;
      const changed = [
        body.corrections ? `corrected ${Object.keys(body.corrections).map((f) => fieldLabel(f).toLowerCase()).join(', ')}` : null,
        body.edits ? `edited ${Object.keys(body.edits).join(' and ')}` : null,
      ].filter(Boolean);
      announce(`${TITLES[p.action_type] ?? p.action_type} (#${done.id}) for run #${p.run_id}: ${done.status} by ${done.decided_by ?? 'you'}${changed.length ? ` (${changed.join('; ')})` : ''}${after ? `. The run is now ${statusLabel(after.status)}.` : '.'}${done.delivery ? ` Delivery: ${done.delivery.status}.` : ''}`, false, p.id);
      await load();
    } catch (err) {
      approve.disabled = reject.disabled = false;
      if (err.status === 412) {
        // Show the proposal as it is now: what was typed over the old version is dropped with it.
        form.reset();
        s.stale.set(p.id, STALE);
        announce(`#${p.id}: ${STALE}`, true, p.id);
        s.signature = null;
        await load();
        return;
      }
      if (err.status === 400 && Array.isArray(err.details) && extra) {
        const fields = {};
        const rest = [];
        for (const d of err.details) {
          const id = extra.fieldOf(String(d.field ?? ''));
          if (id && !fields[id]) fields[id] = d.message;
          else if (!id) rest.push(`${d.field}: ${d.message}`);
        }
        setErrors({ fields, general: rest.length ? rest.join('; ') : CHECK });
        const first = Object.keys(fields)[0];
        if (first) document.getElementById(first)?.focus();
        return;
      }
      setErrors({ general: err.status === 409 ? `Already decided: ${err.message}` : err.message });
      if (err.status === 409) announce(`#${p.id}: ${err.message}`, true, p.id);
    }
  } },
  staleNotice ? h('p', { class: 'stale', role: 'alert' }, staleNotice) : null,
  extra?.node,
  h('div', { class: 'note' }, h('label', { for: `note-${p.id}` }, 'Note'), note), approve, reject, error);
  return h('section', { class: 'decision', 'data-proposal-id': String(p.id), 'data-action-type': p.action_type, 'data-etag': p.etag, 'aria-labelledby': `proposal-${p.id}` },
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
    clear(el.recent);
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
