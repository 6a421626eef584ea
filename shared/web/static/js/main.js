// The router: #/tasks, #/tasks/42, #/library, #/settings, #/keys, #/health, #/users, #/account,
// #/login, #/setup, #/shop-setup (with ?query for filters). Each page module exports mount(container, route)
// and returns a function that stops it (its polling), called before the next page mounts. The
// header shows who is signed in (GET /api/me) and, while the api is open, a banner that says so.
import { accountsInUse, askToken, currentMe, loadMe, logout, token } from './api.js';
import { h, parseHash, replace } from './ui.js';
import * as tasks from './tasks.js';
import * as task from './task.js';
import * as library from './library.js';
import * as settings from './settings.js';
import * as health from './health.js';
import * as keys from './keys.js';
import * as login from './login.js';
import * as setup from './setup.js';
import * as users from './users.js';
import * as account from './account.js';
import * as shopSetup from './shopsetup.js';

const pages = [
  { pattern: /^tasks\/(\d+)$/, nav: 'tasks', page: task },
  { pattern: /^tasks$/, nav: 'tasks', page: tasks },
  { pattern: /^library$/, nav: 'library', page: library },
  { pattern: /^settings$/, nav: 'settings', page: settings },
  { pattern: /^health$/, nav: 'health', page: health },
  { pattern: /^keys$/, nav: 'keys', page: keys },
  { pattern: /^users$/, nav: 'users', page: users },
  { pattern: /^account$/, nav: 'account', page: account },
  { pattern: /^login$/, nav: 'login', page: login },
  { pattern: /^setup$/, nav: 'setup', page: setup },
  { pattern: /^shop-setup$/, nav: 'shop-setup', page: shopSetup },
];

const view = document.getElementById('view');
let unmount = null;

function route() {
  const { path, query } = parseHash();
  const me = currentMe();
  if (path === '') {
    // A user without the admin role starts where they may look: the library.
    const admin = !me || !accountsInUse() || me.roles.includes('admin');
    location.replace(admin ? '#/tasks' : '#/library');
    return;
  }
  if (accountsInUse() && !me.user && !me.via && path !== 'login') {
    location.replace('#/login?next=' + encodeURIComponent(location.hash));
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
  // The token is for an api without users; with accounts the browser signs in.
  b.classList.toggle('hidden', accountsInUse());
}

// showMe fills the user menu, the admin-only links and the open banner.
function showMe() {
  const me = currentMe();
  const menu = document.getElementById('user-menu');
  const name = document.getElementById('user-name');
  const signedIn = !!(me && me.user);
  menu.classList.toggle('hidden', !accountsInUse());
  name.textContent = signedIn ? me.user.username : '';
  document.getElementById('logout-button').classList.toggle('hidden', !signedIn);
  document.getElementById('login-link').classList.toggle('hidden', signedIn || !accountsInUse());
  const admin = !accountsInUse() || (me && me.roles.includes('admin'));
  for (const a of document.querySelectorAll('#nav a[data-admin]')) a.classList.toggle('hidden', !admin);
  document.querySelector('#nav a[data-route="users"]').classList.toggle('hidden', !accountsInUse() || !admin);
  document.getElementById('open-banner').classList.toggle('hidden', !(me && me.setup_needed));
  document.getElementById('open-banner-open').classList.toggle('hidden', !(me && me.open));
  showTokenState();
}

document.getElementById('token-button').addEventListener('click', () => askToken());
document.getElementById('logout-button').addEventListener('click', async () => {
  await logout();
  location.hash = '#/login';
});
window.addEventListener('shelf-token', showTokenState);
window.addEventListener('shelf-me', showMe);
window.addEventListener('hashchange', route);
loadMe()
  .catch((err) => console.error(err))
  .finally(() => {
    showMe();
    route();
  });
