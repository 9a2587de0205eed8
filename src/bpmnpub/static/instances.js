// The admin request page and the statistics page: a read-only bpmn-js diagram (the global BpmnJS of
// vendor/bpmn-navigated-viewer.production.min.js) with CSS markers on its elements and small overlays.
// What to draw comes from the server in <script id="diagram-data" type="application/json">.

const source = document.getElementById('diagram-data');
const container = document.getElementById('diagram');

function fill(template, n) {
  return template.replace('{n}', n);
}

function duration(seconds, labels) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 3600) return fill(labels.minutes, Math.round(seconds / 60));
  if (seconds < 86400) return fill(labels.hours, (seconds / 3600).toFixed(1));
  return fill(labels.days, (seconds / 86400).toFixed(1));
}

function overlay(text, className) {
  const el = document.createElement('div');
  el.className = className;
  el.textContent = text;
  return el;
}

function markInstance(viewer, data) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  const marks = data.marks;
  const classes = { completed: 'bp-completed', active: 'bp-active', failed: 'bp-failed', cancelled: 'bp-cancelled' };
  for (const [kind, className] of Object.entries(classes)) {
    for (const id of marks[kind]) {
      if (registry.get(id)) canvas.addMarker(id, className);
    }
  }
  for (const id of marks.flows) {
    if (registry.get(id)) canvas.addMarker(id, 'bp-taken');
  }
  for (const step of data.overlays) {
    if (!registry.get(step.spec_id)) continue;
    let text = duration(step.seconds, data.labels);
    if (step.rounds > 1) text = `${fill(data.labels.rounds, step.rounds)} · ${text}`;
    overlays.add(step.spec_id, 'bp-step', {
      position: { bottom: -4, left: 0 },
      html: overlay(text, step.rounds > 1 ? 'bp-overlay bp-overlay-rounds' : 'bp-overlay'),
    });
  }
}

function markStats(viewer, data) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  const worst = Math.max(0, ...data.stats.map((s) => s.p90 || 0));
  for (const s of data.stats) {
    if (!registry.get(s.spec_id)) continue;
    // Heat from the 90th percentile of time spent: 0 (cool) .. 4 (hot); untouched elements stay plain.
    const level = s.count === 0 ? null : worst > 0 && s.p90 !== null ? Math.min(4, Math.floor((s.p90 / worst) * 4.999)) : 0;
    if (level !== null) canvas.addMarker(s.spec_id, `bp-heat-${level}`);
    let text = fill(data.labels.times, s.count.toLocaleString());
    if (s.median !== null) {
      text += ` · ${data.labels.median} ${duration(s.median, data.labels)} · ${data.labels.p90} ${duration(s.p90, data.labels)}`;
    }
    overlays.add(s.spec_id, 'bp-stat', {
      position: { bottom: -4, left: 0 },
      html: overlay(text, 'bp-overlay'),
    });
  }
}

async function main() {
  if (!source || !container) return;
  const data = JSON.parse(source.textContent);
  try {
    let viewer;
    if (window.BpmnJS) {
      viewer = new window.BpmnJS({ container });
      await viewer.importXML(data.xml);
      viewer.get('canvas').zoom('fit-viewport');
    } else {
      // the set-up's own bundle (assets/viewer.js), when the prebuilt viewer is not copied
      viewer = await window.BpmnpubViewer.create(container, data.xml);
    }
    if (data.marks) markInstance(viewer, data);
    if (data.stats) markStats(viewer, data);
    container.dataset.state = 'ready';
  } catch (error) {
    container.dataset.state = 'failed';
    container.textContent = data.labels.failed;
    console.warn(error);
  }
}

// The viewer script is `defer`red and this module runs after it, in document order.
main();
