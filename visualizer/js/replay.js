// The inspector's what-if replay panel: the run's recorded journal re-applied to the machine the server runs
// now (GET /runs/:id/replay; nothing is written), the recorded path beside the replayed one, step by step,
// with the first divergence named. Loaded when the panel is opened.
import { api } from './api.js';
import { clear, h } from './dom.js';
import { stateText, statusLabel } from './format.js';

const cache = new Map(); // `${run_id}:${journal length}` → the replay answer (a promise)

function summary(r) {
  if (r.error) return h('p', { id: 'replay-summary', class: 'error', 'data-diverged': 'true' }, `The replay stopped: ${r.error}`);
  if (!r.diverged) {
    return h('p', { id: 'replay-summary', 'data-diverged': 'false' },
      `No divergence: machine v${r.machine_version} takes the recorded path, step by step, to `, h('strong', {}, stateText(r.replayed_final)), '.');
  }
  const d = r.first_divergence;
  return h('p', { id: 'replay-summary', class: 'diverged', 'data-diverged': 'true' },
    `Diverges at step ${d.seq} (${d.event_type}): recorded `, h('strong', {}, stateText(d.recorded)), ', the current machine reaches ',
    h('strong', {}, d.replayed === null ? '(nothing)' : stateText(d.replayed)), '. ',
    r.recorded_status !== r.replayed_status ? `It would end ${statusLabel(r.replayed_status)} instead of ${statusLabel(r.recorded_status)}.` : 'It would end with the same status.');
}

function render(box, r) {
  clear(box, summary(r), h('div', { class: 'table-wrap' }, h('table', { class: 'replay-table' },
    h('caption', {}, 'Recorded path and replayed path'),
    h('thead', {}, h('tr', {}, ['#', 'Event', 'Recorded', 'Replayed', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, r.steps.map((st) => h('tr', { 'data-seq': String(st.seq), 'data-matches': String(st.matches), class: st.matches ? '' : 'diverged' },
      h('td', {}, String(st.seq)),
      h('td', {}, st.event_type),
      h('td', { class: 'recorded' }, stateText(st.recorded)),
      h('td', { class: 'replayed' }, st.replayed === null ? '—' : stateText(st.replayed)),
      h('td', {}, st.matches ? 'same' : h('strong', {}, st.taken ? 'differs' : 'differs (event not taken)'))))))));
}

async function load(box, run) {
  const key = `${run.run_id}:${run.journal.length}`;
  if (!cache.has(key)) {
    clear(box, h('p', { class: 'muted' }, 'Replaying…'));
    // One request per run and journal length, however often the panel is drawn again.
    cache.set(key, api(`/runs/${run.run_id}/replay`));
  }
  try {
    const r = await cache.get(key);
    if (box.isConnected) render(box, r);
  } catch (err) {
    cache.delete(key);
    if (err.status !== 401) clear(box, h('p', { class: 'error', role: 'alert' }, `The replay failed: ${err.message}`));
  }
}

/** The panel for `run`, built with the inspector's `section` (which remembers whether it was left open). */
export function replayPanel(run, section) {
  const box = h('div', { id: 'replay' }, h('p', { class: 'muted' }, 'Open to replay this run through the current machine.'));
  const panel = section('replay-panel', 'Replay through the current machine', false,
    h('p', { class: 'hint' }, 'Re-applies the recorded events to the machine this server runs now; nothing is written. Before deploying a changed machine, npm run replay does this for many runs.'),
    box);
  panel.addEventListener('toggle', () => { if (panel.open) load(box, run); });
  if (panel.open) queueMicrotask(() => load(box, run));
  return panel;
}
