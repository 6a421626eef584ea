// Custom title entries (homebrew, ports, titles the title database lacks): a list with edit and
// delete, and a form to add or change one, over /api/titledb/custom. The catalog's title follows
// a change once update_titles_for_title has run.
import { ApiError, del, get, post, put } from './api.js';
import { clearFieldErrors, errorText, field, h, replace, showFieldErrors, toast } from './ui.js';

const fields = [
  ['title_id', 'Title id', '16 hexadecimal digits, e.g. 05000FD261232000'],
  ['name', 'Name', ''],
  ['publisher', 'Publisher', ''],
  ['release_date', 'Release date', 'YYYY-MM-DD'],
  ['icon_url', 'Icon URL', 'http(s)'],
  ['banner_url', 'Banner URL', 'http(s)'],
  ['description', 'Description', ''],
];

export function customTitlesPanel() {
  const panel = h('details', { class: 'panel', id: 'custom-titles' });
  const list = h('div', { id: 'custom-list' });
  const inputs = Object.fromEntries(fields.map(([k]) => [k, h('input', { id: 'custom-' + k, type: 'text' })]));
  let editing = '';
  const submit = h('button', { type: 'submit', class: 'primary', id: 'custom-save' }, 'Add');
  const cancel = h('button', { type: 'button', class: 'small', onclick: () => reset() }, 'Cancel');
  const form = h('form', { id: 'custom-form', novalidate: true },
    h('p', { class: 'form-error', role: 'alert' }),
    h('div', { class: 'row', style: 'flex-wrap:wrap' }, fields.map(([k, label, hint]) => field(k, label, inputs[k], hint))),
    h('div', { class: 'actions' }, submit, cancel));
  replace(panel, h('summary', {}, h('h2', { style: 'display:inline' }, 'Custom title entries')),
    h('p', { class: 'muted small' }, 'Names and images for homebrew, ports and titles the title database lacks; they win over the title database.'),
    list, form);

  const reset = () => {
    editing = '';
    for (const el of Object.values(inputs)) el.value = '';
    inputs.title_id.disabled = false;
    submit.textContent = 'Add';
    clearFieldErrors(form);
  };
  const edit = (e) => {
    editing = e.title_id;
    for (const [k] of fields) inputs[k].value = e[k] || '';
    inputs.title_id.disabled = true;
    submit.textContent = 'Save';
    panel.open = true;
  };
  async function load() {
    try {
      const { entries } = await get('/api/titledb/custom');
      replace(list, entries.length === 0 ? h('p', { class: 'muted' }, 'No custom entries.')
        : h('table', { class: 'cards' }, h('tbody', {}, entries.map((e) => h('tr', { dataset: { titleId: e.title_id } },
          h('td', { class: 'mono', 'data-label': 'Title id' }, e.title_id),
          h('td', { 'data-label': 'Name' }, e.name),
          h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => edit(e) }, 'Edit'), ' ',
            h('button', { type: 'button', class: 'small danger', onclick: () => remove(e.title_id) }, 'Delete')))))));
    } catch (err) {
      replace(list, h('p', { class: 'form-error' }, errorText(err)));
    }
  }
  async function remove(id) {
    try {
      await del('/api/titledb/custom/' + encodeURIComponent(id));
      toast('Custom entry deleted.', 'ok');
      if (editing === id) reset();
      load();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const body = Object.fromEntries(fields.map(([k]) => [k, inputs[k].value.trim()]));
    try {
      if (editing) {
        delete body.title_id;
        await put('/api/titledb/custom/' + encodeURIComponent(editing), body);
      } else {
        await post('/api/titledb/custom', body);
      }
      toast('Custom entry saved.', 'ok');
      reset();
      load();
    } catch (err) {
      if (err instanceof ApiError && err.details.length) showFieldErrors(form, err.details);
      else showFieldErrors(form, [], errorText(err));
    }
  });
  load();
  return panel;
}
