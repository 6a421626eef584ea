// Small DOM helpers shared by the pages. Text always goes in as text nodes, never as HTML, so
// names from file systems and the title database cannot inject markup.

// h builds an element: h('a', {href: '#/x', class: 'y', onclick: fn}, 'text', child, ...).
// Props: class, text, dataset (object), on<event> (function), anything else is an attribute
// (true sets it empty, false/null/undefined leaves it out). Children may be nested arrays; null,
// undefined and false are skipped.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = !!value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// replace empties el and appends children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// poll runs fn now and then every ms after the previous run ended, skipping runs while the tab
// is hidden. stop() ends it; now() runs it at once (e.g. after a button changed something).
export function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  let running = false;
  const run = async () => {
    clearTimeout(timer);
    if (stopped) return;
    if (!document.hidden && !running) {
      running = true;
      try {
        await fn();
      } catch (err) {
        console.error(err);
      } finally {
        running = false;
      }
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    now: run,
  };
}

export function toast(message, kind = '') {
  const el = h('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status' }, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

export function errorText(err) {
  if (err && err.details && err.details.length) {
    return err.message;
  }
  return (err && err.message) || String(err);
}

// --- formatting -----------------------------------------------------------------------------

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d) || d.getFullYear() < 2000) return '—';
  return d.toLocaleString();
}

export function fmtAgo(iso) {
  if (!iso) return '—';
  const ms = Date.now() - new Date(iso).getTime();
  if (isNaN(ms)) return '—';
  if (ms < 0) return 'in ' + fmtDuration(-ms);
  return fmtDuration(ms) + ' ago';
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || isNaN(ms)) return '—';
  const s = ms / 1000;
  if (s < 1) return Math.round(ms) + ' ms';
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr} h ${m % 60} min`;
  return `${Math.floor(hr / 24)} d ${hr % 24} h`;
}

// taskDuration is how long a task ran: from start to finish, or to now while it runs.
export function taskDuration(t) {
  if (!t.started_at) return null;
  const end = t.finished_at ? new Date(t.finished_at) : new Date();
  return end - new Date(t.started_at);
}

export function fmtBytes(n) {
  if (!n && n !== 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

export const statuses = ['pending', 'running', 'waiting_for_children', 'completed', 'failed', 'cancelled'];
export const statusLabel = (s) => s.replaceAll('_', ' ');

export function statusBadge(status) {
  return h('span', { class: 'badge ' + status, dataset: { status } }, statusLabel(status));
}

// progressBar shows done/total children: completed in green, failed (cancelled included) in red.
// aria-valuenow is the share of children that have finished, either way.
export function progressBar(children) {
  const total = children.total || 0;
  const failed = children.failed || 0;
  const done = (children.completed || 0) + failed;
  const pct = total ? Math.floor((done * 100) / total) : 0;
  const label = `${done}/${total}` + (failed ? ` · ${failed} failed` : '') + ` · ${pct} %`;
  return h('div', {
    class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct,
    'aria-label': 'children done', title: `${done} of ${total} children done, ${failed} failed`,
    dataset: { done, total, failed },
  },
  h('div', { class: 'bar ok', style: `width:${total ? ((done - failed) * 100) / total : 0}%` }),
  h('div', { class: 'bar failed', style: `width:${total ? (failed * 100) / total : 0}%` }),
  h('span', { class: 'label' }, label));
}

// percentBar shows a plain share, e.g. a task's own progress or busy slots.
export function percentBar(value, max, label, kind = 'busy') {
  const pct = max ? Math.min(100, Math.round((value * 100) / max)) : 0;
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct },
    h('div', { class: 'bar ' + kind, style: `width:${pct}%` }),
    h('span', { class: 'label' }, label ?? pct + ' %'));
}

// json pretty-prints a JSON value (or raw JSON text) for a <pre>.
export function prettyJSON(value) {
  if (value === null || value === undefined || value === '') return '—';
  try {
    return JSON.stringify(typeof value === 'string' ? JSON.parse(value) : value, null, 2);
  } catch {
    return String(value);
  }
}

// --- forms and the API's field errors ---------------------------------------------------------

// field wraps a control with a label, a hint and a place for its error. name is the API's field
// path ("worker.slots"), which is how showFieldErrors finds it.
export function field(name, label, control, hint = '', extra = null) {
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: control.id || null }, h('span', { class: 'label' }, label)),
    control,
    hint ? h('span', { class: 'hint' }, hint) : null,
    extra,
    h('p', { class: 'field-error', id: control.id ? control.id + '-error' : null }));
}

export function clearFieldErrors(root) {
  for (const el of root.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
  for (const el of root.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of root.querySelectorAll('.form-error')) el.textContent = '';
}

// showFieldErrors puts each {field, message} of an error answer next to its field: the field with
// that exact path, else the nearest enclosing one ("library.paths[2]" → "library.paths"). What
// matches no field goes to the form's .form-error. Returns how many matched a field.
export function showFieldErrors(root, details, fallbackMessage = '') {
  const general = [];
  let matched = 0;
  for (const d of details || []) {
    const el = findField(root, d.field || '');
    if (!el) {
      general.push(d.field ? `${d.field}: ${d.message}` : d.message);
      continue;
    }
    matched++;
    el.classList.add('invalid');
    const msg = el.querySelector(':scope > .field-error');
    msg.textContent = msg.textContent ? msg.textContent + '; ' + d.message : d.message;
  }
  if (!details || !details.length) general.push(fallbackMessage);
  const box = root.querySelector('.form-error');
  if (box) box.textContent = general.filter(Boolean).join('\n');
  return matched;
}

function findField(root, path) {
  for (let p = path; p; p = parentPath(p)) {
    const el = root.querySelector(`.field[data-field="${CSS.escape(p)}"]`);
    if (el) return el;
  }
  return null;
}

function parentPath(p) {
  if (p.endsWith(']')) return p.slice(0, p.lastIndexOf('['));
  const dot = p.lastIndexOf('.');
  return dot < 0 ? '' : p.slice(0, dot);
}

// --- the hash route ---------------------------------------------------------------------------

// parseHash splits "#/tasks?status=failed" into a path and its query.
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path.replace(/\/+$/, ''), query: new URLSearchParams(query) };
}

// setQuery rewrites the current route's query (filters) without a new history entry or a
// re-render, so a filtered view can be bookmarked and reloaded.
export function setQuery(values) {
  const { path } = parseHash();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  const qs = q.toString();
  history.replaceState(null, '', '#/' + path + (qs ? '?' + qs : ''));
}
