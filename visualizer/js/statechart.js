// Draws the statechart served by GET /api/machine as SVG, laid out by elkjs (layered, hierarchical, compound
// nodes), and lights up a run's active states. The layout is pure data (buildElkGraph) so it can be checked
// outside a browser; the drawing is plain SVG with one <g> per state and per transition, each carrying data-*
// attributes that say which state or transition of the machine it is.

const SVG_NS = 'http://www.w3.org/2000/svg';
export const FONT = {
  title: '600 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  small: '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};
const INITIAL = '__initial';

/** Text width in pixels: canvas in a browser, an estimate elsewhere. */
export function textMeasurer() {
  const canvas = typeof document !== 'undefined' ? document.createElement('canvas') : null;
  const ctx = canvas?.getContext('2d');
  return (text, font) => {
    if (!ctx) return text.length * (font === FONT.title ? 7.5 : 6.2);
    ctx.font = font;
    return ctx.measureText(text).width;
  };
}

const entryLine = (n) => (n.entry.length ? `entry / ${n.entry.join(', ')}` : '');

/** The ELK input graph: the machine's root as the outer compound node, edges in their lowest common container. */
export function buildElkGraph(graph, measure = textMeasurer()) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const elkNodes = new Map();
  const rootId = graph.machine.id;

  const make = (n) => {
    const isContainer = n.children.length > 0;
    const title = titleOf(n);
    const entry = entryLine(n);
    const el = { id: n.id, labels: [{ text: title }] };
    if (isContainer) {
      el.children = n.children.map((c) => make(byId.get(c)));
      el.edges = [];
      const top = entry ? 44 : 30;
      el.layoutOptions = {
        'elk.padding': `[top=${top},left=14,bottom=14,right=14]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.ceil(Math.max(measure(title, FONT.title), entry ? measure(entry, FONT.small) : 0)) + 40},40)`,
      };
      if (n.initial) {
        el.children.unshift({ id: `${n.id}.${INITIAL}`, width: 12, height: 12 });
        el.edges.push({ id: `${n.id}.${INITIAL}->`, sources: [`${n.id}.${INITIAL}`], targets: [n.initial] });
      }
    } else {
      const w = Math.max(measure(title, FONT.title), entry ? measure(entry, FONT.small) : 0);
      el.width = Math.ceil(Math.max(84, w + 28));
      el.height = entry ? 48 : 34;
    }
    elkNodes.set(n.id, el);
    return el;
  };
  const machineNode = make(byId.get(rootId));

  const ancestors = (id) => {
    const out = [];
    for (let n = byId.get(id); n; n = n.parent ? byId.get(n.parent) : undefined) out.push(n.id);
    return out;
  };
  for (const e of graph.edges) {
    // The container is the deepest state that strictly contains both ends (a self-loop lives in its parent).
    const up = new Set(ancestors(e.source).slice(1));
    const container = ancestors(e.target).slice(1).find((a) => up.has(a)) ?? rootId;
    const lines = labelLines(e);
    const parent = elkNodes.get(container);
    parent.edges ??= [];
    parent.edges.push({
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      labels: [{ text: e.label, width: Math.ceil(Math.max(...lines.map((l) => measure(l, FONT.small)))) + 8, height: 14 * lines.length + 2 }],
    });
  }

  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '34',
      'elk.spacing.nodeNode': '26',
      'elk.spacing.edgeNode': '14',
      'elk.spacing.edgeEdge': '10',
      'elk.spacing.edgeLabel': '3',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: [machineNode],
  };
}

/** An edge label on one or two lines: the event (or `always` / `onDone`), then `[guard]`. */
export function labelLines(e) {
  const head = e.kind === 'always' ? 'always' : e.kind === 'done' ? 'onDone' : e.event;
  return e.guard ? [head, `[${e.guard}]`] : [head];
}

export function titleOf(n) {
  if (n.parent === null) return n.key;
  if (n.type === 'parallel') return `${n.key} (parallel)`;
  return n.key;
}

/** The ids of the state nodes a state value makes active (the root included). */
export function activeIds(graph, value) {
  const rootId = graph.machine.id;
  const out = new Set([rootId]);
  const walk = (prefix, v) => {
    if (v == null) return;
    if (typeof v === 'string') {
      out.add(`${prefix}.${v}`);
      return;
    }
    for (const [k, sub] of Object.entries(v)) {
      out.add(`${prefix}.${k}`);
      walk(`${prefix}.${k}`, sub);
    }
  };
  walk(rootId, value);
  return out;
}

const CACHE_PREFIX = 'disputeflow.layout.';

/** FNV-1a, for a cache key (not for security). */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(16)}.${text.length}`;
}

/**
 * Lays out with elkjs (the global ELK from /assets/vendor/elk.bundled.js, or one passed in). The result is
 * kept in localStorage under a hash of ELK's input (machine graph and measured text), so the next page load
 * draws at once; any change to the machine or the fonts changes the key.
 */
export async function layoutStatechart(graph, elk = new globalThis.ELK(), measure = textMeasurer()) {
  const input = buildElkGraph(graph, measure);
  const key = CACHE_PREFIX + hash(JSON.stringify(input));
  const store = typeof localStorage !== 'undefined' ? localStorage : null;
  try {
    const hit = store?.getItem(key);
    if (hit) return JSON.parse(hit);
  } catch {
    /* no storage, or a damaged entry: lay out again */
  }
  const layout = await elk.layout(input);
  try {
    for (const k of Object.keys(store ?? {})) if (k.startsWith(CACHE_PREFIX)) store.removeItem(k);
    store?.setItem(key, JSON.stringify(layout));
  } catch {
    /* storage full or disabled: fine, just slower next time */
  }
  return layout;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  for (const c of children) if (c != null) el.append(c);
  return el;
}

function flatten(elkNode, out = []) {
  for (const c of elkNode.children ?? []) {
    out.push(c);
    flatten(c, out);
  }
  return out;
}
function edgesOf(elkNode, out = []) {
  for (const e of elkNode.edges ?? []) out.push(e);
  for (const c of elkNode.children ?? []) edgesOf(c, out);
  return out;
}

function pathData(section) {
  const pts = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
  return pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

/** Draws the laid-out statechart into a fresh <svg>; returns it. */
export function renderStatechart(graph, layout) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const edgeById = new Map(graph.edges.map((e) => [e.id, e]));
  const root = svg('svg', {
    class: 'statechart',
    viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`,
    width: Math.ceil(layout.width),
    height: Math.ceil(layout.height),
    role: 'img',
    'aria-labelledby': 'statechart-title',
    'data-machine': graph.machine.id,
  });
  root.append(svg('title', { id: 'statechart-title' }, `Statechart of ${graph.machine.id}, version ${graph.machine.version}`));
  const defs = svg('defs');
  for (const [id, cls] of [['arrow', 'arrowhead'], ['arrow-taken', 'arrowhead taken']]) {
    defs.append(svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: cls })));
  }
  root.append(defs);

  const containers = svg('g', { class: 'layer-containers' });
  const edgesLayer = svg('g', { class: 'layer-edges' });
  const leaves = svg('g', { class: 'layer-states' });
  const labels = svg('g', { class: 'layer-labels' });
  root.append(containers, edgesLayer, leaves, labels);

  const depth = (n) => n.path.length;
  const placed = flatten(layout).sort((a, b) => (byId.get(a.id) ? depth(byId.get(a.id)) : 99) - (byId.get(b.id) ? depth(byId.get(b.id)) : 99));
  for (const p of placed) {
    if (p.id.endsWith(`.${INITIAL}`)) {
      leaves.append(svg('circle', { class: 'initial-marker', cx: p.x + p.width / 2, cy: p.y + p.height / 2, r: 5, 'aria-hidden': 'true' }));
      continue;
    }
    const n = byId.get(p.id);
    if (!n) continue;
    const container = n.children.length > 0;
    const kind = [n.type, n.region ? 'region' : '', container ? 'container' : 'leaf', n.parent === null ? 'machine' : ''].filter(Boolean).join(' ');
    const g = svg('g', {
      class: `state ${kind}`,
      'data-state-id': n.id,
      'data-state-path': n.path.join('.'),
      'data-state-type': n.type,
      transform: `translate(${p.x},${p.y})`,
    });
    const tip = [n.path.join('.') || n.key, n.type, n.description, n.entry.length ? `entry: ${n.entry.join(', ')}` : ''].filter(Boolean).join('\n');
    g.append(svg('title', {}, tip));
    g.append(svg('rect', { class: 'state-box', width: p.width, height: p.height, rx: container ? 10 : 8 }));
    if (n.type === 'final') g.append(svg('rect', { class: 'state-final-ring', x: 3, y: 3, width: p.width - 6, height: p.height - 6, rx: 6 }));
    const entry = entryLine(n);
    if (container) {
      g.append(svg('text', { class: 'state-title', x: 12, y: 19 }, titleOf(n)));
      if (entry) g.append(svg('text', { class: 'state-entry', x: 12, y: 34 }, entry));
      containers.append(g);
    } else {
      g.append(svg('text', { class: 'state-title', x: p.width / 2, y: entry ? 20 : p.height / 2 + 4.5, 'text-anchor': 'middle' }, titleOf(n)));
      if (entry) g.append(svg('text', { class: 'state-entry', x: p.width / 2, y: 37, 'text-anchor': 'middle' }, entry));
      leaves.append(g);
    }
  }

  for (const le of edgesOf(layout)) {
    const e = edgeById.get(le.id);
    const d = (le.sections ?? []).map(pathData).join(' ');
    if (!e) {
      // The arrow from a compound state's initial marker to its initial child.
      edgesLayer.append(svg('path', { class: 'initial-edge', d, 'marker-end': 'url(#arrow)', 'aria-hidden': 'true' }));
      continue;
    }
    const g = svg('g', {
      class: `transition ${e.kind}${e.internal ? ' internal' : ''}`,
      'data-edge-id': e.id,
      'data-source': e.source,
      'data-target': e.target,
      'data-kind': e.kind,
      'data-event': e.event,
      'data-guard': e.guard ?? '',
    });
    const tip = [e.label, e.guard_params ? `guard params: ${JSON.stringify(e.guard_params)}` : '', e.actions.length ? `actions: ${e.actions.join(', ')}` : '', e.internal ? 'no target: runs its actions only' : ''].filter(Boolean).join('\n');
    g.append(svg('title', {}, tip));
    g.append(svg('path', { class: 'edge-line', d, 'marker-end': 'url(#arrow)' }));
    edgesLayer.append(g);
    for (const l of le.labels ?? []) {
      const lg = svg('g', { class: `transition-label ${e.kind}`, 'data-edge-id': e.id, 'data-label': e.label, transform: `translate(${l.x},${l.y})` });
      lg.append(svg('title', {}, tip));
      lg.append(svg('rect', { class: 'label-bg', width: l.width, height: l.height, rx: 3 }));
      labelLines(e).forEach((line, i) =>
        lg.append(svg('text', { class: i ? 'label-text guard' : 'label-text', x: l.width / 2, y: 12 + i * 14, 'text-anchor': 'middle' }, line)));
      labels.append(lg);
    }
  }
  return root;
}

/**
 * Marks active states (and the states a run has passed through) and the transition taken by `taken`:
 * {event, before: Set, after: Set}. Returns the ids of the active leaf states, for the caption.
 */
export function highlight(svgEl, graph, active, visited = new Set(), taken = null) {
  for (const g of svgEl.querySelectorAll('g.state')) {
    const id = g.getAttribute('data-state-id');
    const on = active.has(id);
    g.classList.toggle('active', on);
    g.classList.toggle('visited', !on && visited.has(id));
    g.setAttribute('data-active', on ? 'true' : 'false');
  }
  for (const g of svgEl.querySelectorAll('g.transition, g.transition-label')) {
    const e = taken && graph.edges.find((x) => x.id === g.getAttribute('data-edge-id'));
    const hit = Boolean(e && e.event === taken.event && taken.before.has(e.source) && taken.after.has(e.target));
    g.classList.toggle('taken', hit);
    const line = g.querySelector('.edge-line');
    if (line) line.setAttribute('marker-end', hit ? 'url(#arrow-taken)' : 'url(#arrow)');
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return [...active].filter((id) => byId.get(id)?.children.length === 0);
}
