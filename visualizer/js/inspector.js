// The live statechart inspector: the machine drawn from GET /api/machine, the runs list (filters, counts,
// pages), and one run's journal, proposed actions, corrections, deliveries, steps, timers and side effects.
// Active states follow the run live over GET /api/live; a journal entry can be clicked to see the chart as
// it was after that step. The journal also holds notes that are not machine events (a downstream proposal
// decided, a delivery sent or failed): they leave the state as it was.
import { api, clockOffset, liveFeed, throttle } from './api.js';
import { mountAuth, signInPrompt } from './auth.js';
import { $, clear, facts, h, jsonBlock, table, showLiveState } from './dom.js';
import { ago, correctionText, dateTime, deliveryDetail, fieldLabel, money, stateText, statusLabel, STATUS_LABEL } from './format.js';
import { activeIds, highlight, layoutStatechart, renderStatechart } from './statechart.js';
import { mountNewDispute } from './newDispute.js';
import { replayPanel } from './replay.js';

const AGES = [
  ['', 'any age'],
  ['newer_than_hours=1', 'last hour'],
  ['newer_than_hours=24', 'last 24 hours'],
  ['newer_than_hours=168', 'last 7 days'],
  ['older_than_hours=24', 'older than 24 hours'],
  ['older_than_hours=168', 'older than 7 days'],
];
const PAGE_SIZE = 20;

const s = {
  graph: null,
  svg: null,
  signedIn: false,
  filters: { status: '', customer_id: '', age: '' },
  cursors: [null], // cursor of each page visited; the last is the current page
  page: null,
  runId: null,
  run: null,
  pinnedSeq: null,
  follow: false,
  offset: 0,
  stopLive: null,
  open: {}, // panel id → open, as the user left it
};

const el = {
  chart: $('#chart-canvas'),
  caption: $('#chart-caption'),
  runsBody: $('#runs-body'),
  details: $('#run-details'),
  live: $('#live-state'),
};

// ---- the statechart ------------------------------------------------------------------------------------

async function drawMachine() {
  try {
    s.graph = await api('/api/machine', { auth: false });
    const layout = await layoutStatechart(s.graph);
    s.svg = renderStatechart(s.graph, layout);
    clear(el.chart, s.svg);
    el.chart.dataset.ready = 'true';
    showChart();
  } catch (err) {
    clear(el.chart, h('p', { class: 'error' }, `The statechart could not be drawn: ${err.message}`));
  }
}

/** Lights the chart for the selected run: live (its last journal entry) or pinned to one entry. */
function showChart() {
  if (!s.svg) return;
  const journal = s.run?.journal ?? [];
  if (!s.run || !journal.length) {
    highlight(s.svg, s.graph, new Set());
    clear(el.caption, s.signedIn ? 'Choose a run to light up its active states.' : 'The dispute machine. Sign in to follow a run.');
    return;
  }
  const pinned = s.pinnedSeq !== null ? journal.find((j) => j.seq === s.pinnedSeq) : null;
  const entry = pinned ?? journal.at(-1);
  const value = pinned ? entry.state_after : s.run.state;
  const active = activeIds(s.graph, value);
  const visited = new Set();
  for (const j of journal) {
    if (j.seq > entry.seq) break;
    for (const v of [j.state_before, j.state_after]) if (v != null) for (const id of activeIds(s.graph, v)) visited.add(id);
  }
  const taken = { event: entry.event?.type, before: activeIds(s.graph, entry.state_before), after: activeIds(s.graph, entry.state_after) };
  highlight(s.svg, s.graph, active, visited, taken);
  s.svg.dataset.runId = String(s.run.run_id);
  s.svg.dataset.view = pinned ? 'history' : 'live';
  const where = stateText(value);
  if (pinned) {
    clear(el.caption,
      h('span', { class: 'badge history' }, 'history'),
      ` Run #${s.run.run_id} after step ${entry.seq} (${entry.event?.type}): `, h('strong', {}, where), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => pin(null) }, 'Back to live'));
  } else {
    clear(el.caption, h('span', { class: `badge status-${s.run.status}` }, statusLabel(s.run.status)), ` Run #${s.run.run_id} is in `, h('strong', { id: 'active-state' }, where));
  }
}

function pin(seq) {
  s.pinnedSeq = seq;
  showChart();
  renderTimeline();
}

// ---- the runs list -------------------------------------------------------------------------------------

function runsQuery() {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (s.filters.status) q.set('status', s.filters.status);
  if (s.filters.customer_id) q.set('customer_id', s.filters.customer_id);
  if (s.filters.age) for (const [k, v] of new URLSearchParams(s.filters.age)) q.set(k, v);
  const cursor = s.cursors.at(-1);
  if (cursor) q.set('cursor', cursor);
  return q;
}

async function loadRuns() {
  if (!s.signedIn) return;
  try {
    s.page = await api(`/runs?${runsQuery()}`);
    renderRuns();
    if (s.follow && s.cursors.length === 1) {
      const newest = s.page.items[0];
      if (newest && newest.run_id !== s.runId && !s.filters.status) selectRun(newest.run_id);
    }
  } catch (err) {
    if (err.status !== 401) clear(el.runsBody, h('p', { class: 'error', role: 'alert' }, err.message));
  }
}
const refreshRuns = throttle(loadRuns, 400);

function renderRuns() {
  const counts = s.page?.counts ?? {};
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const chip = (status, label, n) =>
    h('button', { type: 'button', class: `chip status-${status || 'all'}`, 'aria-pressed': String(s.filters.status === status), 'data-status': status || 'all',
      onclick: () => { s.filters.status = status; s.cursors = [null]; syncFilterForm(); loadRuns(); } },
      label, ' ', h('span', { class: 'count' }, String(n)));
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Runs per status' },
    chip('', 'all', total), Object.keys(STATUS_LABEL).filter((st) => counts[st]).map((st) => chip(st, statusLabel(st), counts[st])));

  const items = s.page?.items ?? [];
  const now = Date.now() + s.offset;
  const list = items.length
    ? h('ol', { class: 'run-list' }, items.map((r) =>
      h('li', {}, h('button', { type: 'button', class: 'run-item', 'data-run-id': String(r.run_id), 'aria-current': r.run_id === s.runId ? 'true' : null, onclick: () => selectRun(r.run_id) },
        h('span', { class: 'run-line' }, h('strong', {}, `#${r.run_id}`), h('span', { class: `badge status-${r.status}` }, statusLabel(r.status))),
        h('span', { class: 'run-line muted' }, [r.invoice_ref ?? 'no invoice ref', r.reason_code, r.customer_id ? `customer ${r.customer_id}` : 'customer unknown'].filter(Boolean).join(' · ')),
        h('span', { class: 'run-line muted small' }, `${stateText(r.state)} · started ${ago(r.created_at, now)}`)))))
    : h('p', { class: 'empty' }, 'No runs match.');

  const pager = h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: s.cursors.length <= 1, onclick: () => { s.cursors.pop(); loadRuns(); } }, '← Newer'),
    h('span', { class: 'muted small' }, `page ${s.cursors.length}`),
    h('button', { type: 'button', disabled: !s.page?.next_cursor, onclick: () => { s.cursors.push(s.page.next_cursor); loadRuns(); } }, 'Older →'));
  clear(el.runsBody, chips, list, pager);
}

function filterForm() {
  const status = h('select', { id: 'f-status', name: 'status' }, h('option', { value: '' }, 'any status'),
    Object.entries(STATUS_LABEL).map(([v, l]) => h('option', { value: v }, l)));
  const customer = h('input', { id: 'f-customer', name: 'customer_id', type: 'number', min: '1', inputmode: 'numeric', placeholder: 'e.g. 1002' });
  const age = h('select', { id: 'f-age', name: 'age' }, AGES.map(([v, l]) => h('option', { value: v }, l)));
  const follow = h('input', { id: 'f-follow', type: 'checkbox', onchange: (ev) => { s.follow = ev.target.checked; if (s.follow) loadRuns(); } });
  const apply = () => {
    s.filters = { status: status.value, customer_id: customer.value.trim(), age: age.value };
    s.cursors = [null];
    loadRuns();
  };
  status.addEventListener('change', apply);
  age.addEventListener('change', apply);
  return h('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), status),
    h('div', { class: 'field' }, h('label', { for: 'f-customer' }, 'Customer id'), customer),
    h('div', { class: 'field' }, h('label', { for: 'f-age' }, 'Started'), age),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Filter')),
    h('div', { class: 'field check' }, follow, h('label', { for: 'f-follow' }, 'Follow new runs')));
}

function syncFilterForm() {
  const st = $('#f-status');
  if (st) st.value = s.filters.status;
}

// ---- one run -------------------------------------------------------------------------------------------

async function selectRun(id) {
  s.runId = id;
  s.pinnedSeq = null;
  if (location.hash !== `#run=${id}`) history.replaceState(null, '', `#run=${id}`);
  for (const b of document.querySelectorAll('.run-item')) b.toggleAttribute('aria-current', Number(b.dataset.runId) === id);
  await loadRun();
}

async function loadRun() {
  const id = s.runId;
  if (!id || !s.signedIn) return;
  try {
    const run = await api(`/runs/${id}`);
    if (s.runId !== id) return; // another run was chosen meanwhile
    s.run = run;
    showChart();
    renderRun();
  } catch (err) {
    if (err.status === 404) clear(el.details, h('p', { class: 'error', role: 'alert' }, `Run ${id} does not exist.`));
    else if (err.status !== 401) clear(el.details, h('p', { class: 'error', role: 'alert' }, err.message));
  }
}
const refreshRun = throttle(loadRun, 150);

/** A collapsible panel; whether it is open survives the live re-renders. */
function section(id, title, open, ...body) {
  const d = h('details', { class: 'panel', id, open: s.open[id] ?? open }, h('summary', {}, h('h3', {}, title)), ...body);
  d.addEventListener('toggle', () => (s.open[id] = d.open));
  return d;
}

function renderRun() {
  const r = s.run;
  const ctx = r.context ?? {};
  const inv = ctx.loaded?.invoice;
  const customer = ctx.loaded?.customer;
  const head = h('header', { class: 'run-head' },
    h('h2', { id: 'run-title' }, `Run #${r.run_id} `, h('span', { class: `badge status-${r.status}`, id: 'run-status' }, statusLabel(r.status))),
    facts([
      ['Customer', customer ? `${customer.companyname} (${customer.id})` : r.customer_id ? `customer ${r.customer_id}` : 'unknown'],
      ['Invoice', inv ? `${inv.tranid} · ${money(inv.foreigntotal, customer?.currency)}` : (r.extraction?.invoice_ref ?? '—')],
      ['Reason', reasonFact(r)],
      ['Email', r.email_uuid],
      ['Started', `${dateTime(r.created_at)} by ${r.invoked_by}`],
      ['Updated', dateTime(r.updated_at)],
      ['Machine', `v${r.machine_version}`],
    ]),
    r.status === 'awaiting_approval' ? h('p', {}, h('a', { href: '/proposed-actions' }, 'Decide on the approvals page →')) : null);

  const steps = Object.entries(r.steps ?? {}).map(([step, st]) => ({ step, ...st }));
  const corrections = r.corrections ?? [];
  const deliveries = r.deliveries ?? [];
  // A live update of the same run keeps the reader's place in the column.
  const scroller = el.details.closest('.details');
  const top = s.shownRunId === r.run_id ? scroller.scrollTop : 0;
  s.shownRunId = r.run_id;
  clear(el.details,
    head,
    section('timeline-panel', `Timeline (${r.journal.length})`, true, h('div', { id: 'timeline' })),
    section('proposals-panel', `Proposed actions (${r.proposed_actions.length})`, true,
      table([
        { label: '#', value: (p) => String(p.id) },
        { label: 'Action', value: (p) => p.action_type },
        { label: 'Step', value: (p) => p.step },
        { label: 'Status', value: (p) => h('span', { class: `badge proposal-${p.status}` }, p.status) },
        { label: 'Proposed', value: (p) => dateTime(p.proposed_at) },
        { label: 'Decided', value: (p) => (p.decided_by ? `${p.decided_by}${p.decision_note ? ` — “${p.decision_note}”` : ''}${p.edits ? ` (edited ${Object.keys(p.edits).join(' and ')})` : ''}` : '—') },
        { label: 'Delivery', value: (p) => (p.delivery ? h('span', { class: `badge delivery-${p.delivery.status}` }, p.delivery.status) : '—') },
      ], r.proposed_actions, { empty: 'Nothing proposed yet.' })),
    section('corrections-panel', `Corrections (${corrections.length})`, corrections.length > 0,
      table([
        { label: 'Field', value: (c) => fieldLabel(c.field) },
        { label: 'Reader found', value: (c) => (c.from == null ? '(nothing)' : String(c.from)) },
        { label: 'Approver set', value: (c) => h('strong', {}, String(c.to)) },
        { label: 'By', value: (c) => c.by },
        { label: 'At', value: (c) => dateTime(c.at) },
        { label: 'Envelope', value: (c) => `#${c.proposed_action_id}` },
      ], corrections, { empty: 'The approver corrected nothing.' })),
    section('deliveries-panel', `Deliveries (${deliveries.length})`, deliveries.length > 0,
      table([
        { label: 'Proposal', value: (d) => `#${d.proposed_action_id}` },
        { label: 'To', value: (d) => d.to ?? '—' },
        { label: 'Subject', value: (d) => d.subject ?? '—' },
        { label: 'Status', value: (d) => h('span', { class: `badge delivery-${d.status}` }, d.status) },
        { label: 'Detail', value: (d) => deliveryDetail(d) },
      ], deliveries, { empty: 'Nothing approved for delivery yet.' })),
    section('steps-panel', 'Steps, timers and checks', true,
      table([
        { label: 'Step', value: (x) => x.step },
        { label: 'Status', value: (x) => x.status },
        { label: 'Attempts', value: (x) => String(x.attempts) },
        { label: 'Errors', value: (x) => (x.errors?.length ? x.errors.join('; ') : '—') },
      ], steps, { caption: 'Fan-out steps', empty: 'No steps.' }),
      table([
        { label: 'Timer', value: (t) => t.name },
        { label: 'Due', value: (t) => dateTime(t.due_at) },
        { label: 'Fires', value: (t) => t.event?.type ?? '' },
      ], r.timers, { caption: 'Timers', empty: 'No timers pending.' }),
      table([
        { label: 'Check', value: (v) => v.check_name },
        { label: 'Status', value: (v) => v.status },
        { label: 'Due', value: (v) => dateTime(v.due_at) },
        { label: 'Detail', value: (v) => v.detail ?? '—' },
      ], r.verify_results, { caption: 'Verify checks', empty: 'No verify checks staged.' }),
      r.alerts.length ? table([
        { label: 'Alert', value: (a) => a.kind },
        { label: 'Step', value: (a) => a.step ?? '—' },
        { label: 'Message', value: (a) => a.message },
      ], r.alerts, { caption: 'Alerts' }) : null),
    section('changes-panel', `What changed (${r.side_effects.length})`, true,
      table([
        { label: 'System', value: (x) => x.system },
        { label: 'Table', value: (x) => x.table },
        { label: 'Action', value: (x) => x.action },
        { label: 'Ref', value: (x) => x.ref },
        { label: 'Status', value: (x) => x.status },
      ], r.side_effects, { empty: 'Nothing written yet.' })),
    replayPanel(r, section),
    section('context-panel', 'Context', false, jsonBlock(r.context, 'Machine context (JSON)', true)));
  renderTimeline();
  scroller.scrollTop = top;
}

/** The reason as the run has it now; when the approver corrected it, what the reader had found too. */
function reasonFact(r) {
  const c = (r.corrections ?? []).find((x) => x.field === 'reason_code');
  const code = r.extraction?.reason_code ?? '—';
  return c ? `${code} (corrected from ${c.from ?? 'nothing'} by ${c.by})` : code;
}

const NOTE = /^(proposal|delivery)\./;
const ACTION_TITLE = {
  workflow_customer_invoice_dispute: 'Envelope',
  customer_email: 'Reply',
  customer_escalation: 'Escalation',
  ar_hold_review: 'AR hold review',
};

/** A journal note (not a machine event) in words. */
function noteText(e) {
  const what = ACTION_TITLE[e.action_type] ?? e.action_type ?? 'proposal';
  switch (e.type) {
    case 'proposal.approved':
    case 'proposal.rejected': {
      const edited = e.edits ? Object.keys(e.edits) : [];
      return `${what} #${e.proposed_action_id} ${e.type.slice(9)} by ${e.by ?? '—'}${e.note ? ` — “${e.note}”` : ''}${edited.length ? `; the approver edited the ${edited.join(' and ')}` : ''}`;
    }
    case 'delivery.sent':
      return `${e.channel === 'erp_webhook' ? 'ERP hand-off' : 'Mail'} of proposal #${e.proposed_action_id} sent (attempt ${e.attempts ?? '?'})${e.message_id ? ` · Message-ID ${e.message_id}` : ''}`;
    case 'delivery.failed':
      return `${e.channel === 'erp_webhook' ? 'ERP hand-off' : 'Mail'} of proposal #${e.proposed_action_id} failed after ${e.attempts ?? '?'} attempt${e.attempts === 1 ? '' : 's'}: ${e.error ?? 'no error recorded'}`;
    default:
      return e.type;
  }
}

/** The corrections an APPROVE carried, with what the reader had found (the run's corrections, else the effect's). */
function approveCorrections(j) {
  const e = j.event ?? {};
  if (e.type !== 'APPROVE') return [];
  const recorded = (s.run.corrections ?? []).filter((c) => c.proposed_action_id === e.action_id);
  if (recorded.length) return recorded;
  const fx = (j.effects ?? []).find((x) => x.type === 'recordDecision')?.params?.corrections;
  if (Array.isArray(fx) && fx.length) return fx.map((c) => ({ ...c, by: e.by }));
  return Object.entries(e.corrections ?? {}).map(([field, to]) => ({ field, from: null, to, by: e.by }));
}

function effectText(e) {
  const p = e.params ?? {};
  const bits = Object.entries(p).filter(([, v]) => v === null || typeof v !== 'object').map(([k, v]) => `${k}=${v}`);
  return bits.length ? `${e.type}(${bits.join(', ')})` : e.type;
}

function renderTimeline() {
  const box = $('#timeline');
  if (!box || !s.run) return;
  const rows = s.run.journal;
  const last = rows.at(-1)?.seq;
  clear(box, h('ol', { class: 'timeline' }, rows.map((j) => {
    const current = s.pinnedSeq === null ? j.seq === last : j.seq === s.pinnedSeq;
    const type = j.event?.type ?? '?';
    const note = NOTE.test(type);
    const corrections = approveCorrections(j);
    return h('li', {}, h('button', {
      type: 'button', class: note ? 'entry note' : 'entry', 'data-seq': String(j.seq), 'data-event': type, 'aria-pressed': String(current),
      title: 'Show the statechart as it was after this step',
      onclick: () => pin(j.seq === last ? null : j.seq),
    },
    h('span', { class: 'entry-head' }, h('span', { class: 'seq' }, `#${j.seq}`), h('strong', { class: 'event' }, type), h('time', { datetime: j.at }, dateTime(j.at))),
    note
      ? [h('span', { class: 'entry-note' }, noteText(j.event)), h('span', { class: 'entry-move muted' }, 'state unchanged: ', stateText(j.state_after))]
      : h('span', { class: 'entry-move' }, j.state_before == null ? '(start)' : stateText(j.state_before), ' → ', h('strong', {}, stateText(j.state_after))),
    corrections.length
      ? h('span', { class: 'entry-corrections' }, 'Corrected: ', corrections.map(correctionText).join('; '))
      : null,
    j.effects?.length ? h('span', { class: 'entry-effects' }, j.effects.map(effectText).join(' · ')) : null));
  })));
}

// ---- wiring --------------------------------------------------------------------------------------------

const setLive = (state) => showLiveState(el.live, state);

function onSignedIn(signedIn) {
  s.signedIn = signedIn;
  s.stopLive?.();
  s.stopLive = null;
  if (!signedIn) {
    s.run = null;
    s.runId = null;
    clear(el.runsBody, signInPrompt('runs'));
    clear(el.details, signInPrompt("a run's journal, context and proposed actions"));
    $('#runs-filters').hidden = true;
    $('#new-dispute').hidden = true;
    setLive('offline');
    showChart();
    return;
  }
  $('#runs-filters').hidden = false;
  $('#new-dispute').hidden = false;
  clear(el.details, h('p', { class: 'empty' }, 'Choose a run from the list.'));
  s.stopLive = liveFeed({
    state: setLive,
    run: (n) => {
      refreshRuns();
      if (n.run_id === s.runId) refreshRun();
    },
    resync: () => {
      refreshRuns();
      refreshRun();
    },
  });
  loadRuns();
  const m = /^#run=(\d+)$/.exec(location.hash);
  if (m) selectRun(Number(m[1]));
}

function zoom(fit) {
  el.chart.classList.toggle('fit', fit);
  $('#zoom-fit').setAttribute('aria-pressed', String(fit));
  $('#zoom-full').setAttribute('aria-pressed', String(!fit));
}

async function main() {
  clear($('#runs-filters'), filterForm());
  // A run started by hand opens here at once (the list catches up over the live feed).
  mountNewDispute($('#new-dispute-form'), (id) => {
    $('#new-dispute').open = false;
    selectRun(id);
    loadRuns();
  });
  $('#zoom-fit').addEventListener('click', () => zoom(true));
  $('#zoom-full').addEventListener('click', () => zoom(false));
  mountAuth($('#auth'), onSignedIn);
  s.offset = await clockOffset();
  await drawMachine(); // lights up the selected run (if any) once drawn
  window.addEventListener('hashchange', () => {
    const m = /^#run=(\d+)$/.exec(location.hash);
    if (m && Number(m[1]) !== s.runId && s.signedIn) selectRun(Number(m[1]));
  });
}

main();
