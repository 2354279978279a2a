// A tiny element builder: text always goes in as text nodes, never as HTML, so nothing from the API can
// inject markup.

/** h('p', {class: 'x', onclick: fn}, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** A definition list from [label, value] pairs; empty values are left out. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** A table from column specs [{label, value: row => node|string, class?}] and rows. */
export function table(columns, rows, opts = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, opts.empty ?? 'None.');
  return h('div', { class: 'table-wrap' },
    h('table', { class: opts.class ?? '' },
      opts.caption ? h('caption', {}, opts.caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.class }, c.value(r))))))));
}

/** Pretty JSON, collapsible. */
export function jsonBlock(value, summary = 'JSON', open = false) {
  return h('details', { class: 'json', open }, h('summary', {}, summary), h('pre', {}, JSON.stringify(value, null, 2)));
}

/** The header's live-feed badge: live, connecting… or offline. */
export function showLiveState(badge, state) {
  badge.dataset.state = state;
  badge.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'offline';
}
