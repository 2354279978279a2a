// The contract page: the workflow contract card from GET /api/contract (machines/contract.ts joined with the
// machine), and live counts of runs per status (GET /runs counts, refreshed on every committed event).
import { api, liveFeed, throttle } from './api.js';
import { mountAuth, signInPrompt } from './auth.js';
import { $, clear, facts, h, table, showLiveState } from './dom.js';
import { statusLabel } from './format.js';

const s = { card: null, signedIn: false, stopLive: null };
const el = { card: $('#card'), live: $('#live-state') };

const code = (t) => h('code', {}, t);
const list = (xs) => xs.map((x, i) => [i ? ', ' : '', code(x)]);
const moves = (ts) => (ts?.length ? h('ul', {}, ts.map((t) => h('li', {}, code(t.label), ' → ', code(t.target), t.actions?.length ? [' / ', list(t.actions)] : null))) : h('p', { class: 'muted' }, 'No transitions.'));

function sec(id, title, ...body) {
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...body);
}

function render() {
  const { contract: c, machine: m, statuses } = s.card;
  const statesOf = (status) => m.states.filter((x) => x.status === status).map((x) => x.key);
  clear(el.card,
    h('div', { class: 'page-head' },
      h('h1', {}, `${c.title} `, h('span', { class: 'muted small' }, `contract v${c.version} · ${c.workflow_type} · risk level ${c.risk_level} · machine v${m.version}`))),
    h('p', {}, c.summary),
    sec('counts', 'Runs now', h('div', { id: 'counts-body' },
      s.signedIn
        ? h('div', { class: 'counts' }, statuses.map((st) => h('div', { class: 'count-card', 'data-status': st },
          h('span', { class: 'n', 'data-count': st }, '…'),
          h('span', { class: `badge status-${st}` }, statusLabel(st)),
          h('span', { class: 'muted small' }, ` ${statesOf(st).join(', ') || 'transient states'}`))))
        : signInPrompt('live counts of runs'))),
    sec('trigger', 'Trigger', facts([
      ['Kind', c.trigger.kind],
      ['Sources', list(c.trigger.sources)],
      ['Invoked by', c.trigger.invoker],
      ['Endpoints', [code('POST /webhooks/triage'), ' (signed) or ', code('POST /runs'), ' (the approver)']],
      ['Idempotency', ['one run per ', code('(workflow_type, email_uuid)')]],
    ])),
    sec('inputs', 'Inputs', table([
      { label: 'Name', value: (i) => code(i.name) },
      { label: 'Type', value: (i) => i.type },
      { label: 'Required', value: (i) => (i.required ? 'yes' : 'no') },
    ], c.inputs)),
    sec('queries', 'Context queries', h('p', { class: 'muted' }, ['Run in the ', code('context'), ' state against the NetSuite mirror, with bound parameters.']),
      Object.entries(c.context_queries).map(([name, q]) => h('div', { class: 'query', 'data-query': name },
        h('h3', {}, name), ' ', h('span', { class: 'muted small' }, ['tables: ', list(q.tables)]),
        h('pre', { class: 'sql' }, q.text)))),
    sec('preconditions', 'Preconditions', table([
      { label: 'Check', value: (p) => code(p.name) },
      { label: 'Rule', value: (p) => code(p.rule) },
      { label: 'Severity', value: (p) => h('span', { class: `badge ${p.severity}` }, p.severity) },
    ], c.preconditions), h('p', {}, ['In the machine: state ', code(s.card.precondition_state.state), ':']), moves(s.card.precondition_state.transitions)),
    sec('hitl', 'HITL gate', facts([
      ['Action type', code(c.hitl.action_type)],
      ['Entity', code(c.hitl.entity_ref)],
      ['Approver', c.hitl.approver],
      ['Risk gate', String(c.hitl.risk_gate)],
      ['Approval window', `${c.hitl.approval_window_minutes} minutes, then the run expires`],
    ]), h('p', {}, ['In the machine: state ', code(s.card.hitl_state.state), ':']), moves(s.card.hitl_state.transitions)),
    sec('fanout', 'Fan-out targets', table([
      { label: 'Step', value: (f) => code(f.id) },
      { label: 'Kind', value: (f) => f.kind },
      { label: 'Stages', value: (f) => [code(f.action_type), ` on ${f.entity_type}`, f.tool ? [' via ', code(f.tool)] : null] },
      { label: 'Only if', value: (f) => (f.if ? code(f.if) : 'always') },
      { label: 'Region', value: (f) => (f.region ? [code(f.region.state), ': ', list(f.region.states)] : '—') },
    ], s.card.fan_out), h('p', { class: 'muted' }, 'The three regions run in parallel; the run moves on when all are final.')),
    sec('retry', 'Retry policy', facts([
      ['Attempts', String(c.retry_policy.max_attempts)],
      ['Backoff', `${c.retry_policy.backoff}, from ${c.retry_policy.base_ms} ms`],
      ['On final failure', c.retry_policy.alert_on_final_failure ? 'raise an alert; the run ends partial (or failed if every step failed)' : 'no alert'],
    ])),
    sec('post', 'Post actions', table([
      { label: 'Action', value: (p) => code(p.id) },
      { label: 'Writes', value: (p) => code(p.target) },
      { label: 'Detail', value: (p) => (p.fields ? list(p.fields) : p.tags ? ['tags ', list(p.tags)] : p.types ? [list(p.types), `, idempotency key ${p.idempotency_key}`] : '—') },
    ], c.post_actions), h('p', {}, ['In the machine: state ', code(s.card.post_state.state), ':']), moves(s.card.post_state.transitions)),
    sec('verify', 'Verify checks', c.verify_checks.map((v) => h('div', { 'data-check': v.name },
      h('h3', {}, v.name), ' ', h('span', { class: 'muted small' }, `window ${v.window_seconds} s`), h('pre', { class: 'sql' }, v.sql_check))),
    h('p', {}, ['In the machine: state ', code(s.card.verify_state.state), ':']), moves(s.card.verify_state.transitions)),
    sec('side-effects', 'Side effects (what changes when this workflow runs)', table([
      { label: 'System', value: (x) => x.system },
      { label: 'Table', value: (x) => code(x.table) },
      { label: 'Action', value: (x) => x.action },
      { label: 'Source', value: (x) => x.source },
    ], c.side_effects)),
    sec('states', 'States of the machine', table([
      { label: 'State', value: (x) => code(x.key) },
      { label: 'Type', value: (x) => x.type },
      { label: 'Run status', value: (x) => h('span', { class: `badge status-${x.status}` }, statusLabel(x.status)) },
      { label: 'What happens', value: (x) => [x.description ?? '', x.entry.length ? [' Entry: ', list(x.entry)] : null] },
      { label: 'Transitions', value: (x) => moves(x.transitions) },
    ], m.states), h('p', {}, h('a', { href: '/inspector' }, 'See the statechart in the inspector →'))));
  loadCounts();
}

async function loadCounts() {
  if (!s.signedIn || !s.card) return;
  try {
    const { counts } = await api('/runs?limit=1');
    for (const n of document.querySelectorAll('[data-count]')) n.textContent = String(counts[n.dataset.count] ?? 0);
  } catch (err) {
    if (err.status !== 401) clear($('#counts-body'), h('p', { class: 'error', role: 'alert' }, err.message));
  }
}
const refreshCounts = throttle(loadCounts, 500);

const setLive = (state) => showLiveState(el.live, state);

function onSignedIn(signedIn) {
  s.signedIn = signedIn;
  s.stopLive?.();
  s.stopLive = signedIn ? liveFeed({ state: setLive, run: refreshCounts, resync: refreshCounts }) : null;
  if (!signedIn) setLive('offline');
  if (s.card) render();
}

async function main() {
  try {
    s.card = await api('/api/contract', { auth: false });
  } catch (err) {
    clear(el.card, h('p', { class: 'error', role: 'alert' }, `The contract could not be loaded: ${err.message}`));
  }
  mountAuth($('#auth'), onSignedIn);
}

main();
