// A read-only diagram with the SpiffWorkflow extensions understood: window.BpmnpubViewer.create(selector, xml)
// resolves to the bpmn-js NavigatedViewer (use its canvas to add markers).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import spiffModdle from './spiffworkflow-moddle.json';

async function create(container, xml) {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { spiffworkflow: spiffModdle } });
  await viewer.importXML(xml);
  viewer.get('canvas').zoom('fit-viewport');
  return viewer;
}

window.BpmnpubViewer = { create };
