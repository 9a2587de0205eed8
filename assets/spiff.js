// SpiffWorkflow extension elements on bpmn-js business objects: read them, and change them through the
// modeler's command stack (so undo/redo and the lint see every change).
export { restoreDataRefs } from './spiff-refs.js';

const is = (bo, type) => bo && bo.$instanceOf && bo.$instanceOf(type);

export function extensionValues(bo) {
  return (bo.extensionElements && bo.extensionElements.values) || [];
}

export function findExtension(bo, type) {
  return extensionValues(bo).find((v) => is(v, type));
}

export function getProperty(bo, name) {
  const props = findExtension(bo, 'spiffworkflow:Properties');
  const prop = props && (props.properties || []).find((p) => p.name === name);
  return prop ? prop.value || '' : '';
}

export function getBody(bo, type) {
  const node = findExtension(bo, type);
  return node ? node.value || '' : '';
}

function ensureExtensions(element, modeling, moddle) {
  const bo = element.businessObject;
  if (!bo.extensionElements) {
    const ext = moddle.create('bpmn:ExtensionElements', { values: [] });
    modeling.updateProperties(element, { extensionElements: ext });
  }
  return bo.extensionElements;
}

export function setProperty(element, modeling, moddle, name, value) {
  const bo = element.businessObject;
  let props = findExtension(bo, 'spiffworkflow:Properties');
  const current = props && (props.properties || []).find((p) => p.name === name);
  if (!value) {
    if (current) {
      modeling.updateModdleProperties(element, props, {
        properties: props.properties.filter((p) => p !== current),
      });
    }
    return;
  }
  if (current) {
    modeling.updateModdleProperties(element, current, { value });
    return;
  }
  const ext = ensureExtensions(element, modeling, moddle);
  if (!props) {
    props = moddle.create('spiffworkflow:Properties', { properties: [] });
    props.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...ext.values, props] });
  }
  const prop = moddle.create('spiffworkflow:Property', { name, value });
  prop.$parent = props;
  modeling.updateModdleProperties(element, props, { properties: [...(props.properties || []), prop] });
}

export function setBody(element, modeling, moddle, type, value) {
  const bo = element.businessObject;
  const current = findExtension(bo, type);
  if (!value) {
    if (current) {
      const ext = bo.extensionElements;
      modeling.updateModdleProperties(element, ext, { values: ext.values.filter((v) => v !== current) });
    }
    return;
  }
  if (current) {
    modeling.updateModdleProperties(element, current, { value });
    return;
  }
  const ext = ensureExtensions(element, modeling, moddle);
  const node = moddle.create(type, { value });
  node.$parent = ext;
  modeling.updateModdleProperties(element, ext, { values: [...ext.values, node] });
}
