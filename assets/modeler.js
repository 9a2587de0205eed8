// The modeler page: bpmn-js with the SpiffWorkflow extensions kept, our properties panel, live lint,
// save draft -> validate -> deploy with the server's problems marked on the diagram.
import Modeler from 'bpmn-js/lib/Modeler';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import lintModule from 'bpmn-js-bpmnlint';
import spiffModdle from './spiffworkflow-moddle.json';
import { restoreDataRefs } from './spiff.js';
import { lintConfig } from './lint.js';
import { createPanel } from './panel.js';
import { createFormEditor } from './form-editor.js';
import { translateModule } from './translate.js';

const config = JSON.parse(document.getElementById('modeler-config').textContent);
const texts = JSON.parse(document.getElementById('modeler-texts').textContent);
const csrf = document.querySelector('meta[name=csrf-token]').content;

function t(key, params = {}, fallback) {
  let text = texts[key] ?? fallback ?? key;
  for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

// bpmn-js speaks English: its palette, context pad and replace menu in Thai on a Thai page (translate.js),
// the lint button's few words from the page's own texts ("djs:" keys, already in the page's language).
const lintWords = Object.fromEntries(
  Object.entries(texts).filter(([key]) => key.startsWith('djs:')).map(([key, text]) => [key.slice(4), text]),
);

const state = {
  roles: config.roles,
  processId: config.processId,
  draftForms: { ...config.forms },
  formTitles: { ...config.formTitles },
  known: new Set(config.knownForms),
  // the newest deployed schema of every form: a deployed form opens pre-filled in the form editor
  deployedSchemas: config.deployedForms,
  formUsers: config.formUsers,
  /** The schema the draft would deploy for `key`: the draft's own edit, else the deployed one. */
  schemaOf(key) {
    return this.draftForms[key] ?? this.deployedSchemas[key];
  },
  isDeployed(key) {
    return Object.hasOwn(this.deployedSchemas, key);
  },
  /** A deployed form changed in this draft: the change goes out with the next deployed version. */
  overridden(key) {
    return this.isDeployed(key) && Object.hasOwn(this.draftForms, key);
  },
  baseVersion: config.baseVersion,
  forms() {
    return [...new Set([...this.known, ...Object.keys(this.draftForms)])].sort();
  },
};

const status = document.getElementById('modeler-status');
const problemList = document.getElementById('modeler-problems');
const lintStatus = document.getElementById('lint-status');

function say(message, kind = 'info') {
  status.textContent = message;
  status.dataset.kind = kind;
}

async function api(name, body) {
  const response = await fetch(config.urls[name], {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
    body: JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (response.ok) return data;
  if (data && data.error) return { error: data.error, status: response.status };
  say(t('serverError', { status: response.status }), 'error');
  return null;
}

// On a phone the diagram is read, not drawn: a palette over a 390 px canvas hides the diagram, and
// nobody models with a thumb. The page says so and keeps the check.
const phone = window.matchMedia('(max-width: 700px)').matches;
document.body.dataset.modelerMode = phone ? 'view' : 'edit';

// No `keyboard.bindTo`: diagram-js 15 binds the keyboard to the canvas itself and logs an error for it.
const modeler = phone
  ? new NavigatedViewer({ container: '#canvas', moddleExtensions: { spiffworkflow: spiffModdle } })
  : new Modeler({
    container: '#canvas',
    moddleExtensions: { spiffworkflow: spiffModdle },
    additionalModules: [lintModule, translateModule(document.documentElement.lang, lintWords)],
    linting: {
      active: true,
      bpmnlint: lintConfig({
        roles: Object.keys(config.roles), forms: () => state.forms(), text: t, minCycle: config.minTimerCycle,
      }),
    },
  });
window.bpmnjs = modeler;

const canvas = modeler.get('canvas');
const elementRegistry = modeler.get('elementRegistry');
let marked = [];

function showProblems(problems) {
  for (const id of marked) if (elementRegistry.get(id)) canvas.removeMarker(id, 'has-problem');
  marked = [];
  problemList.replaceChildren();
  for (const p of problems) {
    const li = document.createElement('li');
    const known = p.element_id && elementRegistry.get(p.element_id);
    if (known) {
      canvas.addMarker(p.element_id, 'has-problem');
      marked.push(p.element_id);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = p.element_id;
      button.addEventListener('click', () => {
        modeler.get('selection').select(known);
        canvas.scrollToElement(known);
      });
      li.append(button, ' ');
    } else if (p.element_id) {
      const code = document.createElement('code');
      code.textContent = p.element_id;
      li.append(code, ' ');
    }
    if (p.line) {
      const line = document.createElement('span');
      line.className = 'meta';
      line.textContent = t('line', { n: p.line });
      li.append(line, ' ');
    }
    li.append(p.message);
    li.dataset.elementId = p.element_id || '';
    problemList.append(li);
  }
  problemList.closest('section').hidden = problems.length === 0;
}

async function payload() {
  const { xml } = await modeler.saveXML({ format: true });
  return { xml, forms: state.draftForms, base_version: state.baseVersion };
}

let dirty = false;
modeler.get('eventBus').on('commandStack.changed', () => {
  dirty = true;
  say(t('unsaved'));
});

async function save() {
  const answer = await api('draft', await payload());
  if (answer && !answer.error) {
    dirty = false;
    say(t('saved'), 'ok');
  } else if (answer) say(answer.error.message, 'error');
  return answer;
}

async function validate() {
  const answer = await api('validate', await payload());
  if (!answer || answer.error) {
    if (answer) say(answer.error.message, 'error');
    return answer;
  }
  showProblems(answer.problems);
  say(answer.problems.length ? t('problems', { n: answer.problems.length }) : t('valid'), answer.problems.length ? 'error' : 'ok');
  return answer;
}

async function deploy(force = false) {
  const body = { ...(await payload()), force };
  const answer = await api('deploy', body);
  if (!answer) return answer;
  if (answer.error) {
    if (answer.status === 422 && Array.isArray(answer.error.details)) {
      const problems = answer.error.details.filter((p) => 'element_id' in p);
      showProblems(problems.length ? problems : answer.error.details.map((p) => ({ element_id: null, message: `${p.field}: ${p.message}` })));
      say(t('notDeployed', { n: answer.error.details.length }), 'error');
    } else if (answer.status === 409) {
      if (window.confirm(t('deployConflict', { latest: answer.error.details.latest_version }))) return deploy(true);
      say(answer.error.message, 'error');
    } else say(answer.error.message, 'error');
    return answer;
  }
  showProblems([]);
  state.baseVersion = answer.version;
  dirty = false;
  say(answer.created ? t('deployed', { version: answer.version }) : t('sameVersion', { version: answer.version }), 'ok');
  return answer;
}

document.getElementById('btn-save').addEventListener('click', save);
document.getElementById('btn-validate').addEventListener('click', validate);
document.getElementById('btn-deploy').addEventListener('click', () => deploy(false));

let panel = null;
let linting = null;
function formsChanged() {
  if (linting) linting.setLinterConfig(linting.getLinterConfig()); // a new form may clear a problem: lint again
  if (panel) panel.render();
  dirty = true;
  say(t('unsaved'));
}
if (!phone) {
  linting = modeler.get('linting');
  const openFormEditor = createFormEditor({
    dialog: document.getElementById('form-editor'),
    state,
    t,
    api,
    onSaved: formsChanged,
  });
  panel = createPanel({
    root: document.getElementById('props'), modeler, state, t, api, openFormEditor, onFormsChanged: formsChanged,
  });
} else {
  for (const id of ['btn-save', 'btn-deploy']) document.getElementById(id).hidden = true;
  document.getElementById('props').closest('section').hidden = true;
  document.getElementById('phone-note').hidden = false;
}

/** Fit the diagram into the part of the canvas nothing covers: right of the palette, above the lint
 * button and the bpmn.io watermark, never larger than 1:1. */
function fitClear() {
  const container = document.getElementById('canvas'); // holds the palette and bpmn.io's watermark
  const box = canvas.getContainer().getBoundingClientRect();
  if (!box.width || !box.height) return;
  const room = { left: 16, top: 16, right: 16, bottom: 16 };
  const palette = container.querySelector('.djs-palette');
  if (palette && palette.offsetParent !== null) room.left = palette.getBoundingClientRect().right - box.left + 20;
  for (const selector of ['.bjsl-button', '.bjs-powered-by']) {
    const el = container.querySelector(selector);
    if (el && el.offsetParent !== null) room.bottom = Math.max(room.bottom, box.bottom - el.getBoundingClientRect().top + 12);
  }
  if (container.querySelector('.bjs-powered-by')) room.bottom = Math.max(room.bottom, 52); // drawn or not yet
  canvas.zoom('fit-viewport');
  const inner = canvas.viewbox().inner;
  if (!inner.width || !inner.height) return;
  const width = box.width - room.left - room.right;
  const height = box.height - room.top - room.bottom;
  // A phone shows the diagram at a size its labels can be read, from its start (drag to see the rest);
  // a desk shows all of it.
  const scale = phone ? Math.min(height / inner.height, 1) : Math.min(width / inner.width, height / inner.height, 1);
  let frame = box;
  const wanted = Math.ceil(inner.height * scale + room.top + room.bottom);
  if (phone && wanted < box.height - 8) { // a low diagram: no empty canvas to scroll past on a phone
    container.style.height = `${wanted}px`;
    container.style.minHeight = '0';
    canvas.resized();
    frame = canvas.getContainer().getBoundingClientRect();
  }
  canvas.viewbox({
    x: inner.x - room.left / scale,
    y: inner.y - room.top / scale,
    width: frame.width / scale,
    height: frame.height / scale,
  });
}

const page = {
  ready: false,
  lintIssues: phone ? {} : null,
  fitClear,
  save,
  validate,
  deploy,
  get dirty() {
    return dirty;
  },
  get draftForms() {
    return state.draftForms;
  },
};
window.bpmnpubModeler = page;

modeler.get('eventBus').on('linting.completed', ({ issues }) => {
  if (!issues) return;
  page.lintIssues = issues;
  const count = Object.values(issues).reduce((n, list) => n + list.filter((i) => i.category === 'error').length, 0);
  lintStatus.dataset.count = String(count);
  lintStatus.textContent = count ? t('lintProblems', { n: count }) : t('lintClear');
  lintStatus.className = count ? 'field-error' : 'meta ok';
});

(async () => {
  try {
    const result = await modeler.importXML(config.xml);
    restoreDataRefs(modeler.get('moddle'), result.warnings);
    fitClear();
    page.importWarnings = result.warnings.map((w) => w.message);
    say(t(phone ? 'openedPhone' : 'opened'));
    if (config.checkOnOpen) await validate(); // an imported draft opens with what to fix
  } catch (err) {
    say(t('importFailed', { message: err.message }), 'error');
  }
  page.ready = true;
  document.body.dataset.modelerReady = 'true';
})();
