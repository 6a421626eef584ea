// The library page: every title of the library index with its icon, what is owned and what is
// missing (versions, DLC) and its flags; a search; "scan now"; the files shelf could not
// identify, with the reason; the files identified with a note (name and content disagree); and
// the shop's most downloaded files.
import { ApiError, get, post } from './api.js';
import { customTitlesPanel } from './custom.js';
import { errorText, fmtAgo, fmtTime, h, poll, replace, setQuery, toast } from './ui.js';

const refreshMs = 4000;

export function mount(root, { query }) {
  const state = { search: query.get('q') || '', show: query.get('show') || '', index: null, indexHash: '', filesJSON: '' };

  const search = h('input', { type: 'search', id: 'library-search', placeholder: 'Search by name or title id', value: state.search,
    'aria-label': 'search titles', style: 'flex:1;min-width:12rem' });
  const show = h('select', { id: 'library-show', 'aria-label': 'show' },
    h('option', { value: '' }, 'all titles'),
    h('option', { value: 'missing' }, 'missing something'),
    h('option', { value: 'outdated' }, 'missing an update'),
    h('option', { value: 'incomplete' }, 'missing DLC'),
    h('option', { value: 'noted' }, 'files with a note (e.g. a name contradicting its id)'),
    h('option', { value: 'complete' }, 'up to date and complete'));
  show.value = state.show;
  const scanResult = h('span', { id: 'scan-result', class: 'muted small' });
  const summary = h('p', { id: 'library-summary', class: 'muted' });
  const titles = h('div', { class: 'grid', id: 'title-list' });
  const unidentified = h('div', { class: 'panel', id: 'unidentified' });
  const noted = h('div', { class: 'panel', id: 'noted' });
  const downloads = h('div', { class: 'panel', id: 'downloads' });

  replace(root,
    h('div', { class: 'row spread' }, h('h1', {}, 'Library'),
      h('div', { class: 'row' }, scanResult, h('button', { type: 'button', class: 'primary', id: 'scan-now', onclick: scan }, 'Scan now'))),
    h('div', { class: 'panel' }, h('div', { class: 'row' }, search, show), summary, titles),
    unidentified,
    noted,
    downloads,
    customTitlesPanel());

  const filtersChanged = () => {
    state.search = search.value;
    state.show = show.value;
    setQuery({ q: state.search, show: state.show });
    renderTitles();
  };
  search.addEventListener('input', filtersChanged);
  show.addEventListener('change', filtersChanged);

  async function scan(ev) {
    ev.target.disabled = true;
    try {
      const r = await post('/api/library/scan');
      replace(scanResult, 'Scan enqueued: ', r.tasks.map((t, i) => [i ? ', ' : '', h('a', { href: '#/tasks/' + t.id }, '#' + t.id)]));
      toast('Library scan enqueued.', 'ok');
    } catch (err) {
      toast('Scan: ' + errorText(err), 'error');
      replace(scanResult, h('span', { class: 'form-error' }, errorText(err)));
    } finally {
      ev.target.disabled = false;
    }
  }

  async function refresh() {
    // The browser revalidates the index with its ETag, so an unchanged index costs a 304.
    try {
      const idx = await get('/api/library');
      if (idx && idx.hash !== state.indexHash) {
        state.index = idx;
        state.indexHash = idx.hash;
        renderTitles();
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'not_generated')) throw err;
      state.index = null;
      replace(summary, 'No library index yet: a scan ends by writing it. Add a library folder in ',
        h('a', { href: '#/settings' }, 'Settings'), ' or press Scan now.');
      replace(titles);
    }
    const [files, notes, top] = await Promise.all([get('/api/files?unidentified=true&limit=200'), get('/api/files?noted=true&limit=200'),
      get('/api/files?downloaded=true&limit=20')]);
    const json = JSON.stringify([files, notes, top]);
    if (json !== state.filesJSON) {
      state.filesJSON = json;
      renderUnidentified(files);
      renderNoted(notes);
      renderDownloads(top);
    }
  }

  function renderTitles() {
    if (!state.index) return;
    const all = state.index.titles;
    const q = state.search.trim().toLowerCase();
    const shown = all.filter((t) => (!q || t.name.toLowerCase().includes(q) || t.title_id.toLowerCase().includes(q)) && keep(t, state.show));
    const complete = all.filter((t) => t.up_to_date && t.complete).length;
    replace(summary, `${all.length} titles · ${complete} up to date and complete · ${all.length - complete} missing something`,
      shown.length !== all.length ? ` · ${shown.length} shown` : '',
      h('span', { title: fmtTime(state.index.generated_at) }, ` · index written ${fmtAgo(state.index.generated_at)}`));
    replace(titles, shown.length ? shown.map(titleCard) : h('p', { class: 'muted' }, 'No title matches.'));
  }

  function renderUnidentified(files) {
    replace(unidentified, h('h2', {}, `Unidentified files (${files.files.length}${files.next_cursor ? '+' : ''})`),
      files.files.length === 0
        ? h('p', { class: 'muted' }, 'Every game file is identified.')
        : h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'unidentified-list' },
          h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Reason'), h('th', { class: 'num' }, 'Attempts'))),
          h('tbody', {}, files.files.map((f) => h('tr', {},
            h('td', { 'data-label': 'File', class: 'mono', title: f.path }, f.path),
            h('td', { 'data-label': 'Reason' }, f.identification_error || 'not identified yet'),
            h('td', { 'data-label': 'Attempts', class: 'num' }, String(f.identification_attempts))))))));
  }

  // Files identified with a note: the name and the content disagree (the content won), or the
  // content could not be read and a ticket or the name told instead.
  function renderNoted(files) {
    if (files.files.length === 0) {
      replace(noted);
      noted.hidden = true;
      return;
    }
    noted.hidden = false;
    replace(noted, h('h2', {}, `Identification notes (${files.files.length}${files.next_cursor ? '+' : ''})`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'noted-list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Identified by'), h('th', {}, 'Note'))),
        h('tbody', {}, files.files.map((f) => h('tr', { dataset: { fileId: f.id } },
          h('td', { 'data-label': 'File', class: 'mono', title: f.path }, f.path),
          h('td', { 'data-label': 'Identified by' }, f.identification_method),
          h('td', { 'data-label': 'Note' }, f.identification_note)))))));
  }

  // The shop's most downloaded files; a console's download counts once per client a minute.
  function renderDownloads(top) {
    replace(downloads, h('h2', {}, 'Most downloaded'),
      top.files.length === 0
        ? h('p', { class: 'muted' }, 'No file downloaded from the shop yet. ', h('a', { href: '#/shop-setup' }, 'Set up a console'), '.')
        : h('div', { class: 'table-wrap' }, h('table', { class: 'cards', id: 'downloads-list' },
          h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', { class: 'num' }, 'Downloads'))),
          h('tbody', {}, top.files.map((f) => h('tr', { dataset: { fileId: f.id } },
            h('td', { 'data-label': 'File', class: 'mono', title: f.path }, f.name),
            h('td', { 'data-label': 'Downloads', class: 'num' }, String(f.downloads))))))));
  }

  const poller = poll(refresh, refreshMs);
  return () => poller.stop();
}

function keep(t, show) {
  switch (show) {
    case 'missing': return !(t.up_to_date && t.complete && t.has_base);
    case 'outdated': return !t.up_to_date;
    case 'incomplete': return !t.complete;
    case 'noted': return (t.notes || []).length > 0;
    case 'complete': return t.up_to_date && t.complete;
  }
  return true;
}

function titleCard(t) {
  const ownedUpdates = t.updates.filter((v) => v.owned);
  const latest = t.updates.length ? t.updates[t.updates.length - 1] : null;
  const dlcOwned = t.dlc.filter((d) => d.versions.some((v) => v.owned)).length;
  const flag = (ok, yes, no) => h('span', { class: 'badge ' + (ok ? 'good' : 'warn') }, ok ? yes : no);
  return h('article', { class: 'panel title-card', dataset: { titleId: t.title_id } },
    icon(t),
    h('div', { class: 'body' },
      h('div', { class: 'name' }, t.name || t.title_id),
      h('div', { class: 'mono muted small' }, t.title_id, t.release_date ? h('span', { class: 'muted' }, ` · released ${t.release_date}`) : ''),
      h('div', { class: 'flags' },
        t.has_base ? null : h('span', { class: 'badge bad' }, 'no base game'),
        flag(t.up_to_date, 'up to date', 'update missing'),
        flag(t.complete, 'complete', 'DLC missing'),
        (t.notes || []).length
          ? h('span', { class: 'badge bad file-note', title: t.notes.map((n) => `${n.path}: ${n.note}`).join('\n') },
            `${t.notes.length} file${t.notes.length > 1 ? 's' : ''} with a note`)
          : null),
      h('div', { class: 'small' },
        `Updates: ${ownedUpdates.length}/${t.updates.length} owned`,
        latest ? ` (latest v${latest.version}${latest.owned ? ', owned' : ', missing'})` : '',
        ` · DLC: ${dlcOwned}/${t.dlc.length} owned`),
      h('details', {}, h('summary', { class: 'small' }, 'Versions and DLC'), versionList(t))));
}

function icon(t) {
  const letter = h('div', { class: 'icon', 'aria-hidden': 'true' }, (t.name || '?').trim().charAt(0).toUpperCase());
  if (!t.icon_url) return letter;
  // Icons come from the title database; one that does not load (offline) falls back to a letter.
  const img = h('img', { class: 'icon', src: t.icon_url, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer', width: 56, height: 56 });
  img.addEventListener('error', () => img.replaceWith(letter));
  return img;
}

function versionList(t) {
  const item = (label, v) => h('li', { class: v.owned ? 'owned' : 'missing' }, v.owned ? '✓ ' : '✗ ', label, ` v${v.version}`,
    v.release_date ? h('span', { class: 'muted' }, ` (${v.release_date})`) : '',
    v.owned ? h('span', { class: 'muted mono' }, ' — ', v.files.join(', ')) : ' (missing)');
  return h('ul', { class: 'versions' },
    t.base.map((v) => item('Base', v)),
    t.updates.map((v) => item('Update', v)),
    t.dlc.map((d) => d.versions.map((v) => item(`DLC ${d.name || d.app_id}`, v))),
    (t.notes || []).map((n) => h('li', { class: 'missing' }, '⚠ ', h('span', { class: 'mono' }, n.path), ': ', n.note)));
}
