// The users page (#/users, admins): every user with their roles (a change is saved at once,
// PATCH /api/users/{name}), a password reset, delete, and a form to add a user. The api keeps
// the last admin: demoting or deleting it is refused with its reason.
import { ApiError, currentMe, del, get, patch, post } from './api.js';
import { clearFieldErrors, errorText, field, h, replace, showFieldErrors, toast } from './ui.js';

const roles = [
  ['admin', 'Admin', 'everything: tasks, settings, keys, users'],
  ['shop', 'Shop', 'browse and download the shop (consoles), see the library'],
  ['backup', 'Backup', 'reserved for save backups'],
];

export function mount(root) {
  const list = h('div', { id: 'users-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const error = h('p', { class: 'form-error', id: 'users-error', role: 'alert' });
  let stopped = false;
  replace(root, h('h1', {}, 'Users'),
    h('p', { class: 'muted' }, 'Consoles sign in with a user that has the shop role (HTTP Basic in Tinfoil, ',
      'CyberFoil, DBI); scripts with an API token (', h('a', { href: '#/account' }, 'Account'), ').'),
    h('div', { class: 'panel' }, error, list),
    h('div', { class: 'panel' }, h('h2', {}, 'Add a user'), addForm()));
  refresh();

  async function refresh() {
    try {
      const { users } = await get('/api/users');
      if (!stopped) show(users);
    } catch (err) {
      if (!stopped) replace(list, h('p', { class: 'form-error' }, errorText(err)));
    }
  }

  function show(users) {
    const self = currentMe()?.user?.username;
    replace(list, h('div', { class: 'table-wrap' }, h('table', { id: 'users-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'User'), roles.map(([, label]) => h('th', {}, label)), h('th', {}, ''))),
      h('tbody', {}, users.map((u) => h('tr', { dataset: { user: u.username } },
        h('td', {}, u.username, u.username === self ? h('span', { class: 'muted small' }, ' (you)') : null),
        roles.map(([role, label]) => h('td', {}, h('input', {
          type: 'checkbox', checked: u.roles.includes(role), 'aria-label': `${label} role of ${u.username}`,
          dataset: { role }, onchange: () => saveRoles(u.username) }))),
        h('td', { class: 'row' },
          h('button', { type: 'button', class: 'small', dataset: { action: 'password' }, onclick: () => resetPassword(u.username) }, 'Reset password'),
          h('button', { type: 'button', class: 'small danger', dataset: { action: 'delete' }, onclick: () => remove(u.username) }, 'Delete'))))))));
  }

  async function saveRoles(name) {
    const row = list.querySelector(`tr[data-user="${CSS.escape(name)}"]`);
    const chosen = [...row.querySelectorAll('input[data-role]')].filter((c) => c.checked).map((c) => c.dataset.role);
    error.textContent = '';
    try {
      await patch('/api/users/' + encodeURIComponent(name), { roles: chosen });
      toast(`Roles of ${name} saved.`, 'ok');
    } catch (err) {
      error.textContent = errorText(err);
    }
    refresh();
  }

  async function resetPassword(name) {
    const password = prompt(`New password for ${name} (at least 8 characters):`);
    if (!password) return;
    error.textContent = '';
    try {
      await patch('/api/users/' + encodeURIComponent(name), { password });
      toast(`Password of ${name} changed; their other sessions ended.`, 'ok');
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  async function remove(name) {
    if (!confirm(`Delete the user ${name} with their sessions and tokens?`)) return;
    error.textContent = '';
    try {
      await del('/api/users/' + encodeURIComponent(name));
      toast(`${name} deleted.`, 'ok');
    } catch (err) {
      error.textContent = errorText(err);
    }
    refresh();
  }

  function addForm() {
    const user = h('input', { id: 'user-add-name', autocomplete: 'off', required: true });
    const pass = h('input', { id: 'user-add-password', type: 'password', autocomplete: 'new-password', required: true });
    const checks = roles.map(([role, label, hint]) => h('label', { class: 'field inline' },
      h('input', { type: 'checkbox', id: 'user-add-role-' + role, dataset: { role }, checked: role === 'shop' }), label,
      h('span', { class: 'hint' }, hint)));
    const formError = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: 'user-add', onsubmit: async (ev) => {
      ev.preventDefault();
      clearFieldErrors(form);
      formError.textContent = '';
      const chosen = checks.map((l) => l.querySelector('input')).filter((c) => c.checked).map((c) => c.dataset.role);
      try {
        await post('/api/users', { username: user.value, password: pass.value, roles: chosen });
        toast(`${user.value} added.`, 'ok');
        user.value = '';
        pass.value = '';
        refresh();
      } catch (err) {
        if (err instanceof ApiError && err.details.length) showFieldErrors(form, err.details);
        else formError.textContent = errorText(err);
      }
    } },
    h('div', { class: 'grid' }, field('username', 'User name', user), field('password', 'Password', pass, 'At least 8 characters.')),
    h('div', { class: 'field', dataset: { field: 'roles' } }, h('span', { class: 'label' }, 'Roles'), checks, h('p', { class: 'field-error' })),
    formError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'user-add-submit' }, 'Add user')));
    return form;
  }

  return () => { stopped = true; };
}
