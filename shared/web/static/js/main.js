// The router: #/tasks, #/tasks/42, #/library, #/settings, #/keys, #/health (with ?query for filters).
// Each page module exports mount(container, route) and returns a function that stops it (its
// polling), called before the next page mounts.
import { askToken, token } from './api.js';
import { h, parseHash, replace } from './ui.js';
import * as tasks from './tasks.js';
import * as task from './task.js';
import * as library from './library.js';
import * as settings from './settings.js';
import * as health from './health.js';
import * as keys from './keys.js';

const pages = [
  { pattern: /^tasks\/(\d+)$/, nav: 'tasks', page: task },
  { pattern: /^tasks$/, nav: 'tasks', page: tasks },
  { pattern: /^library$/, nav: 'library', page: library },
  { pattern: /^settings$/, nav: 'settings', page: settings },
  { pattern: /^health$/, nav: 'health', page: health },
  { pattern: /^keys$/, nav: 'keys', page: keys },
];

const view = document.getElementById('view');
let unmount = null;

function route() {
  const { path, query } = parseHash();
  if (path === '') {
    location.replace('#/tasks');
    return;
  }
  if (unmount) unmount();
  unmount = null;
  window.scrollTo(0, 0);
  for (const p of pages) {
    const m = path.match(p.pattern);
    if (!m) continue;
    setActive(p.nav);
    document.title = `shelf · ${p.nav}`;
    const container = h('div', { class: 'page', id: 'page-' + p.nav, dataset: { page: p.nav } });
    replace(view, container);
    unmount = p.page.mount(container, { params: m.slice(1), query }) || null;
    return;
  }
  setActive('');
  replace(view, h('div', { class: 'panel' }, h('h1', {}, 'Not found'),
    h('p', {}, 'No page at ', h('code', {}, location.hash), '. ', h('a', { href: '#/tasks' }, 'Go to the tasks.'))));
}

function setActive(name) {
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.route === name);
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function showTokenState() {
  const b = document.getElementById('token-button');
  b.textContent = token() ? 'Token ✓' : 'Token';
}

document.getElementById('token-button').addEventListener('click', () => askToken());
window.addEventListener('shelf-token', showTokenState);
window.addEventListener('hashchange', route);
showTokenState();
route();
