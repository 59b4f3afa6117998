/** The exemplars view: filter and page through the exemplar bank, add, edit and delete exemplars. */
import { api, describeFailure } from './api.js';
import type { ExemplarChange, ExemplarItem, ExemplarPage, Readiness } from './api-types.js';
import { byId, clear, el, setStatus, tableBody } from './dom.js';

const PAGE_SIZE = 50;

const state: { offset: number; total: number; items: ExemplarItem[] } = { offset: 0, total: 0, items: [] };
let editing: ExemplarItem | null = null;

const select = (id: string) => byId(id, HTMLSelectElement);
const input = (id: string) => byId(id, HTMLInputElement);
const textarea = (id: string) => byId(id, HTMLTextAreaElement);

/** A label select shows only the labels of one axis (or of every axis when axis is empty). */
function limitLabels(labels: HTMLSelectElement, axis: string, keepAny: boolean): void {
  let firstVisible: HTMLOptionElement | null = null;
  for (const group of labels.querySelectorAll('optgroup')) {
    const visible = !axis || group.getAttribute('data-axis') === axis;
    group.hidden = !visible;
    group.disabled = !visible;
    if (visible && !firstVisible) firstVisible = group.querySelector('option');
  }
  const selected = labels.selectedOptions[0];
  const parent = selected?.parentElement;
  const stillValid =
    selected !== undefined && (selected.value === '' ? keepAny : !(parent instanceof HTMLOptGroupElement && parent.disabled));
  if (!stillValid) {
    if (keepAny) labels.value = '';
    else if (firstVisible) labels.value = firstVisible.value;
  }
}

export function loadLanguages(): void {
  api<Readiness>('GET', '/readyz').then(
    (ready) => {
      const languages = select('filter-lang');
      const current = languages.value;
      for (const lang of Object.keys(ready.exemplars?.by_lang ?? {}).sort()) {
        const known = [...languages.options].some((option) => option.value === lang);
        if (!known) languages.appendChild(el('option', { value: lang, text: lang }));
      }
      languages.value = current;
    },
    () => {
      // The filter still works without the list.
    },
  );
}

function exemplarQuery(): string {
  const params = new URLSearchParams();
  for (const name of ['axis', 'label', 'lang', 'q']) {
    const node = byId(`filter-${name}`);
    const value = node instanceof HTMLInputElement || node instanceof HTMLSelectElement ? node.value.trim() : '';
    if (value) params.set(name, value);
  }
  params.set('limit', String(PAGE_SIZE));
  params.set('offset', String(state.offset));
  params.set('include', 'conflicts');
  return params.toString();
}

function labelCell(item: ExemplarItem): HTMLTableCellElement {
  const conflict = item.closer_to;
  if (!conflict) return el('td', {}, el('span', { class: 'tag', text: item.label }));
  return el('td', {}, [
    el('span', { class: 'tag', text: item.label }),
    ' ',
    el('span', {
      class: 'tag conflict',
      title: `Leave-one-out scoring puts this exemplar closer to ${conflict.closer_to} (${conflict.other_score}) than to ${item.label} (${conflict.own_score})`,
      text: `closer to ${conflict.closer_to}`,
    }),
  ]);
}

function renderExemplars(): void {
  const body = clear(tableBody('exemplar-table'));
  for (const item of state.items) {
    body.appendChild(
      el('tr', item.closer_to ? { 'data-id': item.id, class: 'conflicted' } : { 'data-id': item.id }, [
        el('td', { class: 'num col-id', text: item.id }),
        el('td', { text: item.axis }),
        labelCell(item),
        el('td', { text: item.lang }),
        el('td', { class: 'text', text: item.text }),
        el('td', { class: 'muted col-source', text: item.source }),
        el(
          'td',
          { class: 'col-actions' },
          el('div', { class: 'actions' }, [
            el('button', {
              type: 'button',
              'aria-label': `Edit exemplar ${item.id}`,
              text: 'Edit',
              onclick: () => openEditor(item),
            }),
            el('button', {
              type: 'button',
              class: 'danger',
              'aria-label': `Delete exemplar ${item.id}`,
              text: 'Delete',
              onclick: () => void deleteExemplar(item),
            }),
          ]),
        ),
      ]),
    );
  }
  const from = state.total ? state.offset + 1 : 0;
  const to = state.offset + state.items.length;
  byId('page-info').textContent = `${from}–${to} of ${state.total}`;
  byId('exemplar-caption').textContent = `${state.total}${state.total === 1 ? ' exemplar matches' : ' exemplars match'}`;
  byId('page-prev', HTMLButtonElement).disabled = state.offset === 0;
  byId('page-next', HTMLButtonElement).disabled = to >= state.total;
}

async function fetchPage(): Promise<void> {
  const page = await api<ExemplarPage>('GET', `/admin/exemplars?${exemplarQuery()}`);
  state.total = page.total;
  state.items = page.items;
  renderExemplars();
}

export async function loadExemplars(): Promise<void> {
  setStatus('exemplars-status', 'Loading…');
  try {
    await fetchPage();
    setStatus('exemplars-status', '');
  } catch (error) {
    state.items = [];
    state.total = 0;
    renderExemplars();
    setStatus('exemplars-status', describeFailure(error), true);
  }
}

function openEditor(item: ExemplarItem): void {
  editing = item;
  limitLabels(select('edit-label'), item.axis, false);
  select('edit-label').value = item.label;
  input('edit-lang').value = item.lang;
  textarea('edit-text').value = item.text;
  byId('edit-title').textContent = `Edit exemplar ${item.id} (${item.axis})`;
  byId('exemplar-edit', HTMLDialogElement).showModal();
  textarea('edit-text').focus();
}

async function addExemplar(): Promise<void> {
  const body: Record<string, string> = {
    axis: select('add-axis').value,
    label: select('add-label').value,
    text: textarea('add-text').value.trim(),
  };
  const lang = input('add-lang').value.trim();
  if (lang) body.lang = lang;
  setStatus('exemplars-status', 'Adding…');
  try {
    const result = await api<ExemplarChange>('POST', '/admin/exemplars', body);
    textarea('add-text').value = '';
    setStatus(
      'exemplars-status',
      `Added exemplar ${result.exemplar.id} (${result.exemplar.axis} ${result.exemplar.label}); exemplar set revision ${result.revision}.`,
    );
    await fetchPage();
  } catch (error) {
    setStatus('exemplars-status', describeFailure(error), true);
  }
}

async function saveEdit(item: ExemplarItem): Promise<void> {
  const patch: Record<string, string> = {};
  if (select('edit-label').value !== item.label) patch.label = select('edit-label').value;
  if (input('edit-lang').value.trim() !== item.lang) patch.lang = input('edit-lang').value.trim();
  if (textarea('edit-text').value.trim() !== item.text) patch.text = textarea('edit-text').value.trim();
  byId('exemplar-edit', HTMLDialogElement).close();
  if (!Object.keys(patch).length) {
    setStatus('exemplars-status', 'Nothing changed.');
    return;
  }
  setStatus('exemplars-status', 'Saving…');
  try {
    const result = await api<{ revision: number }>('PATCH', `/admin/exemplars/${encodeURIComponent(item.id)}`, patch);
    await loadExemplars();
    setStatus('exemplars-status', `Saved exemplar ${item.id}; exemplar set revision ${result.revision}.`);
  } catch (error) {
    setStatus('exemplars-status', describeFailure(error), true);
  }
}

async function deleteExemplar(item: ExemplarItem): Promise<void> {
  if (!window.confirm(`Delete exemplar ${item.id} (${item.axis} ${item.label})?\n\n${item.text}`)) return;
  try {
    const result = await api<{ revision: number }>('DELETE', `/admin/exemplars/${encodeURIComponent(item.id)}`);
    await loadExemplars();
    setStatus('exemplars-status', `Deleted exemplar ${item.id}; exemplar set revision ${result.revision}.`);
  } catch (error) {
    setStatus('exemplars-status', describeFailure(error), true);
  }
}

export function startExemplars(): void {
  select('filter-axis').addEventListener('change', () => limitLabels(select('filter-label'), select('filter-axis').value, true));
  select('add-axis').addEventListener('change', () => limitLabels(select('add-label'), select('add-axis').value, false));
  limitLabels(select('add-label'), select('add-axis').value, false);
  byId('exemplar-filter', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    state.offset = 0;
    void loadExemplars();
  });
  byId('page-prev', HTMLButtonElement).addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    void loadExemplars();
  });
  byId('page-next', HTMLButtonElement).addEventListener('click', () => {
    state.offset += PAGE_SIZE;
    void loadExemplars();
  });
  byId('exemplar-add', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void addExemplar();
  });
  byId('edit-cancel', HTMLButtonElement).addEventListener('click', () => byId('exemplar-edit', HTMLDialogElement).close());
  byId('edit-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    if (editing) void saveEdit(editing);
  });
}
