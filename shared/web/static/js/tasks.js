// The tasks page: counts by status, a live list of top-level tasks filtered by status and name,
// cancel / retry / purge, and a form to enqueue a task.
import { ApiError, del, get, post } from './api.js';
import {
  clearFieldErrors, errorText, field, fmtAgo, fmtDuration, fmtTime, h, percentBar, poll, progressBar,
  replace, setQuery, showFieldErrors, statusBadge, statusLabel, statuses, taskDuration, toast,
} from './ui.js';

const refreshMs = 1500;
const pageSize = 50;

// Example args for the task types a person is most likely to try by hand.
const exampleArgs = {
  echo: { hello: 'shelf' },
  sleep: { seconds: 5 },
  fail: { message: 'failed on purpose', permanent: true },
  fanout: { children: 50, child: { name: 'sleep', args: { seconds: 0.1 } } },
};

export function mount(root, { query }) {
  const state = { status: query.get('status') || '', name: query.get('name') || '', limit: pageSize, lastJSON: '' };

  const counts = h('div', { class: 'counts', id: 'task-counts' });
  const statusSelect = h('select', { id: 'filter-status', 'aria-label': 'status' },
    h('option', { value: '' }, 'any status'),
    statuses.map((s) => h('option', { value: s }, statusLabel(s))));
  statusSelect.value = state.status;
  const nameSelect = h('select', { id: 'filter-name', 'aria-label': 'task name' }, h('option', { value: '' }, 'any name'));
  const updated = h('span', { class: 'muted small', id: 'tasks-updated' });
  const body = h('tbody', { id: 'task-rows' });
  const more = h('button', { type: 'button', class: 'hidden', id: 'tasks-more' }, 'Show more');
  const empty = h('p', { class: 'muted hidden', id: 'tasks-empty' }, 'No tasks match.');

  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'task-list' },
    h('thead', {}, h('tr', {}, ['ID', 'Name', 'Status', 'Progress', 'Attempts', 'Created', 'Ran for', ''].map((c) => h('th', {}, c)))),
    body));

  replace(root,
    h('div', { class: 'row spread' }, h('h1', {}, 'Tasks'), updated),
    counts,
    h('p', { class: 'muted small' }, 'Counts include child tasks; the list shows top-level tasks (a parent’s children are on its page).'),
    h('div', { class: 'panel' },
      h('div', { class: 'row' },
        h('label', { class: 'field inline' }, 'Status', statusSelect),
        h('label', { class: 'field inline' }, 'Name', nameSelect),
        h('span', { style: 'flex:1' }),
        h('button', { type: 'button', class: 'danger', id: 'purge-finished', onclick: purge }, 'Purge finished')),
      table, empty, more),
    enqueueForm());

  statusSelect.addEventListener('change', () => { state.status = statusSelect.value; filtersChanged(); });
  nameSelect.addEventListener('change', () => { state.name = nameSelect.value; filtersChanged(); });
  more.addEventListener('click', () => { state.limit = Math.min(1000, state.limit + pageSize); poller.now(); });

  function filtersChanged() {
    state.limit = pageSize;
    state.lastJSON = '';
    setQuery({ status: state.status, name: state.name });
    poller.now();
  }

  // The task types fill both the name filter and the enqueue form.
  get('/api/task-types').then((r) => {
    for (const n of r.task_types) {
      nameSelect.append(h('option', { value: n }, n));
    }
    nameSelect.value = state.name;
    root.dispatchEvent(new CustomEvent('task-types', { detail: r.task_types }));
  }).catch((err) => toast('Task types: ' + errorText(err), 'error'));

  async function refresh() {
    const q = new URLSearchParams({ limit: state.limit });
    if (state.status) q.set('status', state.status);
    if (state.name) q.set('name', state.name);
    const [list, stats] = await Promise.all([get('/api/tasks?' + q), get('/api/stats')]);
    renderCounts(counts, stats, state, (s) => { state.status = s; statusSelect.value = s; filtersChanged(); });
    const json = JSON.stringify(list);
    if (json !== state.lastJSON) {
      state.lastJSON = json;
      replace(body, list.tasks.map((t) => taskRow(t, poller)));
      empty.classList.toggle('hidden', list.tasks.length > 0);
      more.classList.toggle('hidden', !list.next_cursor || state.limit >= 1000);
    } else {
      tickDurations(body);
    }
    updated.textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  async function purge() {
    if (!confirm('Delete every completed, failed and cancelled top-level task, with its children?')) return;
    try {
      let n = 0;
      for (const s of ['completed', 'failed', 'cancelled']) n += (await del('/api/tasks?status=' + s)).deleted;
      toast(`Purged ${n} finished task${n === 1 ? '' : 's'}.`, 'ok');
      poller.now();
    } catch (err) {
      toast('Purge: ' + errorText(err), 'error');
    }
  }

  root.addEventListener('task-enqueued', () => poller.now());
  const poller = poll(refresh, refreshMs);
  return () => poller.stop();
}

function renderCounts(el, stats, state, choose) {
  const button = (status, label, n) => h('button', {
    type: 'button', class: 'count' + (state.status === status ? ' selected' : ''), dataset: { status },
    onclick: () => choose(status),
  }, h('b', {}, String(n)), label);
  replace(el, button('', 'all', stats.total), statuses.map((s) => button(s, statusLabel(s), stats.by_status[s] || 0)));
}

const active = new Set(['pending', 'running', 'waiting_for_children']);

// taskRow is one task of the list; the progress cell shows its children, or its own progress.
export function taskRow(t, poller) {
  return h('tr', { dataset: { taskId: t.id, status: t.status } },
    h('td', { 'data-label': 'ID', class: 'num' }, h('a', { href: '#/tasks/' + t.id }, '#' + t.id)),
    h('td', { 'data-label': 'Name' }, h('a', { href: '#/tasks/' + t.id }, t.name)),
    h('td', { 'data-label': 'Status' }, statusBadge(t.status)),
    h('td', { 'data-label': 'Progress', class: 'progress-cell' }, taskProgress(t)),
    h('td', { 'data-label': 'Attempts', class: 'num' }, `${t.attempts}/${t.max_attempts}`),
    h('td', { 'data-label': 'Created', title: fmtTime(t.created_at) }, fmtAgo(t.created_at)),
    h('td', { 'data-label': 'Ran for', class: 'num', dataset: t.started_at && !t.finished_at ? { runningSince: t.started_at } : {} },
      fmtDuration(taskDuration(t))),
    h('td', { 'data-label': '' }, taskActions(t, () => poller && poller.now(), true)));
}

export function taskProgress(t) {
  if (t.children && t.children.total > 0) return progressBar(t.children);
  if (t.status === 'running' && t.progress > 0) return percentBar(t.progress, 100, Math.round(t.progress) + ' %');
  return h('span', { class: 'muted' }, '—');
}

// taskActions are the cancel and retry buttons that apply to the task's status.
export function taskActions(t, changed, small = false) {
  const cls = small ? 'small' : '';
  const act = (verb, label, klass) => h('button', {
    type: 'button', class: `${cls} ${klass}`, dataset: { action: verb },
    onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await post(`/api/tasks/${t.id}/${verb}`);
        toast(`Task #${t.id} ${verb === 'cancel' ? 'cancelled' : 'queued again'} (${statusLabel(r.task.status)}).`, 'ok');
      } catch (err) {
        toast(`${label} #${t.id}: ${errorText(err)}`, 'error');
      } finally {
        ev.target.disabled = false;
        changed();
      }
    },
  }, label);
  return h('div', { class: 'actions' },
    active.has(t.status) ? act('cancel', 'Cancel', 'danger') : null,
    t.status === 'failed' || t.status === 'cancelled' ? act('retry', 'Retry', '') : null);
}

function tickDurations(body) {
  for (const td of body.querySelectorAll('td[data-running-since]')) {
    td.textContent = fmtDuration(Date.now() - new Date(td.dataset.runningSince));
  }
}

// enqueueForm posts to /api/tasks; the API's field errors show next to the fields.
function enqueueForm() {
  const name = h('select', { id: 'enqueue-name', name: 'name', required: true }, h('option', { value: '' }, 'choose a task type…'));
  const args = h('textarea', { id: 'enqueue-args', name: 'args', spellcheck: 'false', rows: 5 }, '{}');
  const priority = h('input', { id: 'enqueue-priority', name: 'priority', type: 'number', placeholder: '0', step: 1 });
  const delay = h('input', { id: 'enqueue-delay', name: 'delay', type: 'text', placeholder: 'e.g. 30s, 5m' });
  const result = h('p', { id: 'enqueue-result', class: 'muted' });
  let lastExample = '{}';

  name.addEventListener('change', () => {
    // Fill in example args unless the user wrote their own.
    if (args.value.trim() === lastExample.trim() || args.value.trim() === '') {
      lastExample = JSON.stringify(exampleArgs[name.value] || {}, null, 2);
      args.value = lastExample;
    }
  });

  const form = h('form', { id: 'enqueue-form', novalidate: true },
    h('div', { class: 'grid' },
      field('name', 'Task type', name),
      field('priority', 'Priority', priority, 'Lower runs first; empty is 0.'),
      field('delay', 'Delay', delay, 'Run after this long (Go duration).')),
    field('args', 'Args (JSON)', args),
    h('p', { class: 'form-error' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'enqueue-submit' }, 'Enqueue')),
    result);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const body = { name: name.value };
    try {
      body.args = args.value.trim() ? JSON.parse(args.value) : {};
    } catch (err) {
      showFieldErrors(form, [{ field: 'args', message: 'not valid JSON: ' + err.message }]);
      return;
    }
    if (priority.value !== '') body.priority = Number(priority.value);
    if (delay.value.trim()) body.delay = delay.value.trim();
    try {
      const r = await post('/api/tasks', body);
      const id = r.task.id;
      replace(result, r.deduplicated ? 'Already pending as ' : 'Enqueued ',
        h('a', { href: '#/tasks/' + id, id: 'enqueued-link', dataset: { taskId: id } }, `task #${id}`), ` (${r.task.name}).`);
      form.dispatchEvent(new CustomEvent('task-enqueued', { bubbles: true, detail: r.task }));
    } catch (err) {
      if (err instanceof ApiError && err.details.length) showFieldErrors(form, err.details);
      else showFieldErrors(form, [], errorText(err));
    }
  });

  const panel = h('details', { class: 'panel', id: 'enqueue' }, h('summary', {}, 'Enqueue a task'), h('div', { style: 'margin-top:.8rem' }, form));
  // The page fills the task types in once it has them.
  queueMicrotask(() => {
    const page = panel.closest('.page');
    if (page) page.addEventListener('task-types', (ev) => {
      for (const n of ev.detail) name.append(h('option', { value: n }, n));
    });
  });
  return panel;
}
