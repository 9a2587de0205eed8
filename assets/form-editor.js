// The form editor: the form's fields in order, each with its Thai label, kind, required, options or the
// office's list it chooses from, rows of a table as fields of their own; moved up and down, added and
// removed. The JSON Schema behind an "advanced" switch, kept in step both ways (assets/form-model.js).
// Checked as deploy checks it, with a live preview drawn by the server with the task page's own macro and
// the office's real lists.
import {
  KINDS, move, newField, optionsOf, problemsOf, rename, setKind, setOptions, setRequired,
  setSource, sourceOf, toModel, toSchema,
} from './form-model.js';

const TEMPLATE = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: '',
  type: 'object',
  properties: {
    comment: { type: 'string', title: 'ความเห็น', 'x-widget': 'textarea', maxLength: 5000 },
  },
};
const SOURCES = ['categories', 'groups', 'users', 'roles', 'ita_items'];

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

const idOf = (path) => `fe-f-${path.replace(/\./g, '-')}`;

export function createFormEditor({ dialog, state, t, api, onSaved }) {
  const keyInput = dialog.querySelector('#fe-key');
  const titleInput = dialog.querySelector('#fe-form-title');
  const list = dialog.querySelector('#fe-fields');
  const text = dialog.querySelector('#fe-schema');
  const jsonBox = dialog.querySelector('#fe-json');
  const advanced = dialog.querySelector('#fe-advanced');
  const preview = dialog.querySelector('#fe-preview');
  const problems = dialog.querySelector('#fe-problems');
  const useButton = dialog.querySelector('#fe-use');
  const note = dialog.querySelector('#fe-note');
  let model = toModel(TEMPLATE);
  let jsonBroken = null; // the parse error of the advanced text, while it does not parse
  let timer = null;
  let done = null;
  let lastOk = false;

  function show(items) {
    problems.replaceChildren(...items.map((p) => h('li', {}, p)));
    problems.hidden = items.length === 0;
  }

  // Editing a deployed form: say that the change goes out with the next deployed version only.
  function showNote(key) {
    note.hidden = !(key && state.isDeployed(key));
    if (note.hidden) return;
    const others = (state.formUsers[key] || []).filter((p) => p !== state.processId);
    note.replaceChildren(h('strong', {}, t('deployedFormNote')));
    if (others.length) note.append(' ', t('sharedFormNote', { processes: others.join(', ') }));
  }

  function schema() {
    return toSchema(model);
  }

  /** The visual editor changed the model: the JSON follows, the preview follows. */
  function changed({ redraw = false } = {}) {
    if (redraw) draw();
    text.value = JSON.stringify(schema(), null, 2);
    jsonBroken = null;
    text.setAttribute('aria-invalid', 'false');
    schedule();
  }

  // --- the field list ------------------------------------------------------------------------------

  function draw(focus) {
    list.replaceChildren(drawFields(model.fields, ''));
    titleInput.value = model.schema.title || '';
    if (focus) {
      const el = dialog.querySelector(focus);
      if (el) el.focus();
    }
  }

  function drawFields(fields, prefix) {
    const box = h('ol', { class: 'fe-list' });
    fields.forEach((field, index) => box.append(drawField(fields, field, index, prefix)));
    if (!fields.length) box.append(h('li', { class: 'meta fe-empty' }, t('feNoFields')));
    return box;
  }

  function drawField(fields, field, index, prefix) {
    const path = prefix + field.name;
    const id = idOf(path);
    const legend = h('span', { class: 'fe-legend-text' }, field.prop.title || field.name);
    const kindSelect = h('select', {
      id: `${id}-kind`,
      onchange: (e) => {
        setKind(field, e.target.value);
        changed({ redraw: true });
        draw(`#${id}-kind`);
      },
    });
    const kinds = field.kind === 'other' ? ['other', ...Object.keys(KINDS)] : Object.keys(KINDS);
    for (const kind of kinds) kindSelect.append(h('option', { value: kind, selected: kind === field.kind }, t(`feKind:${kind}`)));
    const item = h('li', { class: 'fe-field', id, 'data-name': field.name },
      h('div', { class: 'fe-field-head' },
        h('span', { class: 'fe-num', 'aria-hidden': 'true' }, String(index + 1)),
        legend,
        h('span', { class: 'fe-tools' },
          h('button', {
            type: 'button', class: 'fe-up', disabled: index === 0, 'aria-label': t('feUp', { name: field.prop.title || field.name }),
            onclick: () => { if (move(fields, index, -1)) { changed({ redraw: true }); draw(`#${idOf(path)} .fe-up:not([disabled]), #${idOf(path)} .fe-down`); } },
          }, '↑'),
          h('button', {
            type: 'button', class: 'fe-down', disabled: index === fields.length - 1, 'aria-label': t('feDown', { name: field.prop.title || field.name }),
            onclick: () => { if (move(fields, index, 1)) { changed({ redraw: true }); draw(`#${idOf(path)} .fe-down:not([disabled]), #${idOf(path)} .fe-up`); } },
          }, '↓'),
          h('button', {
            type: 'button', class: 'fe-remove link', 'aria-label': t('feRemove', { name: field.prop.title || field.name }),
            onclick: () => { fields.splice(index, 1); changed({ redraw: true }); },
          }, t('feRemoveShort')),
        ),
      ),
      h('div', { class: 'fe-grid' },
        h('label', { for: `${id}-title` }, t('feFieldTitle')),
        h('input', {
          id: `${id}-title`, type: 'text', class: 'fe-title', value: field.prop.title || '',
          oninput: (e) => {
            field.prop.title = e.target.value;
            legend.textContent = e.target.value || field.name;
            changed();
          },
        }),
        h('label', { for: `${id}-name` }, t('feFieldName')),
        h('input', {
          id: `${id}-name`, type: 'text', class: 'fe-name', value: field.name, spellcheck: 'false', autocomplete: 'off',
          onchange: (e) => {
            const name = e.target.value.trim();
            rename(model, fields, field, name);
            changed({ redraw: true });
          },
        }),
        h('label', { for: `${id}-kind` }, t('feFieldKind')),
        kindSelect,
      ),
      h('label', { class: 'mp-check fe-required-label' },
        h('input', {
          type: 'checkbox', id: `${id}-required`, class: 'fe-required', checked: field.required,
          onchange: (e) => { setRequired(field, e.target.checked); changed(); },
        }), ' ', t('feRequired')),
      (field.kind === 'source' || field.kind === 'sources') ? drawSource(field, id) : null,
      (field.kind === 'choice' || field.kind === 'multi') ? drawOptions(field, id) : null,
      field.kind === 'other' ? h('p', { class: 'meta' }, t('feOtherHelp')) : null,
      field.kind === 'rows' ? drawRows(field, path, id) : null,
      h('p', { class: 'field-error fe-field-problems', id: `${id}-problems`, 'aria-live': 'polite' }),
    );
    return item;
  }

  function drawSource(field, id) {
    const select = h('select', {
      id: `${id}-source`,
      onchange: (e) => { setSource(field, e.target.value); changed(); },
    });
    const current = sourceOf(field);
    if (current && !SOURCES.includes(current)) select.append(h('option', { value: current, selected: true }, current));
    for (const source of SOURCES) select.append(h('option', { value: source, selected: source === current }, t(`feSource:${source}`)));
    return h('div', { class: 'fe-grid' }, h('label', { for: `${id}-source` }, t('feSource')), select);
  }

  function drawOptions(field, id) {
    const options = optionsOf(field);
    const rows = h('ol', { class: 'fe-options' });
    options.forEach((option, n) => {
      const update = () => { setOptions(field, options); changed(); };
      rows.append(h('li', { class: 'fe-option' },
        h('input', {
          type: 'text', class: 'fe-option-title', value: option.title, 'aria-label': t('feOptionTitle', { n: n + 1 }),
          placeholder: t('feOptionTitlePlaceholder'),
          oninput: (e) => { option.title = e.target.value; update(); },
        }),
        h('input', {
          type: 'text', class: 'fe-option-code', value: String(option.const), 'aria-label': t('feOptionCodeLabel', { n: n + 1 }),
          spellcheck: 'false', autocomplete: 'off',
          oninput: (e) => { option.const = e.target.value.trim(); update(); },
        }),
        h('button', {
          type: 'button', class: 'link', 'aria-label': t('feOptionRemove', { n: n + 1 }),
          onclick: () => { options.splice(n, 1); setOptions(field, options); changed({ redraw: true }); },
        }, '✕'),
      ));
    });
    const add = h('button', {
      type: 'button', id: `${id}-add-option`, class: 'fe-add-option',
      onclick: () => {
        let n = options.length + 1;
        while (options.some((o) => o.const === `option_${n}`)) n += 1;
        options.push({ const: `option_${n}`, title: '' });
        setOptions(field, options);
        changed({ redraw: true });
        const inputs = dialog.querySelectorAll(`#${id} .fe-option-title`);
        if (inputs.length) inputs[inputs.length - 1].focus();
      },
    }, t('feAddOption'));
    return h('div', { class: 'fe-options-box' },
      h('p', { class: 'fe-sub' }, t('feOptions'), ' ', h('span', { class: 'meta' }, t('feOptionsHelp'))), rows, add);
  }

  function drawRows(field, path, id) {
    return h('div', { class: 'fe-rows' },
      h('p', { class: 'fe-sub' }, t('feRowFields')),
      drawFields(field.fields, `${path}.`),
      h('button', {
        type: 'button', class: 'fe-add-sub', id: `${id}-add`,
        onclick: () => {
          field.fields.push(newField(field.fields, 'text'));
          changed({ redraw: true });
          const titles = dialog.querySelectorAll(`#${id} .fe-rows .fe-title`);
          if (titles.length) titles[titles.length - 1].focus();
        },
      }, t('feAddRowField')));
  }

  // --- JSON, checks, preview ------------------------------------------------------------------------

  function readJson() {
    try {
      const parsed = JSON.parse(text.value);
      model = toModel(parsed);
      jsonBroken = null;
      text.setAttribute('aria-invalid', 'false');
      draw();
      schedule();
    } catch (err) {
      jsonBroken = err.message;
      text.setAttribute('aria-invalid', 'true');
      show([t('jsonBad', { message: err.message })]);
    }
  }

  function fieldProblems() {
    for (const el of dialog.querySelectorAll('.fe-field-problems')) el.textContent = '';
    const found = problemsOf(model.fields, t);
    for (const p of found) {
      const el = dialog.querySelector(`#${idOf(p.path)}-problems`);
      if (el) el.textContent = el.textContent ? `${el.textContent} · ${p.message}` : p.message;
    }
    return found.map((p) => `${titleAt(p.path)}: ${p.message}`);
  }

  function titleAt(path) {
    let fields = model.fields;
    const words = [];
    for (const name of path.split('.')) {
      const field = fields.find((f) => f.name === name);
      if (!field) break;
      words.push(field.prop.title || field.name);
      fields = field.fields || [];
    }
    return words.join(' › ') || path;
  }

  async function refresh() {
    lastOk = false;
    if (jsonBroken) {
      show([t('jsonBad', { message: jsonBroken })]);
      return;
    }
    const key = keyInput.value.trim();
    const list = [];
    if (!/^[a-z][a-z0-9_]*$/.test(key)) list.push(t('formKeyBad'));
    else if (keyInput.readOnly === false && state.forms().includes(key) && !state.draftForms[key]) list.push(t('formKeyTaken', { key }));
    if (!String(model.schema.title || '').trim()) list.push(t('feFormTitleMissing'));
    const own = fieldProblems();
    list.push(...own);
    const answer = await api('preview', { key: key || 'form', schema: schema(), process_id: state.processId });
    if (!answer) return;
    preview.innerHTML = answer.html || '';
    // the server's check (the one deploy runs), each problem on its field unless the editor said it already
    const seen = new Set(problemsOf(model.fields, t).map((p) => p.path));
    const server = [...(answer.form_problems || [])];
    for (const p of answer.field_problems || []) {
      if (seen.has(p.field)) continue;
      server.push(p.text);
      const el = dialog.querySelector(`#${idOf(p.field)}-problems`);
      if (el) el.textContent = el.textContent ? `${el.textContent} · ${p.message}` : p.message;
    }
    show([...list, ...server]);
    lastOk = list.length === 0 && (answer.problems || []).length === 0;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  keyInput.addEventListener('input', schedule);
  titleInput.addEventListener('input', () => {
    model.schema = { ...model.schema, title: titleInput.value };
    changed();
  });
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(readJson, 250);
  });
  advanced.addEventListener('change', () => {
    if (!advanced.checked && jsonBroken) {
      advanced.checked = true; // the text does not parse: leaving it would lose the edit
      show([t('jsonBad', { message: jsonBroken }), t('feFixJsonFirst')]);
      return;
    }
    jsonBox.hidden = !advanced.checked;
  });
  dialog.querySelector('#fe-add').addEventListener('click', () => {
    model.fields.push(newField(model.fields, 'text'));
    changed({ redraw: true });
    const titles = list.querySelectorAll(':scope > ol > li > .fe-grid .fe-title');
    if (titles.length) titles[titles.length - 1].focus();
  });
  dialog.querySelector('#fe-cancel').addEventListener('click', () => dialog.close());
  useButton.addEventListener('click', async () => {
    clearTimeout(timer);
    if (!jsonBroken && advanced.checked) readJson();
    await refresh();
    if (!lastOk) {
      problems.setAttribute('tabindex', '-1');
      problems.focus();
      return; // the edit stays as it is, with what to fix
    }
    const key = keyInput.value.trim();
    const made = schema();
    if (state.isDeployed(key) && JSON.stringify(made) === JSON.stringify(state.deployedSchemas[key])) {
      delete state.draftForms[key]; // back to the deployed schema: nothing to override
    } else {
      state.draftForms[key] = made;
    }
    state.formTitles[key] = made.title || key;
    dialog.close();
    onSaved(key);
    if (done) done(key);
  });

  return function open(key, callback) {
    done = callback;
    keyInput.value = key || '';
    keyInput.readOnly = Boolean(key);
    const source = key ? state.schemaOf(key) : TEMPLATE;
    model = toModel(JSON.parse(JSON.stringify(source)));
    text.value = JSON.stringify(source, null, 2);
    jsonBroken = null;
    advanced.checked = false;
    jsonBox.hidden = true;
    showNote(key);
    preview.replaceChildren();
    show([]);
    draw();
    dialog.showModal();
    (key ? titleInput : keyInput).focus();
    refresh();
  };
}

