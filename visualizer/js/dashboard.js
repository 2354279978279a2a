// The AR dashboard: GET /api/kpis for a date range, each KPI drawn with Chart.js (served from node_modules,
// no CDN) beside an accessible table holding the same numbers. Follows new runs over the live feed.
import { api, liveFeed, throttle } from './api.js';
import { mountAuth, signInPrompt } from './auth.js';
import { $, clear, h, showLiveState } from './dom.js';
import { money } from './format.js';

const DAY = 86_400_000;
const COLORS = ['#1f4e79', '#f2a900', '#1c7c3c', '#b3261e', '#7a4cc2', '#0b8a8a', '#a45a00', '#5b6776', '#d4548e', '#3b9ede', '#6b8e23', '#8b5a2b', '#444', '#c0a000', '#2e8b57', '#9370db'];
const OUTCOME_COLORS = { approved: '#1c7c3c', rejected: '#b3261e', expired: '#a45a00', blocked: '#5b6776', undecided: '#3b9ede' };
const VERIFY_COLORS = { pass: '#1c7c3c', fail: '#b3261e', timeout: '#a45a00' };

const s = { signedIn: false, from: null, to: null, kpis: null, charts: new Map(), stopLive: null };
const el = { form: $('#kpi-range'), from: $('#kpi-from'), to: $('#kpi-to'), error: $('#kpi-error'), kpis: $('#kpis'), live: $('#live-state') };

const iso = (d) => d.toISOString().slice(0, 10);
/** Every day from..to, so a day without disputes is drawn as zero rather than skipped. */
function daysOf(from, to) {
  const out = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) out.push(iso(new Date(t)));
  return out;
}
const pct = (n, total) => (total ? `${Math.round((n / total) * 1000) / 10} %` : '—');

async function load() {
  if (!s.signedIn) return;
  const q = new URLSearchParams();
  if (s.from) q.set('from', s.from);
  if (s.to) q.set('to', s.to);
  try {
    const kpis = await api(`/api/kpis?${q}`);
    el.error.textContent = '';
    s.from = kpis.from;
    s.to = kpis.to;
    el.from.value = kpis.from;
    el.to.value = kpis.to;
    if (JSON.stringify(kpis) === JSON.stringify(s.kpis)) return;
    s.kpis = kpis;
    render();
  } catch (err) {
    if (err.status === 401) return;
    const fields = (err.details ?? []).map((d) => `${d.field}: ${d.message}`).join('; ');
    el.error.textContent = fields || err.message;
  }
}
const refresh = throttle(load, 1000);

/** One KPI: a chart (role img, its summary as label) and the same numbers as a table beside it. */
function figure(id, title, chartConfig, columns, rows, opts = {}) {
  const canvas = h('canvas', { id: `${id}-chart`, role: 'img', 'aria-label': `${title} (chart; the numbers are in the table beside it)` });
  const body = rows.length
    ? h('table', { class: 'kpi-table', 'aria-labelledby': `${id}-h`, 'data-kpi': id },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c, i) => h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, 'data-col': c.key }, c.value(r)))))))
    : h('p', { class: 'empty' }, opts.empty ?? 'Nothing in this range.');
  const fig = h('figure', { class: 'kpi', id },
    h('figcaption', {}, h('h2', { id: `${id}-h` }, title), opts.note ? h('p', { class: 'hint' }, opts.note) : null),
    h('div', { class: 'kpi-body' }, h('div', { class: 'kpi-chart' }, rows.length ? canvas : null), h('div', { class: 'kpi-numbers table-wrap' }, body)));
  return { fig, canvas: rows.length ? canvas : null, chartConfig };
}

function build(k) {
  const days = daysOf(k.from, k.to);
  const reasons = [...new Set(k.disputes_per_day.map((r) => r.reason_code))].sort();
  const perDay = new Map(k.disputes_per_day.map((r) => [`${r.day}|${r.reason_code}`, r.disputes]));
  const dayRows = days.map((day) => ({ day, counts: reasons.map((r) => perDay.get(`${day}|${r}`) ?? 0) })).filter((r) => r.counts.some((n) => n > 0));
  const decided = new Map(k.decision_minutes_per_day.map((r) => [r.day, r]));
  const outcomeRows = ['approved', 'rejected', 'expired', 'blocked', 'undecided'].map((o) => ({ outcome: o, runs: k.outcomes[o] }));
  const verifyRows = ['pass', 'fail', 'timeout'].map((r) => ({ result: r, checks: k.verify[r] }));
  const window = k.approval_window_minutes;
  const bar = (labels, datasets, extra = {}) => ({ type: 'bar', data: { labels, datasets }, options: { animation: false, maintainAspectRatio: false, ...extra } });
  const doughnut = (labels, data, colors) => ({ type: 'doughnut', data: { labels, datasets: [{ data, backgroundColor: colors }] }, options: { animation: false, maintainAspectRatio: false } });
  return [
    figure('kpi-disputes-per-day', 'Disputes per day by reason',
      bar(days, reasons.map((r, i) => ({ label: r, data: days.map((d) => perDay.get(`${d}|${r}`) ?? 0), backgroundColor: COLORS[i % COLORS.length] })),
        { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }),
      [{ key: 'day', label: 'Day', value: (r) => r.day }, ...reasons.map((reason, i) => ({ key: reason, label: reason, value: (r) => String(r.counts[i]) }))],
      dayRows, { empty: 'No disputes started in this range.' }),
    figure('kpi-open-by-age', 'Open disputed amount by age (days)',
      bar(k.open_amount_by_age.map((b) => b.bucket), [{ label: 'Open amount', data: k.open_amount_by_age.map((b) => b.amount), backgroundColor: COLORS[0] }], { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }),
      [{ key: 'bucket', label: 'Age (days)', value: (r) => r.bucket }, { key: 'disputes', label: 'Open disputes', value: (r) => String(r.disputes) }, { key: 'amount', label: 'Amount', value: (r) => money(r.amount) }],
      k.open_amount_by_age, { note: `Aged at the end of ${k.to}.` }),
    figure('kpi-decision-time', `Approver time to decision (minutes), with the ${window}-minute window`,
      { type: 'line', data: { labels: days, datasets: [
        { label: 'p50', data: days.map((d) => decided.get(d)?.p50_minutes ?? null), borderColor: COLORS[0], backgroundColor: COLORS[0], spanGaps: true },
        { label: 'p90', data: days.map((d) => decided.get(d)?.p90_minutes ?? null), borderColor: COLORS[1], backgroundColor: COLORS[1], spanGaps: true },
        { label: `approval window (${window} min)`, data: days.map(() => window), borderColor: '#b3261e', borderDash: [6, 4], pointRadius: 0 },
      ] }, options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } } },
      [{ key: 'day', label: 'Day', value: (r) => r.day }, { key: 'decisions', label: 'Decisions', value: (r) => String(r.decisions) },
        { key: 'p50', label: 'p50 (min)', value: (r) => String(r.p50_minutes) }, { key: 'p90', label: 'p90 (min)', value: (r) => String(r.p90_minutes) },
        { key: 'window', label: 'Window (min)', value: () => String(window) }],
      k.decision_minutes_per_day, { empty: 'The approver decided nothing in this range.', note: `From the envelope being staged to the decision; the contract's approval window is ${window} minutes.` }),
    figure('kpi-outcomes', 'Share of disputes approved, rejected, expired and blocked',
      doughnut(outcomeRows.map((r) => r.outcome), outcomeRows.map((r) => r.runs), outcomeRows.map((r) => OUTCOME_COLORS[r.outcome])),
      [{ key: 'outcome', label: 'Outcome', value: (r) => r.outcome }, { key: 'runs', label: 'Disputes', value: (r) => String(r.runs) }, { key: 'share', label: 'Share', value: (r) => pct(r.runs, k.outcomes.total) }],
      k.outcomes.total ? outcomeRows : [], { empty: 'No disputes started in this range.', note: `${k.outcomes.total} dispute(s) started in the range.` }),
    figure('kpi-verify', `Verify pass rate: ${k.verify.pass_rate === null ? '—' : pct(k.verify.pass, k.verify.checked)}`,
      doughnut(verifyRows.map((r) => r.result), verifyRows.map((r) => r.checks), verifyRows.map((r) => VERIFY_COLORS[r.result])),
      [{ key: 'result', label: 'Result', value: (r) => r.result }, { key: 'checks', label: 'Checks', value: (r) => String(r.checks) }, { key: 'share', label: 'Share', value: (r) => pct(r.checks, k.verify.checked) }],
      k.verify.checked ? verifyRows : [], { empty: 'No verify check finished in this range.' }),
    figure('kpi-top-customers', 'Top customers by open disputes and amount',
      bar(k.top_customers.map((c) => c.name ?? `customer ${c.customer_id}`), [{ label: 'Open disputes', data: k.top_customers.map((c) => c.open_disputes), backgroundColor: COLORS[0] }],
        { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }),
      [{ key: 'customer', label: 'Customer', value: (r) => `${r.name ?? 'unknown'} (${r.customer_id})` }, { key: 'open_disputes', label: 'Open disputes', value: (r) => String(r.open_disputes) }, { key: 'open_amount', label: 'Open amount', value: (r) => money(r.open_amount) }],
      k.top_customers, { empty: 'No customer has an open dispute.' }),
    figure('kpi-corrections', 'Reason corrections by the approver',
      bar(k.reason_corrections.map((c) => `${c.from} → ${c.to}`), [{ label: 'Corrections', data: k.reason_corrections.map((c) => c.corrections), backgroundColor: COLORS[3] }],
        { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }),
      [{ key: 'from', label: 'Reader chose', value: (r) => r.from }, { key: 'to', label: 'Approver set', value: (r) => r.to }, { key: 'corrections', label: 'Corrections', value: (r) => String(r.corrections) }],
      k.reason_corrections, { empty: 'The approver corrected no reason in this range.', note: 'Which codes the reader confuses.' }),
  ];
}

function render() {
  for (const chart of s.charts.values()) chart.destroy();
  s.charts.clear();
  const figures = build(s.kpis);
  clear(el.kpis, figures.map((f) => f.fig));
  const Chart = window.Chart;
  for (const f of figures) {
    if (!f.canvas) continue;
    if (!Chart) {
      f.canvas.replaceWith(h('p', { class: 'error' }, 'The charting library did not load; the numbers are in the table.'));
      continue;
    }
    s.charts.set(f.fig.id, new Chart(f.canvas, f.chartConfig));
  }
  el.kpis.dataset.rendered = `${s.kpis.from}..${s.kpis.to}`;
}

el.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  s.from = el.from.value || null;
  s.to = el.to.value || null;
  s.kpis = null;
  load();
});

mountAuth($('#auth'), (signedIn) => {
  s.signedIn = signedIn;
  el.form.hidden = !signedIn;
  s.stopLive?.();
  s.stopLive = null;
  if (!signedIn) {
    for (const chart of s.charts.values()) chart.destroy();
    s.charts.clear();
    s.kpis = null;
    clear(el.kpis, signInPrompt('the dashboard'));
    showLiveState(el.live, 'offline');
    return;
  }
  s.stopLive = liveFeed({ run: refresh, resync: refresh, state: (st) => showLiveState(el.live, st) });
  load();
});
