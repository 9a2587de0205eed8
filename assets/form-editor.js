// The form editor: a JSON Schema in a textarea, checked as deploy checks it, with a live preview drawn
// by the server with the same Jinja macro the inbox uses.
const TEMPLATE = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: '',
  type: 'object',
  properties: {
    comment: { type: 'string', title: 'ความเห็น', 'x-widget': 'textarea', maxLength: 5000 },
  },
};

export function createFormEditor({ dialog, state, t, api, onSaved }) {
  const keyInput = dialog.querySelector('#fe-key');
  const text = dialog.querySelector('#fe-schema');
  const preview = dialog.querySelector('#fe-preview');
  const problems = dialog.querySelector('#fe-problems');
  const useButton = dialog.querySelector('#fe-use');
  const note = dialog.querySelector('#fe-note');
  let timer = null;
  let done = null;
  let lastOk = false;

  function show(list) {
    problems.replaceChildren(...list.map((p) => Object.assign(document.createElement('li'), { textContent: p })));
    problems.hidden = list.length === 0;
  }

  // Editing a deployed form: say that the change goes out with the next deployed version only.
  function showNote(key) {
    note.hidden = !(key && state.isDeployed(key));
    if (note.hidden) return;
    const others = (state.formUsers[key] || []).filter((p) => p !== state.processId);
    note.replaceChildren(Object.assign(document.createElement('strong'), { textContent: t('deployedFormNote') }));
    if (others.length) note.append(' ', t('sharedFormNote', { processes: others.join(', ') }));
  }

  async function refresh() {
    lastOk = false;
    const key = keyInput.value.trim();
    let schema;
    try {
      schema = JSON.parse(text.value);
    } catch (err) {
      show([t('jsonBad', { message: err.message })]);
      text.setAttribute('aria-invalid', 'true');
      return;
    }
    text.setAttribute('aria-invalid', 'false');
    const list = [];
    if (!/^[a-z][a-z0-9_]*$/.test(key)) list.push(t('formKeyBad'));
    else if (keyInput.readOnly === false && state.forms().includes(key) && !state.draftForms[key]) list.push(t('formKeyTaken', { key }));
    const answer = await api('preview', { key: key || 'form', schema });
    if (!answer) return;
    preview.innerHTML = answer.html || '';
    show([...list, ...answer.problems]);
    lastOk = list.length === 0 && answer.problems.length === 0;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  keyInput.addEventListener('input', schedule);
  text.addEventListener('input', schedule);
  dialog.querySelector('#fe-cancel').addEventListener('click', () => dialog.close());
  useButton.addEventListener('click', async () => {
    clearTimeout(timer);
    await refresh();
    if (!lastOk) return;
    const key = keyInput.value.trim();
    const schema = JSON.parse(text.value);
    if (state.isDeployed(key) && JSON.stringify(schema) === JSON.stringify(state.deployedSchemas[key])) {
      delete state.draftForms[key]; // back to the deployed schema: nothing to override
    } else {
      state.draftForms[key] = schema;
    }
    state.formTitles[key] = schema.title || key;
    dialog.close();
    onSaved(key);
    if (done) done(key);
  });

  return function open(key, callback) {
    done = callback;
    keyInput.value = key || '';
    keyInput.readOnly = Boolean(key);
    const schema = key ? state.schemaOf(key) : TEMPLATE;
    text.value = JSON.stringify(schema, null, 2);
    showNote(key);
    preview.replaceChildren();
    show([]);
    dialog.showModal();
    (key ? text : keyInput).focus();
    refresh();
  };
}
