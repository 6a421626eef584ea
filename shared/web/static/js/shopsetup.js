// The shop setup page (#/shop-setup): what to type into each console client to reach this
// shelf's shop, with this server's address. The shop answers at the server's root for a
// console (docs/SHOP.md), so every client is given the root, or a filter folder.
import { accountsInUse, currentMe, get } from './api.js';
import { h, replace } from './ui.js';

const filters = ['/base', '/update', '/dlc', '/multi'];

// address is where a console reaches this server: shop.host when set, else what this browser
// used (which is wrong for a console when it is localhost).
export function shopAddress(shopSettings, loc = window.location) {
  const https = loc.protocol === 'https:';
  let host = loc.hostname;
  let port = loc.port || (https ? '443' : '80');
  if (shopSettings && shopSettings.host) {
    const m = shopSettings.host.match(/^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/);
    if (m) {
      host = m[1];
      if (m[2]) port = m[2];
    }
  }
  return { protocol: https ? 'https' : 'http', host, port };
}

export function mount(root) {
  replace(root, h('h1', {}, 'Shop setup'), h('p', { class: 'muted' }, 'Loading…'));
  const me = currentMe();
  const admin = !accountsInUse() || (me && me.roles.includes('admin'));
  // Only an admin may read the settings; the others see what this browser knows.
  const load = admin ? get('/api/settings').then((s) => s.shop).catch(() => null) : Promise.resolve(null);
  let stopped = false;
  load.then((shop) => { if (!stopped) build(shop); });
  return () => { stopped = true; };

  function build(shop) {
    const a = shopAddress(shop);
    const base = `${a.protocol}://${a.host}${(a.protocol === 'https' && a.port === '443') || (a.protocol === 'http' && a.port === '80') ? '' : ':' + a.port}/`;
    const needsUser = accountsInUse() && !(shop && shop.public);
    const userName = me && me.user ? me.user.username : 'a user with the shop role';
    const enabled = (name) => !shop || shop.clients[name].enabled;
    const row = (label, value, id) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'mono', id }, value));
    const credentials = (prefix, userLabel = 'Username', passLabel = 'Password') => needsUser
      ? [row(userLabel, userName, prefix + '-user'), row(passLabel, 'that user\'s password', prefix + '-password')]
      : [row(userLabel, '(none: the shop is open)', prefix + '-user')];
    const table = (id, ...rows) => h('table', { class: 'setup-table', id }, h('tbody', {}, rows));
    const off = (name) => enabled(name) ? null
      : h('p', { class: 'warn-text', id: `setup-${name}-off` }, `Switched off in the settings: this client gets a refusal until an admin switches it on.`);

    const local = ['localhost', '127.0.0.1', '::1', '[::1]'].includes(a.host);
    replace(root,
      h('h1', {}, 'Shop setup'),
      h('p', {}, 'Consoles install from shelf at the server\'s own address, ', h('code', { id: 'setup-base-url' }, base),
        '. Give the root for the whole shop, or one of ', filters.map((f, i) => [i ? ', ' : '', h('code', {}, f)]),
        ' for base games, updates, DLC or files holding several apps.'),
      local ? h('p', { class: 'panel warn', id: 'setup-localhost' }, 'This browser reached shelf as ', h('code', {}, a.host),
        ', which a console cannot use: type the server\'s address on your network instead (or set the shop host in ',
        h('a', { href: '#/settings' }, 'Settings'), ').') : null,
      a.protocol === 'http' && needsUser ? h('p', { class: 'muted small', id: 'setup-plain-http' },
        'Over plain http the password crosses the network readable by anyone on it; a reverse proxy with TLS (the README shows Caddy) lets consoles use https.') : null,
      h('section', { class: 'panel', id: 'setup-tinfoil' }, h('h2', {}, 'Tinfoil'), off('tinfoil'),
        h('p', {}, 'File Browser → press ', h('kbd', {}, '-'), ' (New) and enter:'),
        table('setup-tinfoil-table', row('Protocol', a.protocol, 'tinfoil-protocol'), row('Host', a.host, 'tinfoil-host'),
          row('Port', a.port, 'tinfoil-port'), row('Path', '/', 'tinfoil-path'), ...credentials('tinfoil'),
          row('Title', 'shelf', 'tinfoil-title'), row('Enabled', 'yes', 'tinfoil-enabled')),
        h('p', { class: 'muted small' }, shop && shop.clients.tinfoil.public_key
          ? 'The index is encrypted with the public key in the settings; Tinfoil reads it with its own key.'
          : 'Save, and Tinfoil loads the shop with the message of the day.')),
      h('section', { class: 'panel', id: 'setup-cyberfoil' }, h('h2', {}, 'CyberFoil'), off('cyberfoil'),
        h('p', {}, 'Settings → Shop → Add new shop:'),
        table('setup-cyberfoil-table', row('Shop title', 'shelf', 'cyberfoil-title'), row('Shop protocol', a.protocol.toUpperCase(), 'cyberfoil-protocol'),
          row('Host', a.host, 'cyberfoil-host'), row('Port', a.port, 'cyberfoil-port'), ...credentials('cyberfoil')),
        h('p', { class: 'muted small' }, 'Make it the active shop, then open Install from eShop. CyberFoil adds each file\'s path to the address, so give the root, never /api/shop.')),
      h('section', { class: 'panel', id: 'setup-dbi' }, h('h2', {}, 'DBI'), off('dbi'),
        h('p', {}, 'In ', h('code', {}, '/switch/DBI/dbi.config'), ', under ', h('code', {}, '[Network sources]'), ', add the line:'),
        h('pre', { class: 'mono', id: 'dbi-line' }, `shelf=ApacheHTTP|${needsUser ? base.replace('://', `://${me && me.user ? me.user.username : 'USER'}:PASSWORD@`) : base}`),
        h('p', { class: 'muted small' }, 'DBI then lists the folders base, update, dlc and multi and every file; open one to install it.')),
      h('section', { class: 'panel', id: 'setup-sphaira' }, h('h2', {}, 'Sphaira'), off('sphaira'),
        h('p', {}, 'Menu → Advanced Options → Add / modify mounts → Create New Entry:'),
        table('setup-sphaira-table', row('Type', 'HTTP', 'sphaira-type'), row('Name', 'shelf', 'sphaira-name'),
          row('URL', `${a.protocol}://${a.host}/`, 'sphaira-url'), row('Port', a.port, 'sphaira-port'), ...credentials('sphaira', 'User', 'Pass')),
        h('p', { class: 'muted small' }, 'Save and restart Sphaira, then FileBrowser → Options → Mount → [HTTP] shelf. Options → Install installs a file.')));
  }
}
