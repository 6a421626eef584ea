// The login page (#/login?next=...): a user name and password, POST /api/login. The session
// cookie it sets is HttpOnly; the answer carries the CSRF token the UI sends with changes.
import { ApiError, post, signedIn } from './api.js';
import { errorText, field, h, replace } from './ui.js';

export function mount(root, { query }) {
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, 'Sign in');
  const form = h('form', { id: 'login-form', class: 'panel narrow', onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      signedIn(await post('/api/login', { username: user.value, password: pass.value }, { ask: false }));
      const next = query.get('next');
      location.hash = next && next.startsWith('#/') && !next.startsWith('#/login') ? next : '#/';
    } catch (err) {
      pass.value = '';
      error.textContent = err instanceof ApiError && err.status === 429
        ? err.message
        : err instanceof ApiError && err.status === 401 ? 'Wrong user name or password.' : errorText(err);
      pass.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h('h1', {}, 'Sign in'),
  field('username', 'User name', user),
  field('password', 'Password', pass),
  error,
  h('div', { class: 'actions' }, submit));
  replace(root, form);
  user.focus();
}
