// The diff page: both versions side by side, added/changed/removed elements coloured.
import './viewer.js';

const data = JSON.parse(document.getElementById('diff-data').textContent);

function mark(viewer, ids, marker) {
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  for (const id of ids) if (registry.get(id)) canvas.addMarker(id, marker);
}

(async () => {
  const oldViewer = await window.BpmnpubViewer.create('#diff-old', data.oldXml);
  const newViewer = await window.BpmnpubViewer.create('#diff-new', data.newXml);
  mark(oldViewer, data.removed, 'diff-removed');
  mark(oldViewer, data.changed, 'diff-changed');
  mark(newViewer, data.added, 'diff-added');
  mark(newViewer, data.changed, 'diff-changed');
  window.bpmnpubDiff = { oldViewer, newViewer };
  document.body.dataset.diffReady = 'true';
})();
