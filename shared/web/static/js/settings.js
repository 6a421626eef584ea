// The settings page: every field of settings.yaml (the shop's too), saved with PUT /api/settings. The API's
// 422 details name fields by path ("worker.slots", "library.paths[1]"); each shows next to its
// field. The organizer templates have a live preview rendered by the API (POST
// /api/settings/preview), with the organizer's own code.
import { ApiError, askToken, currentMe, get, post, put } from './api.js';
import { clearFieldErrors, errorText, field, h, replace, showFieldErrors, toast } from './ui.js';

const templateKinds = [
  ['base', 'Base game'],
  ['update', 'Update'],
  ['dlc', 'DLC'],
  ['multi', 'Several apps in one file'],
];
const organizerPrefix = 'library.management.organizer';
// tinfoilPublicKey is the key Tinfoil publishes (github.com/blawar/tinfoil docs/files/public.key),
// the same as shop.TinfoilPublicKey (shared/web's test holds them equal).
const tinfoilPublicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvPdrJigQ0rZAy+jla7hS
jwen8gkF0gjtl+lZGY59KatNd9Kj2gfY7dTMM+5M2tU4Wr3nk8KWr5qKm3hzo/2C
Gbc55im3tlRl6yuFxWQ+c/I2SM5L3xp6eiLUcumMsEo0B7ELmtnHTGCCNAIzTFzV
4XcWGVbkZj83rTFxpLsa1oArTdcz5CG6qgyVe7KbPsft76DAEkV8KaWgnQiG0Dps
INFy4vISmf6L1TgAryJ8l2K4y8QbymyLeMsABdlEI3yRHAm78PSezU57XtQpHW5I
aupup8Es6bcDZQKkRsbOeR9T74tkj+k44QrjZo8xpX9tlJAKEEmwDlyAg0O5CLX3
CQIDAQAB
-----END PUBLIC KEY-----`;
const shopClients = [
  ['tinfoil', 'Tinfoil'],
  ['cyberfoil', 'CyberFoil'],
  ['dbi', 'DBI'],
  ['sphaira', 'Sphaira'],
];

// sourceText says which title database is in use and when it was refreshed.
function sourceText(tdb) {
  const src = tdb?.source;
  if (!src) return 'In use: nothing yet (the first title database update has not run).';
  const when = (t) => new Date(t).toLocaleString();
  const what = src.sample
    ? (src.fallback ? `the bundled sample, because the source could not be reached (${src.fallback})` : 'the bundled sample')
    : src.url + (src.commit ? ` (commit ${src.commit})` : '');
  return `In use: ${what}, ${src.region}/${src.language}. Checked ${when(src.checked_at)}, last changed ${when(src.updated_at)}.`;
}

// basicWarning says that a console sent its password in the clear, when one did.
function basicWarning() {
  if (!currentMe()?.basic_over_http) return null;
  return h('div', { class: 'panel warn', id: 'basic-warning', role: 'alert' },
    h('strong', {}, 'A client signed in with HTTP Basic over plain HTTP. '),
    'Its password crossed the network readable by anyone on the way. Put shelf behind a reverse proxy ',
    'with TLS (the README shows Caddy) and give consoles the https:// address.');
}

export function mount(root) {
  replace(root, h('h1', {}, 'Settings'), h('p', { class: 'muted' }, 'Loading…'));
  let stopped = false;
  let previewTimer = null;
  let onToken = null;
  Promise.all([get('/api/settings'), get('/api/titledb').catch(() => null)])
    .then(([s, tdb]) => { if (!stopped) build(root, s, '', tdb); })
    .catch((err) => replace(root, h('h1', {}, 'Settings'), h('p', { class: 'form-error' }, errorText(err))));

  function build(root, s, message = '', tdb = null) {
    const org = s.library.management.organizer;
    const input = (id, value, attrs = {}) => h('input', { id, type: 'text', value: value ?? '', ...attrs });
    const check = (id, value) => h('input', { id, type: 'checkbox', checked: value });

    // Library paths: one input per folder; the API's "library.paths[i]" errors land on input i.
    const paths = h('div', { id: 'library-paths' });
    const addPath = (value = '') => {
      const row = h('div', { class: 'field path-item' },
        h('div', { class: 'row' },
          h('input', { type: 'text', class: 'path-input', value, placeholder: '/games', 'aria-label': 'library folder', style: 'flex:1' }),
          h('button', { type: 'button', class: 'small danger', onclick: () => { row.remove(); renumber(); } }, 'Remove')),
        h('p', { class: 'field-error' }));
      paths.append(row);
      renumber();
    };
    const renumber = () => [...paths.children].forEach((row, i) => { row.dataset.field = `library.paths[${i}]`; });
    s.library.paths.forEach((p) => addPath(p));

    // Region and language are the pairs of the title database's languages.json (GET
    // /api/titledb); the language choices follow the region.
    const locales = tdb?.locales || { [s.titles.region]: [s.titles.language] };
    const options = (values, current) => {
      const list = values.includes(current) ? values : [current, ...values];
      return list.map((v) => h('option', { value: v, selected: v === current }, v));
    };
    const region = h('select', { id: 'titles-region' }, options(Object.keys(locales).sort(), s.titles.region));
    const language = h('select', { id: 'titles-language' }, options(locales[s.titles.region] || [], s.titles.language));
    region.addEventListener('change', () => {
      language.replaceChildren(...options(locales[region.value] || [], (locales[region.value] || [])[0] || ''));
    });
    const f = {
      region,
      language,
      url: input('titledb-url', s.titledb.url, { type: 'url', placeholder: 'empty: the sample title database bundled with shelf' }),
      scan: input('scan-interval', s.scheduler.scan_interval, { placeholder: '12h' }),
      enabled: check('organizer-enabled', org.enabled),
      removeEmpty: check('organizer-remove-empty', org.remove_empty_folders),
      windows: check('organizer-windows', org.windows_compatible),
      deleteOlder: check('delete-older-updates', s.library.management.delete_older_updates),
      slots: input('worker-slots', s.worker.slots, { type: 'number', min: 1, max: 256, step: 1 }),
      shopPublic: check('shop-public', s.shop.public),
      motd: h('textarea', { id: 'shop-motd', rows: 2, maxlength: 500 }, s.shop.motd ?? ''),
      host: input('shop-host', s.shop.host, { placeholder: 'empty: every name; e.g. shop.example.com or 192.168.1.20:8465', spellcheck: 'false' }),
      publicKey: h('textarea', { id: 'shop-public-key', rows: 4, class: 'mono', spellcheck: 'false',
        placeholder: '-----BEGIN PUBLIC KEY-----' }, s.shop.clients.tinfoil.public_key ?? ''),
    };
    const clientChecks = Object.fromEntries(shopClients.map(([name]) => [name, check('shop-client-' + name, s.shop.clients[name].enabled)]));
    const templates = {};
    const previews = {};
    for (const [kind] of templateKinds) {
      templates[kind] = input('template-' + kind, org.templates[kind], { class: 'mono', spellcheck: 'false' });
      previews[kind] = h('div', { class: 'preview', id: 'preview-' + kind });
    }
    const checkField = (name, label, control, hint) => h('div', { class: 'field', dataset: { field: name } },
      h('label', { class: 'field inline', style: 'margin:0' }, control, h('span', {}, label)),
      hint ? h('span', { class: 'hint' }, hint) : null,
      h('p', { class: 'field-error' }));
    const saved = h('span', { id: 'settings-saved', class: 'muted', role: 'status' }, message);

    const form = h('form', { id: 'settings-form', novalidate: true },
      h('p', { class: 'form-error', id: 'settings-error', role: 'alert' }),
      h('fieldset', {}, h('legend', {}, 'Library'),
        h('div', { class: 'field', dataset: { field: 'library.paths' } },
          h('span', { class: 'label' }, 'Library folders'),
          h('span', { class: 'hint' }, 'Absolute paths as the worker and watcher see them. An added folder is scanned, a removed one forgotten.'),
          paths,
          h('div', {}, h('button', { type: 'button', class: 'small', id: 'add-path', onclick: () => addPath() }, 'Add folder')),
          h('p', { class: 'field-error' })),
        field('scheduler.scan_interval', 'Scan interval', f.scan, 'A duration such as 12h, 90m or 1d; 0 turns periodic scans off.')),
      h('fieldset', {}, h('legend', {}, 'Title database'),
        h('div', { class: 'row' },
          field('titles.region', 'Region', f.region, 'Regions of the title database'),
          field('titles.language', 'Language', f.language, 'Languages of that region')),
        field('titledb.url', 'Title database URL', f.url, 'An http(s) base URL (the community repository or Ownfoil\'s layout) or a .zip; empty uses the bundled sample only.'),
        h('p', { class: 'muted small', id: 'titledb-source' }, sourceText(tdb))),
      h('fieldset', { id: 'organizer' }, h('legend', {}, 'Organizer'),
        checkField(organizerPrefix + '.enabled', 'Move identified files into the layout below', f.enabled),
        checkField(organizerPrefix + '.remove_empty_folders', 'Remove folders the organizer leaves empty', f.removeEmpty),
        checkField(organizerPrefix + '.windows_compatible', 'Windows-compatible names (for libraries shared over SMB)', f.windows),
        checkField('library.management.delete_older_updates', 'Delete an update once a newer version of it is present', f.deleteOlder),
        h('p', { class: 'hint muted small' }, 'Templates are paths relative to the library folder. Placeholders: ',
          h('code', {}, '{titleName} {titleId} {appId} {appVersion} {appName} {patchLevel} {extension}'), '; the extension is added.'),
        h('p', { class: 'muted small', id: 'preview-note' }),
        templateKinds.map(([kind, label]) => field(`${organizerPrefix}.templates.${kind}`, label, templates[kind], '', previews[kind]))),
      h('fieldset', { id: 'shop' }, h('legend', {}, 'Shop'),
        h('p', { class: 'hint muted small' }, 'What consoles see at this server\'s address. ',
          h('a', { href: '#/shop-setup', id: 'shop-setup-link' }, 'What to type into each client'), '.'),
        checkField('shop.public', 'Public: anyone who reaches shelf may browse and download, without a user', f.shopPublic),
        field('shop.motd', 'Message of the day', f.motd, 'Shown by Tinfoil and CyberFoil on opening the shop; up to 500 characters.'),
        h('div', { class: 'field', dataset: { field: 'shop.clients' } },
          h('span', { class: 'label' }, 'Clients'),
          shopClients.map(([name, label]) => checkField(`shop.clients.${name}.enabled`, label, clientChecks[name])),
          h('p', { class: 'field-error' })),
        field('shop.host', 'Host', f.host, 'Answer consoles only at this host name (and port, if given); others get 421. Browsers keep the web UI at any name.'),
        field('shop.clients.tinfoil.public_key', 'Tinfoil encryption key', f.publicKey,
          'A PEM RSA-2048 public key: Tinfoil then gets the index encrypted. Tinfoil reads it with the key it publishes. Never paste a private key. Empty: plain JSON.',
          h('div', {}, h('button', { type: 'button', class: 'small', id: 'shop-tinfoil-key',
            onclick: () => { f.publicKey.value = tinfoilPublicKey; } }, 'Use Tinfoil\'s key')))),
      h('fieldset', {}, h('legend', {}, 'Workers'),
        field('worker.slots', 'Slots per worker', f.slots, 'Tasks one worker process runs at once (1–256). Every worker follows a change within a second.')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'settings-save' }, 'Save'), saved));

    replace(root, h('h1', {}, 'Settings'), basicWarning(), h('div', { class: 'panel' }, form));

    const organizerPatch = () => ({
      library: { management: { organizer: {
        windows_compatible: f.windows.checked,
        templates: Object.fromEntries(templateKinds.map(([k]) => [k, templates[k].value])),
      } } },
    });

    const documentFromForm = () => {
      const doc = {
        library: {
          paths: [...paths.querySelectorAll('.path-input')].map((i) => i.value.trim()).filter((p) => p !== ''),
          management: {
            organizer: { ...organizerPatch().library.management.organizer, enabled: f.enabled.checked, remove_empty_folders: f.removeEmpty.checked },
            delete_older_updates: f.deleteOlder.checked,
          },
        },
        titles: { region: f.region.value.trim(), language: f.language.value.trim() },
        titledb: { url: f.url.value.trim() },
        scheduler: { scan_interval: f.scan.value.trim() },
        worker: { slots: f.slots.value === '' ? 0 : Number(f.slots.value) },
        shop: {
          public: f.shopPublic.checked,
          motd: f.motd.value,
          host: f.host.value.trim(),
          clients: Object.fromEntries(shopClients.map(([name]) => [name, { enabled: clientChecks[name].checked }])),
        },
      };
      doc.shop.clients.tinfoil.public_key = f.publicKey.value.trim();
      // A number the browser can't read (e.g. "4x") is sent as typed, for the API to name the field.
      if (Number.isNaN(doc.worker.slots)) doc.worker.slots = f.slots.value;
      return doc;
    };

    // The preview shows where an example file of each kind would go, and marks a bad template
    // as the user types, with the same messages Save would give.
    const note = form.querySelector('#preview-note');
    async function preview() {
      const templateFields = templateKinds.map(([k]) => form.querySelector(`.field[data-field="${organizerPrefix}.templates.${k}"]`));
      try {
        const r = await post('/api/settings/preview', organizerPatch(), { ask: false });
        note.textContent = 'Preview: where an example file of each kind would go.';
        for (const el of templateFields) {
          el.classList.remove('invalid');
          el.querySelector(':scope > .field-error').textContent = '';
        }
        for (const [kind] of templateKinds) {
          const p = r.paths[kind];
          replace(previews[kind], p.example, ' → ', h('code', {}, '<library>/' + p.path));
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          replace(note, 'The preview needs the API token. ', h('button', { type: 'button', class: 'small', id: 'preview-token',
            onclick: async () => { if (await askToken()) preview(); } }, 'Enter token'));
          return;
        }
        if (!(err instanceof ApiError) || !err.details.length) {
          note.textContent = 'Preview unavailable: ' + errorText(err);
          return;
        }
        for (const el of templateFields) {
          el.classList.remove('invalid');
          el.querySelector(':scope > .field-error').textContent = '';
        }
        // Only the organizer's fields: the others are checked on Save.
        const mine = err.details.filter((d) => d.field.startsWith(organizerPrefix + '.'));
        showFieldErrors(form.querySelector('#organizer'), mine);
        for (const [kind] of templateKinds) {
          if (mine.some((d) => d.field.endsWith('.' + kind))) replace(previews[kind]);
        }
      }
    }
    const schedulePreview = () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(preview, 250);
    };
    for (const [kind] of templateKinds) templates[kind].addEventListener('input', schedulePreview);
    f.windows.addEventListener('change', schedulePreview);
    if (onToken) window.removeEventListener('shelf-token', onToken);
    onToken = schedulePreview;
    window.addEventListener('shelf-token', onToken);
    preview();

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearFieldErrors(form);
      saved.textContent = '';
      const button = form.querySelector('#settings-save');
      button.disabled = true;
      try {
        const next = await put('/api/settings', documentFromForm());
        toast('Settings saved.', 'ok');
        if (!stopped) build(root, next, 'Saved. Every service applies it now.', tdb);
      } catch (err) {
        if (err instanceof ApiError && err.details.length) {
          showFieldErrors(form, err.details);
          saved.textContent = '';
          const first = form.querySelector('.field.invalid input, .field.invalid');
          if (first && first.focus) first.focus();
        } else {
          showFieldErrors(form, [], errorText(err));
        }
      } finally {
        button.disabled = false;
      }
    });
  }

  return () => {
    stopped = true;
    clearTimeout(previewTimer);
    if (onToken) window.removeEventListener('shelf-token', onToken);
  };
}
