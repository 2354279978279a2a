// The "Sent mail" page: every approved reply and escalation (GET /api/mail), newest first, filtered by
// delivery status, with a message's full text and headers on click. Updates live: a delivery is a note in
// its run's journal, and every journal commit reaches the page over the live feed.
import { api, liveFeed, throttle } from './api.js';
import { mountAuth, signInPrompt } from './auth.js';
import { $, clear, facts, h, showLiveState } from './dom.js';
import { dateTime } from './format.js';

const PAGE_SIZE = 50;

const s = { signedIn: false, status: '', cursors: [null], page: null, selected: null, stopLive: null, signature: null };
const el = { list: $('#mail-list'), message: $('#message'), filters: $('#mail-filters'), status: $('#mail-status'), live: $('#live-state') };

async function load() {
  if (!s.signedIn) return;
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (s.status) q.set('status', s.status);
  const cursor = s.cursors.at(-1);
  if (cursor) q.set('cursor', cursor);
  try {
    const page = await api(`/api/mail?${q}`);
    const signature = JSON.stringify([s.status, s.cursors, page]);
    if (signature === s.signature) return;
    s.signature = signature;
    s.page = page;
    // A message being read is refreshed with its newest state (queued → sent) when it is on this page.
    const fresh = s.selected && page.items.find((m) => m.proposed_action_id === s.selected.proposed_action_id);
    if (fresh) s.selected = fresh;
    render();
  } catch (err) {
    if (err.status !== 401) clear(el.list, h('p', { class: 'error', role: 'alert' }, err.message));
  }
}
const refresh = throttle(load, 400);

const statusBadge = (st) => h('span', { class: `badge delivery-${st}` }, st);

function render() {
  const items = s.page?.items ?? [];
  const rows = items.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'mail-list' },
      h('caption', {}, s.status ? `Mail with status ${s.status}` : 'All approved mail'),
      h('thead', {}, h('tr', {}, ['To', 'Subject', 'Status', 'Message-ID', 'Sent at'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((m) => h('tr', {
        'data-proposed-action-id': String(m.proposed_action_id), 'data-status': m.status,
        'aria-selected': String(s.selected?.proposed_action_id === m.proposed_action_id),
      },
      h('td', { class: 'to' }, m.to ?? '—'),
      h('td', { class: 'subject' }, h('button', { type: 'button', class: 'link open-message', onclick: () => select(m) }, m.subject || '(no subject)')),
      h('td', { class: 'status' }, statusBadge(m.status)),
      h('td', { class: 'message-id' }, h('code', {}, m.message_id ?? '—')),
      h('td', { class: 'sent-at' }, m.sent_at ? dateTime(m.sent_at) : m.status === 'queued' ? `queued ${dateTime(m.queued_at)}` : '—')))))
    )
    : h('p', { class: 'empty' }, s.status ? `No mail is ${s.status}.` : 'No mail has been approved yet.');
  const pager = h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: s.cursors.length <= 1, onclick: () => { s.cursors.pop(); load(); } }, '← Newer'),
    h('span', { class: 'muted small' }, `page ${s.cursors.length}`),
    h('button', { type: 'button', disabled: !s.page?.next_cursor, onclick: () => { s.cursors.push(s.page.next_cursor); load(); } }, 'Older →'));
  clear(el.list, rows, pager);
  renderMessage();
}

function select(m) {
  s.selected = m;
  for (const tr of el.list.querySelectorAll('tr[data-proposed-action-id]')) tr.setAttribute('aria-selected', String(Number(tr.dataset.proposedActionId) === m.proposed_action_id));
  renderMessage();
  $('#message-h').scrollIntoView?.({ block: 'nearest' });
}

function renderMessage() {
  const m = s.selected;
  if (!m) {
    clear(el.message, h('p', { class: 'empty' }, 'Choose a message to read it.'));
    return;
  }
  clear(el.message, h('article', { class: 'message', 'data-proposed-action-id': String(m.proposed_action_id), 'aria-label': `Message ${m.subject ?? ''}` },
    h('h3', { class: 'message-subject' }, m.subject || '(no subject)'),
    h('dl', { class: 'facts message-headers', 'aria-label': 'Headers' },
      [['From', m.from], ['To', m.to], ['Subject', m.subject], ['Date', m.sent_at ? dateTime(m.sent_at) : null], ['Message-ID', m.message_id], ['In-Reply-To', m.in_reply_to]]
        .filter(([, v]) => v)
        .map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-header': k.toLowerCase() }, v)])),
    facts([
      ['Status', statusBadge(m.status)],
      ['Queued', dateTime(m.queued_at)],
      ['Attempts', String(m.attempts)],
      ['Last error', m.last_error],
      ['Approved in', h('a', { href: `/inspector#run=${m.run_id}` }, `run #${m.run_id}, proposal #${m.proposed_action_id}`)],
    ]),
    h('pre', { class: 'email-body message-text' }, m.text ?? '')));
}

const setLive = (state) => showLiveState(el.live, state);

function onSignedIn(signedIn) {
  s.signedIn = signedIn;
  s.stopLive?.();
  s.stopLive = null;
  s.signature = null;
  if (!signedIn) {
    s.selected = null;
    el.filters.hidden = true;
    clear(el.list, signInPrompt('the mail that was approved'));
    clear(el.message, h('p', { class: 'empty' }, 'Choose a message to read it.'));
    setLive('offline');
    return;
  }
  el.filters.hidden = false;
  s.stopLive = liveFeed({ state: setLive, run: refresh, resync: refresh });
  load();
}

function main() {
  el.filters.addEventListener('submit', (ev) => ev.preventDefault());
  el.status.addEventListener('change', () => {
    s.status = el.status.value;
    s.cursors = [null];
    load();
  });
  mountAuth($('#auth'), onSignedIn);
}

main();
