// SpiffWorkflow names the collections of a multi-instance task by data variable (loopDataInputRef holds
// `report_group_codes`, not the id of a BPMN element). bpmn-moddle treats those as references, cannot
// resolve them and drops them on export. Put a stand-in back so saveXML writes the same text.
const DATA_REFS = new Set(['loopDataInputRef', 'loopDataOutputRef']);

export function restoreDataRefs(moddle, warnings) {
  let restored = 0;
  for (const warning of warnings || []) {
    const property = String(warning.property || '').replace(/^bpmn:/, '');
    if (!warning.element || !DATA_REFS.has(property) || !warning.value) continue;
    if (warning.element.get(property)) continue;
    warning.element.set(property, moddle.create('bpmn:ItemAwareElement', { id: warning.value }));
    restored += 1;
  }
  return restored;
}
