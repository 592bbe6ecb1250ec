// Small DOM helpers: elements built with properties (never HTML strings, so no injection and
// no inline style), and labelled form fields with the server's error shown beside the form.
import { t } from './i18n.js';

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let fieldCounter = 0;

// A labelled input; `options` makes it a select of [value, text] pairs.
export function field(name, label, { type = 'text', value = '', required = false, options,
  placeholder, list, hint } = {}) {
  const id = `f-${name}-${++fieldCounter}`;
  let input;
  if (options) {
    input = h('select', { id, name, required },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  } else {
    input = h('input', { id, name, type, value, required, placeholder, list });
  }
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl);
}

// A search form over `state`: each field shows its state[name]; submitting copies every field's
// value back into state and calls `onsubmit` to show what the filters now select.
export function searchForm(state, fields, submitText, onsubmit, props = {}) {
  const el = h('form', { class: 'search', ...props }, fields,
    h('button', { type: 'submit' }, submitText));
  el.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const [name, value] of new FormData(el)) state[name] = value;
    onsubmit();
  });
  return el;
}

// A form with an error area; `onsubmit` receives the form's values and may throw an ApiError.
export function form(name, fields, submitText, onsubmit, { extra } = {}) {
  const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const resultBox = h('p', { class: 'form-result', role: 'status' });
  const button = h('button', { type: 'submit' }, submitText);
  const el = h('form', { class: 'form', name, novalidate: true }, fields, extra, button, errorBox,
    resultBox);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    resultBox.textContent = '';
    const values = Object.fromEntries(new FormData(el).entries());
    button.disabled = true;
    try {
      const message = await onsubmit(values, el);
      if (message) resultBox.textContent = message;
    } catch (error) {
      showError(errorBox, error);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function showError(box, error) {
  box.hidden = false;
  const where = error.where ? h('strong', { class: 'where' }, `${error.where}: `) : null;
  clear(box, where, error.what || error.message || String(error));
  const owner = box.closest('form');
  if (!owner) return;
  for (const input of owner.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  // The server names fabctl's option (--per-hour, --until, ID): the field of the same name.
  const name = String(error.where || '').replace(/^-+/, '').replace(/-/g, '_').toLowerCase();
  const input = name && owner.querySelector(`[name="${CSS.escape(name)}"]`);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-errormessage', box.id || (box.id = `err-${Math.random().toString(36).slice(2)}`));
  }
}

// A table from rows and [header, cell(row)] columns; empty rows show a note.
export function table(columns, rows, { caption, rowKey } = {}) {
  if (!rows || rows.length === 0) return h('p', { class: 'empty' }, t('common.none'));
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([head]) => h('th', { scope: 'col' }, head)))),
    h('tbody', {}, rows.map((row) => h('tr', rowKey ? { dataset: { key: rowKey(row) } } : {},
      columns.map(([, cell]) => h('td', {}, cell(row))))))));
}

// A titled panel; a table caption repeating the title stays for screen readers only.
export function section(title, ...children) {
  const el = h('section', { class: 'panel' }, h('h2', {}, title), children);
  for (const caption of el.querySelectorAll('caption')) {
    if (caption.textContent === title) caption.classList.add('sr-only');
  }
  return el;
}

// A short notice in the corner, read out by screen readers, gone after a few seconds.
let announceTimer = 0;
export function announce(text) {
  const status = document.getElementById('status');
  status.textContent = text;
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { status.textContent = ''; }, 6000);
}
