// The account page (#/account): who is signed in, and their API tokens for scripts and
// consoles (Authorization: Bearer). A new token's secret is shown once, here, and never again.
import { ApiError, currentMe, del, get, patch, post } from './api.js';
import { clearFieldErrors, errorText, field, fmtTime, h, replace, showFieldErrors, toast } from './ui.js';

export function mount(root) {
  const me = currentMe();
  const list = h('div', { id: 'tokens-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const created = h('div', { id: 'token-created' });
  const error = h('p', { class: 'form-error', id: 'tokens-error', role: 'alert' });
  const name = h('input', { id: 'token-name', autocomplete: 'off', required: true, placeholder: 'e.g. backup script' });
  let stopped = false;
  replace(root, h('h1', {}, 'Account'),
    h('div', { class: 'panel' }, me?.user
      ? h('p', {}, 'Signed in as ', h('strong', { id: 'account-user' }, me.user.username), ' with the roles ',
        me.user.roles.length ? me.user.roles.join(', ') : 'none', '.')
      : h('p', { class: 'muted' }, 'Not signed in as a user: API tokens belong to users.')),
    h('div', { class: 'panel' }, h('h2', {}, 'API tokens'),
      h('p', { class: 'muted' }, 'Send one as ', h('code', {}, 'Authorization: Bearer <token>'), '. It acts as you, with your roles.'),
      error, created, list,
      h('form', { id: 'token-create', class: 'row', onsubmit: create },
        field('name', 'Name', name), h('button', { type: 'submit', class: 'primary', id: 'token-create-submit' }, 'Create token'))),
    me?.user ? h('div', { class: 'panel' }, h('h2', {}, 'Password'), passwordForm()) : null);
  if (me?.user) refresh();
  else replace(list);

  async function refresh() {
    try {
      const { tokens } = await get('/api/me/tokens');
      if (!stopped) show(tokens);
    } catch (err) {
      if (!stopped) replace(list, h('p', { class: 'form-error' }, errorText(err)));
    }
  }

  function show(tokens) {
    replace(list, tokens.length === 0 ? h('p', { class: 'muted', id: 'tokens-none' }, 'No tokens yet.')
      : h('table', { id: 'tokens-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Created'), h('th', {}, 'Last used'), h('th', {}, ''))),
        h('tbody', {}, tokens.map((t) => h('tr', { dataset: { tokenId: t.id, tokenName: t.name } },
          h('td', {}, t.name), h('td', {}, fmtTime(t.created_at)), h('td', {}, t.last_used_at ? fmtTime(t.last_used_at) : 'never'),
          h('td', {}, h('button', { type: 'button', class: 'small danger', dataset: { action: 'revoke' }, onclick: () => revoke(t) }, 'Revoke')))))));
  }

  async function create(ev) {
    ev.preventDefault();
    error.textContent = '';
    try {
      const answer = await post('/api/me/tokens', { name: name.value });
      name.value = '';
      replace(created, h('div', { class: 'secret-box' },
        h('p', {}, h('strong', {}, `Token “${answer.token.name}” created.`), ' Copy it now: it is not shown again.'),
        h('code', { id: 'token-secret' }, answer.secret)));
      refresh();
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  async function revoke(t) {
    if (!confirm(`Revoke the token “${t.name}”? Whatever uses it stops working.`)) return;
    try {
      await del('/api/me/tokens/' + t.id);
      toast(`Token ${t.name} revoked.`, 'ok');
      replace(created);
    } catch (err) {
      error.textContent = errorText(err);
    }
    refresh();
  }

  function passwordForm() {
    const current = h('input', { id: 'password-current', type: 'password', autocomplete: 'current-password', required: true });
    const next = h('input', { id: 'password-new', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
    const formError = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { id: 'password-form', onsubmit: async (ev) => {
      ev.preventDefault();
      clearFieldErrors(form);
      formError.textContent = '';
      try {
        await patch('/api/me', { current_password: current.value, password: next.value });
        current.value = '';
        next.value = '';
        toast('Password changed; your other sessions ended.', 'ok');
      } catch (err) {
        if (err instanceof ApiError && err.details.length) showFieldErrors(form, err.details);
        else formError.textContent = errorText(err);
      }
    } },
    h('div', { class: 'grid' }, field('current_password', 'Current password', current),
      field('password', 'New password', next, 'At least 8 characters. Consoles signed in with the old one must be given the new one.')),
    formError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'password-submit' }, 'Change password')));
    return form;
  }

  return () => { stopped = true; };
}
