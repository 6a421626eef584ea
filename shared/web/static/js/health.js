// The health page: worker replicas seen in the last minute, their slots, the queue's depth,
// throughput and depth over the last hour (the api's own samples) and links to the raw endpoints.
import { get } from './api.js';
import { depthChart, throughputChart } from './charts.js';
import { fmtAgo, fmtTime, h, percentBar, poll, replace, statusLabel, statuses } from './ui.js';

const refreshMs = 2000;

export function mount(root) {
  const summary = h('div', { class: 'grid', id: 'health-summary' });
  const workers = h('tbody', { id: 'worker-rows' });
  const depth = h('tbody', { id: 'depth-rows' });
  const updated = h('span', { class: 'muted small' });
  const throughput = h('div', { class: 'chart-box', id: 'throughput-box' });
  const queued = h('div', { class: 'chart-box', id: 'depth-box' });
  const sampling = h('p', { class: 'muted small', id: 'history-note' });

  replace(root,
    h('div', { class: 'row spread' }, h('h1', {}, 'Health'), updated),
    summary,
    h('div', { class: 'panel' }, h('h2', {}, 'Last hour'),
      h('div', { class: 'charts' },
        h('figure', {}, h('figcaption', {}, 'Throughput ',
          h('span', { class: 'legend ok' }, 'completed'), ' ', h('span', { class: 'legend failed' }, 'failed')), throughput),
        h('figure', {}, h('figcaption', {}, 'Queue depth ', h('span', { class: 'legend depth' }, 'pending + running + waiting')), queued)),
      sampling),
    h('div', { class: 'panel' }, h('h2', {}, 'Workers'),
      h('p', { class: 'muted small' }, 'Worker processes that sent a heartbeat in the last minute. ',
        'Slots per worker come from worker.slots in the settings; replicas from how many workers run.'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'worker-list' },
        h('thead', {}, h('tr', {}, ['Worker', 'Host', 'Busy', 'Slots', 'Started', 'Last seen'].map((c) => h('th', {}, c)))),
        workers))),
    h('div', { class: 'panel' }, h('h2', {}, 'Queue by task type'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'depth-list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Task type'), statuses.map((s) => h('th', { class: 'num' }, statusLabel(s))))),
        depth))),
    h('div', { class: 'panel' }, h('h2', {}, 'Endpoints'),
      h('ul', {},
        h('li', {}, h('a', { href: '/metrics', id: 'metrics-link' }, '/metrics'), ' — the api’s Prometheus metrics: the queue as a whole (',
          h('code', {}, 'shelf_tasks'), ', ', h('code', {}, 'shelf_workers_seen'), ', …).'),
        h('li', {}, 'Each worker and the watcher serve their own ', h('code', {}, '/metrics'),
          ' on their metrics address (', h('code', {}, 'SHELF_METRICS_ADDR'), ', default :9100).'),
        h('li', {}, h('a', { href: '/livez' }, '/livez'), ' and ', h('a', { href: '/readyz' }, '/readyz'), ' — the api’s probes.'),
        h('li', {}, h('a', { href: '/api/openapi.json' }, '/api/openapi.json'), ' — the REST API’s reference.'))));

  async function refresh() {
    const [w, stats, history] = await Promise.all([get('/api/workers'), get('/api/stats'), get('/api/stats/history')]);
    const now = Date.now();
    replace(throughput, throughputChart(history, now));
    replace(queued, depthChart(history, now));
    const first = history.samples[0];
    sampling.textContent = `Sampled by this api replica every ${history.interval_seconds} s and kept in its memory` +
      (first ? `, since ${new Date(first.at).toLocaleTimeString()}.` : '.') + ' Prometheus keeps longer history (see /metrics).';
    const s = stats.by_status;
    const card = (id, label, value, extra) => h('div', { class: 'panel', id }, h('div', { class: 'muted' }, label),
      h('div', { class: 'stat' }, value), extra);
    replace(summary,
      card('health-replicas', 'Worker replicas', String(w.workers.length),
        w.workers.length ? null : h('p', { class: 'form-error' }, 'No worker seen in the last minute: tasks wait until one runs.')),
      card('health-slots', 'Slots busy / total', h('span', {}, h('span', { id: 'slots-busy' }, String(w.busy)), ' / ',
        h('span', { id: 'slots-total' }, String(w.slots))), percentBar(w.busy, w.slots, `${w.busy} of ${w.slots} busy`)),
      card('health-depth', 'Queue depth', h('span', { id: 'queue-depth' }, String(s.pending + s.running + s.waiting_for_children)),
        h('div', { class: 'muted small' }, `${s.pending} pending · ${s.running} running · ${s.waiting_for_children} waiting`)),
      card('health-failed', 'Failed tasks (children included)', String(s.failed), h('a', { href: '#/tasks?status=failed', class: 'small' }, 'failed top-level tasks')));

    replace(workers, w.workers.map((x) => h('tr', { dataset: { worker: x.id } },
      h('td', { 'data-label': 'Worker', class: 'mono' }, x.id),
      h('td', { 'data-label': 'Host' }, x.hostname),
      h('td', { 'data-label': 'Busy' }, percentBar(x.busy, x.slots, `${x.busy}/${x.slots}`)),
      h('td', { 'data-label': 'Slots', class: 'num worker-slots' }, String(x.slots)),
      h('td', { 'data-label': 'Started', title: fmtTime(x.started_at) }, fmtAgo(x.started_at)),
      h('td', { 'data-label': 'Last seen', title: fmtTime(x.seen_at) }, fmtAgo(x.seen_at)))));

    const names = Object.keys(stats.by_name).sort();
    replace(depth, names.length ? names.map((n) => h('tr', {},
      h('td', { 'data-label': 'Task type' }, h('a', { href: '#/tasks?name=' + encodeURIComponent(n) }, n)),
      statuses.map((st) => h('td', { 'data-label': statusLabel(st), class: 'num' }, String(stats.by_name[n][st] || 0)))))
      : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'The queue is empty.')));
    updated.textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  const poller = poll(refresh, refreshMs);
  return () => poller.stop();
}
