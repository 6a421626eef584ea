// The REST API client. Every request goes through request(). Once users exist, the browser is
// signed in with the session cookie (HttpOnly, set by POST /api/login) and each change carries
// the session's CSRF token; a 401 then leads to the login page. Before any user exists the api
// may still want SHELF_API_TOKEN: the token is kept in localStorage, and on a 401 the UI asks
// for it once (one dialog however many requests failed at the same time), keeps it and retries.

const tokenKey = 'shelf.apiToken';

// me is GET /api/me as last read (null when signed out); csrf the session's CSRF token.
let me = null;
let csrf = '';

export const currentMe = () => me;

// accountsInUse: users exist, so the browser signs in rather than sending a token.
export const accountsInUse = () => !!me && !me.setup_needed;

// setMe records who the browser is and tells the page header.
export function setMe(value) {
  me = value;
  csrf = (value && value.csrf_token) || '';
  window.dispatchEvent(new CustomEvent('shelf-me'));
}

// loadMe reads GET /api/me; a 401 means users exist and this browser is signed out.
export async function loadMe() {
  try {
    setMe(await request('GET', '/api/me', undefined, { ask: false }));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    setMe({ user: null, roles: [], via: '', open: false, setup_needed: false, csrf_token: '' });
  }
  return me;
}

// signedIn takes the answer of POST /api/login or /api/setup: the session replaces any token
// this browser kept.
export function signedIn(answer) {
  setToken('');
  setMe(answer);
}

export async function logout() {
  try {
    await request('POST', '/api/logout', undefined, { ask: false });
  } finally {
    setToken('');
    await loadMe().catch(() => setMe(null));
  }
}

// ApiError is an error answer: {"error": {"code", "message", "details": [{"field", "message"}]}}.
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || [];
  }
}

export function token() {
  return localStorage.getItem(tokenKey) || '';
}

export function setToken(value) {
  if (value) localStorage.setItem(tokenKey, value);
  else localStorage.removeItem(tokenKey);
  window.dispatchEvent(new CustomEvent('shelf-token'));
}

// request sends method path with body as JSON and returns the decoded answer (null for 304).
// With ask: false a 401 is thrown at once instead of asking for the token.
export async function request(method, path, body, { ask = true } = {}) {
  for (let asked = false; ; asked = true) {
    const headers = { Accept: 'application/json' };
    const t = token();
    if (t && !accountsInUse()) headers.Authorization = 'Bearer ' + t;
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, 'network', 'the api did not answer (' + err.message + ')');
    }
    if (res.status === 401 && ask && !asked) {
      if (accountsInUse() || (me && me.via === 'session')) {
        // Signed out (or the session ended): sign in, then come back here.
        setMe({ ...me, user: null, via: '', csrf_token: '' });
        if (!location.hash.startsWith('#/login')) location.hash = '#/login?next=' + encodeURIComponent(location.hash);
      } else if (await askToken(t ? 'The saved token was refused.' : '')) {
        // The token is wrong or missing: ask, then try once more with the new one.
        continue;
      }
    }
    return decode(res);
  }
}

async function decode(res) {
  if (res.status === 304) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(res.status, 'invalid_response', `${res.status}: ${text.slice(0, 200)}`);
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText, e.details);
  }
  return data;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
export const patch = (path, body, opts) => request('PATCH', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

// askToken shows the token dialog and resolves true when a token was saved. Requests that get a
// 401 while the dialog is open wait for the same answer.
let pending = null;

export function askToken(reason = '') {
  if (pending) return pending;
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const error = document.getElementById('token-error');
  error.textContent = reason;
  input.value = token();
  pending = new Promise((resolve) => {
    const finish = (saved) => {
      form.removeEventListener('submit', onSubmit);
      document.getElementById('token-cancel').onclick = null;
      document.getElementById('token-forget').onclick = null;
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      pending = null;
      resolve(saved);
    };
    const onSubmit = (ev) => {
      ev.preventDefault();
      const value = input.value.trim();
      if (!value) {
        error.textContent = 'Enter the token, or Cancel.';
        return;
      }
      setToken(value);
      finish(true);
    };
    const onCancel = () => finish(false);
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('cancel', onCancel);
    document.getElementById('token-cancel').onclick = onCancel;
    document.getElementById('token-forget').onclick = () => {
      setToken('');
      finish(false);
    };
    dialog.showModal();
    input.focus();
  });
  return pending;
}
