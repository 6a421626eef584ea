// The Health page's charts: inline SVG drawn from GET /api/stats/history, so they need no
// external asset and no Prometheus. The viewBox scales to the panel's width (a phone too);
// every coordinate is checked finite, so an idle queue draws a flat line, never NaN.

const NS = 'http://www.w3.org/2000/svg';
const W = 480, H = 170;
const pad = { left: 36, right: 8, top: 10, bottom: 22 };
const minuteMs = 60000;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) el.setAttribute(k, typeof v === 'number' ? fixed(v) : String(v));
  }
  for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// fixed writes a coordinate; anything not finite becomes 0, so a bad value cannot break a path.
function fixed(v) { return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0'; }

// niceMax rounds a maximum up to 1, 2 or 5 × 10^n, at least 1: an idle chart still has a scale.
function niceMax(v) {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v);
}

// frame draws the axes and grid of a chart over [start, end] in time and [0, max] in value,
// and returns the functions that place a time and a value.
function frame(root, start, end, max, unit) {
  const x = (t) => pad.left + ((t - start) / (end - start)) * (W - pad.left - pad.right);
  const y = (v) => H - pad.bottom - (v / max) * (H - pad.top - pad.bottom);
  for (const v of [0, max / 2, max]) {
    root.append(svg('line', { class: 'grid', x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v) }),
      svg('text', { class: 'axis', x: pad.left - 4, y: y(v) + 4, 'text-anchor': 'end' }, fmtCount(v)));
  }
  root.append(svg('text', { class: 'axis', x: pad.left, y: H - 5 }, '−60 min'),
    svg('text', { class: 'axis', x: x(start + (end - start) / 2), y: H - 5, 'text-anchor': 'middle' }, '−30 min'),
    svg('text', { class: 'axis', x: W - pad.right, y: H - 5, 'text-anchor': 'end' }, 'now'),
    svg('text', { class: 'axis unit', x: pad.left + 4, y: pad.top + 4 }, unit));
  return { x, y };
}

function fmtCount(v) { return v >= 10000 ? Math.round(v / 1000) + 'k' : String(Math.round(v * 10) / 10); }

function note(root, text) {
  root.append(svg('text', { class: 'axis note', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, text));
}

function chartRoot(id, label) {
  return svg('svg', { id, class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
}

// window is the hour the charts show, ending at the current minute's end.
function hour(now) {
  const end = Math.ceil(now / minuteMs) * minuteMs;
  return { start: end - 60 * minuteMs, end };
}

// throughputChart draws tasks completed and failed per minute as stacked bars, one a minute.
export function throughputChart(history, now = Date.now()) {
  const { start, end } = hour(now);
  const perMinute = new Map();
  let completed = 0, failed = 0;
  for (const s of history.samples) {
    const t = Date.parse(s.at);
    if (!(t >= start)) continue;
    const m = Math.floor(t / minuteMs) * minuteMs;
    const b = perMinute.get(m) || { completed: 0, failed: 0 };
    b.completed += s.completed;
    b.failed += s.failed;
    perMinute.set(m, b);
    completed += s.completed;
    failed += s.failed;
  }
  const max = niceMax(Math.max(0, ...[...perMinute.values()].map((b) => b.completed + b.failed)));
  const root = chartRoot('chart-throughput', 'Tasks completed and failed per minute over the last hour');
  Object.assign(root.dataset, { samples: String(history.samples.length), completed: String(completed), failed: String(failed) });
  const { x, y } = frame(root, start, end, max, 'tasks / min');
  const bw = Math.max(1, x(start + minuteMs) - x(start) - 1);
  for (const [m, b] of [...perMinute.entries()].sort((a, c) => a[0] - c[0])) {
    const title = svg('title', {}, `${new Date(m).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${b.completed} completed, ${b.failed} failed`);
    const g = svg('g', { class: 'minute' }, title);
    if (b.completed > 0) g.append(svg('rect', { class: 'bar-completed', x: x(m), width: bw, y: y(b.completed), height: y(0) - y(b.completed) }));
    if (b.failed > 0) g.append(svg('rect', { class: 'bar-failed', x: x(m), width: bw, y: y(b.completed + b.failed), height: y(b.completed) - y(b.completed + b.failed) }));
    root.append(g);
  }
  if (!history.samples.length) note(root, `No samples yet: the api takes one every ${history.interval_seconds} s.`);
  else if (!completed && !failed) note(root, 'No task finished in this hour.');
  return root;
}

// depthChart draws the tasks in the queue (pending, running and waiting for children) as a line.
export function depthChart(history, now = Date.now()) {
  const { start, end } = hour(now);
  const points = history.samples.map((s) => ({ t: Date.parse(s.at), v: s.pending + s.running + s.waiting_for_children, s }))
    .filter((p) => p.t >= start && Number.isFinite(p.v));
  const peak = Math.max(0, ...points.map((p) => p.v));
  const root = chartRoot('chart-depth', 'Tasks in the queue over the last hour');
  Object.assign(root.dataset, { samples: String(points.length), peak: String(peak) });
  const { x, y } = frame(root, start, end, niceMax(peak), 'tasks queued');
  // A gap of more than two intervals (the api was down, or a sample failed) breaks the line.
  const gap = 2.5 * history.interval_seconds * 1000;
  let d = '';
  points.forEach((p, i) => {
    d += (i === 0 || p.t - points[i - 1].t > gap ? 'M' : 'L') + fixed(x(p.t)) + ' ' + fixed(y(p.v));
  });
  if (d) root.append(svg('path', { class: 'line-depth', d }));
  const last = points[points.length - 1];
  if (last) {
    root.append(svg('circle', { class: 'dot-depth', cx: x(last.t), cy: y(last.v), r: 3 },
      svg('title', {}, `now: ${last.s.pending} pending, ${last.s.running} running, ${last.s.waiting_for_children} waiting`)));
  } else note(root, `No samples yet: the api takes one every ${history.interval_seconds} s.`);
  return root;
}
