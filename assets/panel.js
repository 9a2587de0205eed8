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

/** {unit, amount, text} of a task's due time as the panel shows it. */
export function readDue(dueIn, workdays) {
  const wd = /^(\d{1,4})(WD)?$/i.exec((workdays || '').trim());
  if (wd) return { unit: 'workdays', amount: String(Number(wd[1])), text: '' };
  const text = (dueIn || '').trim();
  const simple = [['days', /^P(\d+)D$/], ['hours', /^PT(\d+)H$/], ['weeks', /^P(\d+)W$/], ['months', /^P(\d+)M$/]];
  for (const [unit, pattern] of simple) {
    const m = pattern.exec(text);
    if (m) return { unit, amount: m[1], text };
  }
  return text ? { unit: 'iso', amount: '', text } : { unit: 'workdays', amount: '', text: '' };
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
      const rootElement = modeler.get('canvas').getRootElement();
      const rootBo = rootElement && rootElement.businessObject;
      if (is(rootBo, 'bpmn:Process')) renderProcess(rootElement, rootBo);
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
    if (is(bo, 'bpmn:Participant')) renderProcess(element, bo);
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

    root.append(dueField(element, bo));
    root.append(field('mp-due-from', t('dueFrom'), h('input', {
      id: 'mp-due-from', type: 'text', value: getProperty(bo, 'dueFrom'), placeholder: 'activity_date',
      'aria-describedby': 'mp-due-from-help',
      onchange: (e) => setProperty(element, modeling, moddle, 'dueFrom', e.target.value.trim()),
    }), h('p', { class: 'meta', id: 'mp-due-from-help' }, t('dueFromHelp'))));

    // engine/prefill.py: a form starts from its own defaults unless the task names fields to carry over
    root.append(field('mp-carry', t('carryOver'), h('input', {
      id: 'mp-carry', type: 'text', value: getProperty(bo, 'carryOver'), placeholder: 'title, attachments',
      'aria-describedby': 'mp-carry-help',
      onchange: (e) => setProperty(element, modeling, moddle, 'carryOver', e.target.value.trim()),
    }), h('p', { class: 'meta', id: 'mp-carry-help' }, t('carryOverHelp'))));
  }

  // A due time chosen as "3 วันทำการ": working days (engine/workdays.py: weekends, Thai holidays and
  // closure days skipped, due 16:30) write dueInWorkingDays; days, hours, weeks and months write an ISO
  // 8601 dueIn; anything else an ISO text typed as it is.
  function dueField(element, bo) {
    const due = readDue(getProperty(bo, 'dueIn'), getProperty(bo, 'dueInWorkingDays'));
    const help = h('p', { class: 'meta', id: 'mp-due-help' }, t(due.unit === 'workdays' ? 'workdaysHelp' : 'dueUnitHelp'));
    const amount = h('input', {
      id: 'mp-due-amount', type: 'number', min: '1', max: '3650', step: '1', inputmode: 'numeric',
      value: due.amount, placeholder: '3', 'aria-describedby': 'mp-due-help', hidden: due.unit === 'iso',
    });
    const unit = h('select', { id: 'mp-due-unit', 'aria-label': t('dueUnit') });
    for (const code of ['workdays', 'days', 'hours', 'weeks', 'months', 'iso']) {
      unit.append(h('option', { value: code, selected: code === due.unit }, t(`dueUnit:${code}`)));
    }
    const iso = h('input', {
      id: 'mp-due', type: 'text', value: due.unit === 'iso' ? due.text : '', placeholder: 'P1DT4H',
      'aria-label': t('dueIso'), 'aria-describedby': 'mp-due-help', hidden: due.unit !== 'iso', spellcheck: 'false',
    });
    function bad(message) {
      help.textContent = message;
      help.className = 'field-error';
      (unit.value === 'iso' ? iso : amount).setAttribute('aria-invalid', 'true');
    }
    function write() {
      amount.hidden = unit.value === 'iso';
      iso.hidden = unit.value !== 'iso';
      amount.setAttribute('aria-invalid', 'false');
      iso.setAttribute('aria-invalid', 'false');
      help.className = 'meta';
      help.textContent = t(unit.value === 'workdays' ? 'workdaysHelp' : 'dueUnitHelp');
      let dueIn = '';
      let workdays = '';
      if (unit.value === 'iso') {
        dueIn = iso.value.trim();
        if (dueIn && !ISO_DURATION.test(dueIn)) return bad(t('dueBad'));
      } else {
        const text = amount.value.trim();
        if (text && !/^\d{1,4}$/.test(text)) return bad(t('workdaysBad'));
        const n = Number(text);
        if (text && (n < 1 || n > 3650)) return bad(t('dueRange'));
        if (text) {
          if (unit.value === 'workdays') workdays = String(n);
          else dueIn = { days: `P${n}D`, hours: `PT${n}H`, weeks: `P${n}W`, months: `P${n}M` }[unit.value];
        }
      }
      setProperty(element, modeling, moddle, 'dueInWorkingDays', workdays);
      setProperty(element, modeling, moddle, 'dueIn', dueIn);
      return true;
    }
    amount.addEventListener('input', () => {
      const text = amount.value.trim();
      const ok = !text || /^\d{1,4}$/.test(text);
      amount.setAttribute('aria-invalid', ok ? 'false' : 'true');
      if (!ok) bad(t('workdaysBad'));
    });
    amount.addEventListener('change', write);
    unit.addEventListener('change', () => {
      if (unit.value === 'iso' && !iso.value) iso.value = getProperty(bo, 'dueIn');
      write();
    });
    iso.addEventListener('change', write);
    return field('mp-due-amount', t('due'), h('div', { class: 'mp-row mp-due' }, amount, unit, iso), help);
  }

  // The process (nothing selected, or a pool): its name and whether it may run. Diagrams from other tools
  // say isExecutable="false"; deploying needs it true.
  function renderProcess(element, bo) {
    const process = is(bo, 'bpmn:Participant') ? bo.processRef : bo;
    if (!process) return;
    root.append(h('p', { class: 'meta mp-id' }, `Process · `, h('code', {}, process.id)));
    root.append(h('label', { class: 'mp-check' }, h('input', {
      type: 'checkbox', id: 'mp-executable', checked: process.isExecutable === true,
      onchange: (e) => {
        const target = is(bo, 'bpmn:Participant') ? element : modeler.get('canvas').getRootElement();
        modeling.updateModdleProperties(target, process, { isExecutable: e.target.checked });
      },
    }), ' ', t('executable')));
    root.append(h('p', { class: 'meta' }, t('executableHelp')));
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
