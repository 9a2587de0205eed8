// A small properties panel of our own: only what bpmnpub reads from a diagram.
import { getProperty, getBody, setProperty, setBody } from './spiff.js';

const is = (bo, type) => bo && bo.$instanceOf && bo.$instanceOf(type);
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child);
  }
  return el;
}

function field(id, label, control, ...help) {
  return h('div', { class: 'mp-field' }, h('label', { for: id }, label), control, ...help);
}

export function createPanel({ root, modeler, state, t, api, openFormEditor, onFormsChanged }) {
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  let current = null;
  let conditionTimer = null;

  function render(element) {
    current = element;
    root.replaceChildren();
    if (!element || element.type === 'label') {
      root.append(h('p', { class: 'meta' }, t('selectHint')));
      return;
    }
    const bo = element.businessObject;
    root.append(
      h('h2', {}, t('properties')),
      h('p', { class: 'meta mp-id' }, `${bo.$type.replace('bpmn:', '')} · `, h('code', {}, bo.id)),
    );
    if (is(bo, 'bpmn:Lane')) return renderLane(element, bo);
    if (!is(bo, 'bpmn:Process') && !is(bo, 'bpmn:Collaboration')) {
      root.append(field('mp-name', t('name'), h('input', {
        id: 'mp-name', type: 'text', value: bo.name || '',
        onchange: (e) => modeling.updateProperties(element, { name: e.target.value }),
      })));
    }
    if (is(bo, 'bpmn:UserTask')) renderUserTask(element, bo);
    if (is(bo, 'bpmn:SequenceFlow')) renderFlow(element, bo);
  }

  function renderLane(element, bo) {
    const select = h('select', {
      id: 'mp-role',
      onchange: (e) => modeling.updateProperties(element, { name: e.target.value }),
    });
    const known = Object.keys(state.roles);
    if (!known.includes(bo.name || '')) {
      select.append(h('option', { value: bo.name || '', selected: true }, t('unknownRole', { name: bo.name || '' })));
    }
    for (const [code, label] of Object.entries(state.roles)) {
      select.append(h('option', { value: code, selected: code === bo.name }, `${label} (${code})`));
    }
    root.append(field('mp-role', t('laneRole'), select, h('p', { class: 'meta' }, t('laneHelp'))));
  }

  function renderUserTask(element, bo) {
    const key = getProperty(bo, 'formKey');
    const select = h('select', {
      id: 'mp-form',
      onchange: (e) => setProperty(element, modeling, moddle, 'formKey', e.target.value),
    });
    select.append(h('option', { value: '', selected: !key }, t('chooseForm')));
    const forms = state.forms();
    if (key && !forms.includes(key)) {
      select.append(h('option', { value: key, selected: true }, t('unknownForm', { key })));
    }
    for (const name of forms) {
      const title = state.formTitles[name] && state.formTitles[name] !== name ? ` – ${state.formTitles[name]}` : '';
      select.append(h('option', { value: name, selected: name === key }, `${name}${title}`));
    }
    const formButtons = h('div', { class: 'mp-row' },
      h('button', { type: 'button', id: 'mp-new-form', onclick: () => openFormEditor(null, (newKey) => {
        setProperty(element, modeling, moddle, 'formKey', newKey);
        render(element);
      }) }, t('newForm')),
      key && state.schemaOf(key)
        ? h('button', { type: 'button', id: 'mp-edit-form', class: 'link', onclick: () => openFormEditor(key, () => render(current)) }, t('editForm'))
        : null,
    );
    // A deployed form changed in this draft: say when it applies, and offer the way back.
    const changed = key && state.overridden(key)
      ? h('p', { class: 'note mp-note', id: 'mp-form-changed' }, t('formChanged'), ' ',
        h('button', { type: 'button', class: 'link', id: 'mp-form-revert', onclick: () => {
          delete state.draftForms[key];
          state.formTitles[key] = state.deployedSchemas[key].title || key;
          onFormsChanged();
        } }, t('formRevert')))
      : null;
    root.append(field('mp-form', t('form'), select, formButtons, changed));

    root.append(field('mp-instructions', t('instructions'), h('textarea', {
      id: 'mp-instructions', rows: 4, value: getBody(bo, 'spiffworkflow:InstructionsForEndUser'),
      onchange: (e) => setBody(element, modeling, moddle, 'spiffworkflow:InstructionsForEndUser', e.target.value.trim()),
    })));

    const dueHelp = h('p', { class: 'meta', id: 'mp-due-help' }, t('dueHelp'));
    root.append(field('mp-due', t('due'), h('input', {
      id: 'mp-due', type: 'text', value: getProperty(bo, 'dueIn'), placeholder: 'P3D', 'aria-describedby': 'mp-due-help',
      oninput: (e) => {
        const ok = !e.target.value || ISO_DURATION.test(e.target.value.trim());
        e.target.setAttribute('aria-invalid', ok ? 'false' : 'true');
        dueHelp.textContent = ok ? t('dueHelp') : t('dueBad');
        dueHelp.className = ok ? 'meta' : 'field-error';
      },
      onchange: (e) => {
        const value = e.target.value.trim();
        if (!value || ISO_DURATION.test(value)) setProperty(element, modeling, moddle, 'dueIn', value);
      },
    }), dueHelp));

    // engine/prefill.py: a form starts from its own defaults unless the task names fields to carry over
    root.append(field('mp-carry', t('carryOver'), h('input', {
      id: 'mp-carry', type: 'text', value: getProperty(bo, 'carryOver'), placeholder: 'title, attachments',
      'aria-describedby': 'mp-carry-help',
      onchange: (e) => setProperty(element, modeling, moddle, 'carryOver', e.target.value.trim()),
    }), h('p', { class: 'meta', id: 'mp-carry-help' }, t('carryOverHelp'))));
  }

  function renderFlow(element, bo) {
    const source = bo.sourceRef;
    if (!is(source, 'bpmn:ExclusiveGateway') && !is(source, 'bpmn:InclusiveGateway')) return;
    const gateway = modeler.get('elementRegistry').get(source.id);
    const result = h('p', { class: 'meta', id: 'mp-condition-result', 'aria-live': 'polite' });
    const isDefault = source.default === bo;
    const text = h('textarea', {
      id: 'mp-condition', rows: 3, value: (bo.conditionExpression && bo.conditionExpression.body) || '',
      placeholder: 'decision == "approve"', disabled: isDefault, 'aria-describedby': 'mp-condition-result',
      oninput: (e) => {
        clearTimeout(conditionTimer);
        conditionTimer = setTimeout(() => check(e.target.value, result), 300);
      },
      onchange: (e) => {
        const body = e.target.value.trim();
        modeling.updateProperties(element, {
          conditionExpression: body ? moddle.create('bpmn:FormalExpression', { body }) : undefined,
        });
      },
    });
    root.append(field('mp-condition', t('condition'), text, result));
    root.append(h('label', { class: 'mp-check' }, h('input', {
      type: 'checkbox', id: 'mp-default', checked: isDefault,
      onchange: (e) => {
        modeling.updateProperties(gateway, { default: e.target.checked ? bo : undefined });
        if (e.target.checked && bo.conditionExpression) modeling.updateProperties(element, { conditionExpression: undefined });
        render(current);
      },
    }), ' ', t('defaultFlow')));
    if (!isDefault && text.value) check(text.value, result);
  }

  async function check(source, result) {
    if (!source.trim()) {
      result.textContent = t('conditionEmpty');
      result.className = 'field-error';
      return;
    }
    const answer = await api('expression', { expression: source });
    if (!answer) return;
    result.textContent = answer.ok ? t('conditionOk') : t('conditionBad', { message: answer.message });
    result.className = answer.ok ? 'meta ok' : 'field-error';
  }

  const eventBus = modeler.get('eventBus');
  eventBus.on('selection.changed', (e) => render(e.newSelection.length === 1 ? e.newSelection[0] : null));
  eventBus.on('elements.changed', (e) => {
    // Redraw for changes made elsewhere (undo, the canvas), not under the fingers of someone typing here.
    const active = document.activeElement;
    const typing = root.contains(active) && (active.tagName === 'INPUT' || active.tagName === 'TEXTAREA');
    if (current && e.elements.some((el) => el === current) && !typing) render(current);
  });
  render(null);
  return { render: () => render(current) };
}
