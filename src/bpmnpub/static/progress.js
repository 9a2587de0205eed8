// The request page's diagram (templates/requests/_progress.html): the procedure as drawn, each lane named
// by its role in the reader's language instead of its role code, the steps done and the current step
// marked (the admins' marks, instances.css), drawn at a size where the labels can be read. When the
// diagram is wider than the screen it keeps that size and scrolls sideways (a phone), opened on the
// current step. What to draw comes from <script id="progress-data" type="application/json">.

const source = document.getElementById('progress-data');
const scroller = document.getElementById('progress-scroll');
const container = document.getElementById('progress-diagram');
const READABLE = 0.8; // the smallest scale at which a task's 12 px label stays legible

function withRoleNames(xml, lanes) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return xml;
  const all = doc.getElementsByTagNameNS('http://www.omg.org/spec/BPMN/20100524/MODEL', 'lane');
  for (const lane of Array.from(all)) {
    const name = lanes[lane.getAttribute('id')];
    if (name) lane.setAttribute('name', name);
  }
  return new XMLSerializer().serializeToString(doc);
}

function mark(viewer, marks) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const classes = { completed: 'bp-completed', active: 'bp-active', failed: 'bp-failed', cancelled: 'bp-cancelled' };
  for (const [kind, className] of Object.entries(classes)) {
    for (const id of marks[kind]) if (registry.get(id)) canvas.addMarker(id, className);
  }
  for (const id of marks.flows) if (registry.get(id)) canvas.addMarker(id, 'bp-taken');
}

function readable(viewer, active) {
  const canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport');
  const box = canvas.viewbox();
  if (box.scale >= READABLE) return;
  // Too small to read: give the drawing the room it needs and let the page scroll it.
  const width = Math.ceil(box.inner.width * READABLE) + 40;
  const height = Math.ceil(box.inner.height * READABLE) + 40;
  container.style.width = `${width}px`;
  container.style.height = `${height}px`;
  canvas.resized();
  canvas.zoom('fit-viewport');
  const registry = viewer.get('elementRegistry');
  const current = active.map((id) => registry.get(id)).find(Boolean);
  if (current && scroller) {
    const scale = canvas.viewbox().scale;
    const x = (current.x - canvas.viewbox().x) * scale;
    const right = x + current.width * scale;
    // the lanes' names are at the left edge: keep them in view when the current step fits beside them
    scroller.scrollLeft = right + 16 <= scroller.clientWidth ? 0 : Math.max(0, x - scroller.clientWidth / 3);
  }
}

// On a phone the drawing scrolls sideways and the lanes' own names (at its left edge) leave the view: each
// lane's Thai name is repeated in a label that stays at the left of the scroller, at the lane's height.
function stickyLaneLabels(viewer, lanes) {
  if (!scroller || scroller.scrollWidth <= scroller.clientWidth + 1) return;
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  const column = document.createElement('div');
  column.className = 'lane-labels';
  column.setAttribute('aria-hidden', 'true'); // the lanes' names are in the drawing and the step list
  const top = container.getBoundingClientRect().top;
  for (const lane of registry.filter((e) => e.type === 'bpmn:Lane')) {
    const name = lanes[lane.id];
    const gfx = canvas.getGraphics(lane);
    if (!name || !gfx) continue;
    const box = gfx.getBoundingClientRect();
    const label = document.createElement('span');
    label.className = 'lane-label';
    label.textContent = name;
    label.style.top = `${Math.round(box.top - top + 4)}px`;
    label.style.maxHeight = `${Math.max(24, Math.round(box.height - 8))}px`;
    column.appendChild(label);
  }
  // sticky needs a parent as wide as the drawing (the scroller itself is only as wide as the screen)
  const track = document.createElement('div');
  track.className = 'progress-track';
  scroller.insertBefore(track, container);
  track.append(column, container);
}

async function main() {
  if (!source || !container) return;
  const data = JSON.parse(source.textContent);
  try {
    const xml = withRoleNames(data.xml, data.lanes);
    let viewer;
    if (window.BpmnJS) {
      viewer = new window.BpmnJS({ container });
      await viewer.importXML(xml);
    } else {
      viewer = await window.BpmnpubViewer.create(container, xml);
    }
    mark(viewer, data.marks);
    readable(viewer, data.marks.active);
    stickyLaneLabels(viewer, data.lanes);
    container.dataset.state = 'ready';
  } catch (error) {
    container.dataset.state = 'failed';
    container.textContent = data.labels.failed;
    console.warn(error);
  }
}

main();
