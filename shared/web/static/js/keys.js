// The keys page: the status of the console keys file (GET /api/keys: valid or not, the master
// keys present, the keys that files of the library needed but the file lacks) and an upload of
// prod.keys (PUT /api/keys). The api never sends a key back, and this page never shows one.
import { get, put } from './api.js';
import { errorText, h, replace, toast } from './ui.js';

export function mount(root) {
  const status = h('div', { id: 'keys-status' }, h('p', { class: 'muted' }, 'Loading…'));
  const fileInput = h('input', { type: 'file', id: 'keys-file', accept: '.keys,.txt,text/plain' });
  const error = h('p', { class: 'form-error', id: 'keys-error', role: 'alert' });
  const upload = h('button', { type: 'submit', class: 'primary', id: 'keys-upload' }, 'Upload');
  const form = h('form', { id: 'keys-form', onsubmit: (ev) => { ev.preventDefault(); send(); } },
    h('label', { class: 'field' }, 'prod.keys', fileInput,
      h('span', { class: 'hint' }, 'The keys file of your console, as Lockpick_RCM writes it (lines "name = HEX"). ',
        'It is kept in the data folder, readable by shelf only, and left out of backups unless asked.')),
    error,
    h('div', { class: 'actions' }, upload));
  let stopped = false;

  replace(root,
    h('h1', {}, 'Keys'),
    h('p', { class: 'muted' }, 'With your keys, shelf identifies each file by the content metadata inside it ',
      '(NSP, NSZ, XCI, XCZ, several apps per file); without them, by ticket names and file names only.'),
    h('div', { class: 'panel' }, h('h2', {}, 'Status'), status),
    h('div', { class: 'panel' }, h('h2', {}, 'Upload'), form));

  async function refresh() {
    try {
      const st = await get('/api/keys');
      if (!stopped) show(st);
    } catch (err) {
      if (!stopped) replace(status, h('p', { class: 'form-error' }, errorText(err)));
    }
  }

  function show(st) {
    const state = !st.present ? ['No keys file', 'muted'] : st.valid ? ['Valid', 'ok'] : ['Not valid', 'form-error'];
    replace(status,
      h('p', { id: 'keys-state', class: state[1] }, h('strong', {}, state[0]), st.error ? ' — ' + st.error : ''),
      st.master_keys.length
        ? h('p', {}, 'Master keys: ', h('span', { id: 'keys-master', class: 'mono' }, st.master_keys.join(', ')))
        : null,
      st.missing.length
        ? h('div', { id: 'keys-missing' }, h('p', { class: 'form-error' }, 'Files of the library need keys this file lacks:'),
          h('ul', {}, st.missing.map((k) => h('li', { dataset: { key: k.name } },
            h('code', {}, k.name), ` — ${k.files} file${k.files === 1 ? '' : 's'}, e.g. `, h('span', { class: 'mono small' }, k.example)))))
        : null);
  }

  async function send() {
    error.textContent = '';
    const file = fileInput.files[0];
    if (!file) {
      error.textContent = 'Choose your prod.keys file first.';
      return;
    }
    upload.disabled = true;
    try {
      const res = await put('/api/keys', { text: await file.text() });
      fileInput.value = '';
      show(res.keys);
      toast(`Keys saved; ${res.files_to_identify} file${res.files_to_identify === 1 ? '' : 's'} to identify again.`, 'ok');
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      upload.disabled = false;
    }
  }

  refresh();
  return () => { stopped = true; };
}
