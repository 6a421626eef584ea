// The first-run setup page (#/setup): while no user exists, make the first admin
// (POST /api/setup) and sign in as it. From then on the api needs a user.
import { ApiError, currentMe, post, signedIn } from './api.js';
import { clearFieldErrors, errorText, field, h, replace, showFieldErrors } from './ui.js';

export function mount(root) {
  const me = currentMe();
  if (me && !me.setup_needed) {
    replace(root, h('div', { class: 'panel narrow' }, h('h1', {}, 'Set up shelf'),
      h('p', {}, 'A user exists already. ', h('a', { href: '#/login' }, 'Sign in'), ' instead.')));
    return;
  }
  const user = h('input', { id: 'setup-user', name: 'username', autocomplete: 'username', required: true, value: 'admin' });
  const pass = h('input', { id: 'setup-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
  const again = h('input', { id: 'setup-again', name: 'again', type: 'password', autocomplete: 'new-password', required: true });
  const error = h('p', { class: 'form-error', id: 'setup-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'setup-submit' }, 'Create the admin');
  const form = h('form', { id: 'setup-form', class: 'panel narrow', onsubmit: async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    error.textContent = '';
    if (pass.value !== again.value) {
      showFieldErrors(form, [{ field: 'again', message: 'the passwords differ' }]);
      return;
    }
    submit.disabled = true;
    try {
      signedIn(await post('/api/setup', { username: user.value, password: pass.value }));
      location.hash = '#/users';
    } catch (err) {
      if (err instanceof ApiError && err.details.length) showFieldErrors(form, err.details);
      else error.textContent = errorText(err);
    } finally {
      submit.disabled = false;
    }
  } },
  h('h1', {}, 'Set up shelf'),
  h('p', {}, 'No user exists yet, so this shelf is open to anyone who can reach it. Create the first admin: ',
    'from then on every page and the shop need a user.'),
  field('username', 'Admin user name', user),
  field('password', 'Password', pass, 'At least 8 characters.'),
  field('again', 'Password again', again),
  error,
  h('div', { class: 'actions' }, submit));
  replace(root, form);
  pass.focus();
}
