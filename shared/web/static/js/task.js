// One task: its args, result, error, attempts, timings, worker and children, with cancel and
// retry. It refreshes while the page is open.
import { ApiError, get } from './api.js';
import {
  errorText, fmtAgo, fmtDuration, fmtTime, h, poll, prettyJSON, replace, statusBadge, statusLabel,
  statuses, taskDuration,
} from './ui.js';
import { taskActions, taskProgress, taskRow } from './tasks.js';

const refreshMs = 1500;
const childPage = 50;

export function mount(root, { params }) {
  const id = params[0];
  const state = { lastJSON: '', childStatus: '', childLimit: childPage };
  const head = h('div', { id: 'task-head' });
  const facts = h('div', { class: 'panel', id: 'task-facts' });
  const payload = h('div', { id: 'task-payload' });
  const children = h('div', { class: 'panel hidden', id: 'task-children' });

  replace(root, h('p', {}, h('a', { href: '#/tasks' }, '← all tasks')), head, facts, payload, children);

  async function refresh() {
    let detail;
    try {
      detail = await get('/api/tasks/' + id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        replace(head, h('h1', {}, `Task #${id}`), h('p', { class: 'form-error' }, 'No such task: it may have been purged.'));
        replace(facts);
        replace(payload);
        children.classList.add('hidden');
        return;
      }
      throw err;
    }
    const t = detail.task;
    let kids = null;
    if (t.children.total > 0) {
      const q = new URLSearchParams({ parent_id: id, limit: state.childLimit });
      if (state.childStatus) q.set('status', state.childStatus);
      kids = await get('/api/tasks?' + q);
    }
    const json = JSON.stringify([detail, kids]);
    if (json === state.lastJSON) {
      tick(facts, t);
      return;
    }
    state.lastJSON = json;
    render(t, detail.children_summary, kids);
  }

  function render(t, summary, kids) {
    replace(head,
      h('div', { class: 'row spread' },
        h('h1', {}, `#${t.id} `, h('span', { class: 'mono' }, t.name), ' ', statusBadge(t.status)),
        taskActions(t, () => poller.now())),
      h('div', { class: 'panel', id: 'task-progress' }, taskProgress(t)));

    const row = (label, value, extra = {}) => [h('dt', {}, label), h('dd', extra, value)];
    replace(facts, h('dl', { class: 'facts' },
      row('Status', statusLabel(t.status)),
      row('Attempts', `${t.attempts} of ${t.max_attempts}`),
      row('Priority', String(t.priority)),
      row('Worker', t.worker || '—', { class: 'mono' }),
      row('Parent', t.parent_id ? h('a', { href: '#/tasks/' + t.parent_id }, '#' + t.parent_id) : '—'),
      t.continuation ? row('Continuation', t.continuation, { class: 'mono' }) : null,
      row('Created', `${fmtTime(t.created_at)} (${fmtAgo(t.created_at)})`),
      row('Run after', fmtTime(t.run_after)),
      row('Started', fmtTime(t.started_at)),
      row('Finished', fmtTime(t.finished_at)),
      row('Ran for', fmtDuration(taskDuration(t)), { id: 'task-ran-for', dataset: t.started_at && !t.finished_at ? { runningSince: t.started_at } : {} }),
      t.lease_expires_at ? row('Lease expires', fmtAgo(t.lease_expires_at)) : null,
      t.dedup_key ? row('Dedup key', t.dedup_key, { class: 'mono' }) : null));

    replace(payload,
      h('div', { class: 'panel' }, h('h2', {}, 'Args'), h('pre', { id: 'task-args' }, prettyJSON(t.args))),
      t.error ? h('div', { class: 'panel' }, h('h2', {}, 'Error'), h('pre', { id: 'task-error', class: 'form-error' }, t.error)) : null,
      h('div', { class: 'panel' }, h('h2', {}, 'Result'), h('pre', { id: 'task-result' }, prettyJSON(t.result))));

    children.classList.toggle('hidden', !kids);
    if (kids) renderChildren(summary, kids);
  }

  function renderChildren(summary, kids) {
    const filter = h('select', { id: 'children-status', 'aria-label': 'children status' },
      h('option', { value: '' }, 'any status'), statuses.map((s) => h('option', { value: s }, `${statusLabel(s)} (${summary[s] || 0})`)));
    filter.value = state.childStatus;
    filter.addEventListener('change', () => { state.childStatus = filter.value; state.childLimit = childPage; poller.now(); });
    replace(children,
      h('div', { class: 'row spread' }, h('h2', {}, 'Children'), filter),
      h('p', { class: 'muted small' }, statuses.filter((s) => summary[s]).map((s) => `${statusLabel(s)}: ${summary[s]}`).join(' · ')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'child-list' },
        h('thead', {}, h('tr', {}, ['ID', 'Name', 'Status', 'Progress', 'Attempts', 'Created', 'Ran for', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, kids.tasks.map((c) => taskRow(c, poller))))),
      kids.next_cursor && state.childLimit < 1000
        ? h('button', { type: 'button', onclick: () => { state.childLimit += childPage; poller.now(); } }, 'Show more')
        : null);
  }

  const poller = poll(() => refresh().catch((err) => {
    replace(head, h('h1', {}, `Task #${id}`), h('p', { class: 'form-error' }, errorText(err)));
  }), refreshMs);
  return () => poller.stop();
}

function tick(root) {
  for (const el of root.querySelectorAll('[data-running-since]')) {
    el.textContent = fmtDuration(Date.now() - new Date(el.dataset.runningSince));
  }
}
