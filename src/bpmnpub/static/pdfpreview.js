// A request's PDFs read on the task page itself (templates/tasks/_previews.html), with pdf.js from our own
// static folder (assets/build.mjs copies it from the npm lockfile): the file's bytes are fetched from the
// same access-checked address as the download link, parsed in pdf.js's worker (no eval: isEvalSupported
// false) and one page at a time drawn into a canvas the width of the box, with the page count and
// previous / next. A stored file is served with CSP `sandbox`, and Chromium will not run its own PDF
// viewer in a sandboxed frame: hence this.
//
// Bounded, so a huge or hostile PDF cannot hang the page: files over MAX_BYTES are not previewed (the
// download link stays); opening gives up after OPEN_MS and drawing a page after DRAW_MS (the worker is
// destroyed); a canvas holds at most MAX_PIXELS; images over MAX_IMAGE_PIXELS are skipped; only the
// page shown is drawn. The server does nothing more than serve the file it already serves.

import * as pdfjs from './vendor/pdfjs/pdf.min.js';

const MAX_BYTES = 25 * 1024 * 1024;
const OPEN_MS = 20000;
const DRAW_MS = 15000;
const MAX_PIXELS = 8 * 1024 * 1024;
const MAX_IMAGE_PIXELS = 4096 * 4096;
const vendor = new URL('./vendor/pdfjs/', import.meta.url);

pdfjs.GlobalWorkerOptions.workerSrc = new URL('pdf.worker.min.js', vendor).href;

function within(promise, ms, onTimeout) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error('timeout'));
    }, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// The box's state, said to the page too: the layout around it changed (form.js keeps a field in error in
// sight when it did).
function settle(box, state) {
  box.dataset.state = state;
  box.dispatchEvent(new CustomEvent('pdfpreview:settled', { bubbles: true, detail: { state } }));
}

function say(box, text) {
  const status = box.querySelector('.pdf-status');
  status.textContent = text;
  status.hidden = false;
}

async function open(box) {
  const text = box.dataset;
  const size = Number(text.size || 0);
  if (size > MAX_BYTES) {
    settle(box, 'too-big');
    say(box, text.tooBig);
    return;
  }
  const response = await fetch(text.src, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_BYTES) {
    settle(box, 'too-big');
    say(box, text.tooBig);
    return;
  }
  const task = pdfjs.getDocument({
    data: bytes,
    isEvalSupported: false,
    enableXfa: false,
    disableAutoFetch: true,
    disableStream: true,
    maxImageSize: MAX_IMAGE_PIXELS,
    standardFontDataUrl: new URL('standard_fonts/', vendor).href,
    cMapUrl: new URL('cmaps/', vendor).href,
    cMapPacked: true,
  });
  const doc = await within(task.promise, OPEN_MS, () => task.destroy());
  if (!(doc.numPages >= 1)) {
    // an empty or broken file pdf.js still opens: say so, never "page 1 of 0" (the download link stays)
    settle(box, 'empty');
    box.querySelector('.pdf-canvas').hidden = true;
    say(box, text.empty);
    task.destroy();
    return;
  }
  const canvas = box.querySelector('canvas');
  const counter = box.querySelector('.pdf-page');
  const prev = box.querySelector('.pdf-prev');
  const next = box.querySelector('.pdf-next');
  let shown = 0;
  let drawing = null;

  async function show(number) {
    if (drawing) drawing.cancel();
    shown = number;
    counter.textContent = text.pageOf.replace('{n}', number).replace('{total}', doc.numPages);
    prev.disabled = number <= 1;
    next.disabled = number >= doc.numPages;
    const page = await within(doc.getPage(number), DRAW_MS, () => task.destroy());
    const natural = page.getViewport({ scale: 1 });
    const wanted = (canvas.parentElement.clientWidth || 600) * (window.devicePixelRatio || 1);
    let scale = wanted / natural.width;
    const pixels = natural.width * natural.height * scale * scale;
    if (pixels > MAX_PIXELS) scale *= Math.sqrt(MAX_PIXELS / pixels);
    const viewport = page.getViewport({ scale });
    canvas.width = Math.max(1, Math.floor(viewport.width));
    canvas.height = Math.max(1, Math.floor(viewport.height));
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    drawing = page.render({ canvasContext: context, viewport, background: '#fff' });
    try {
      await within(drawing.promise, DRAW_MS, () => drawing.cancel());
    } finally {
      drawing = null;
      page.cleanup();
    }
    canvas.setAttribute('aria-label', counter.textContent);
    settle(box, 'ready');
    box.dataset.page = String(number);
  }

  prev.addEventListener('click', () => shown > 1 && show(shown - 1).catch((e) => fail(box, e)));
  next.addEventListener('click', () => shown < doc.numPages && show(shown + 1).catch((e) => fail(box, e)));
  box.querySelector('.pdf-tools').hidden = false;
  box.dataset.pages = String(doc.numPages);
  await show(1);
}

function fail(box, error) {
  if (error && error.name === 'RenderingCancelledException') return;
  settle(box, 'failed');
  box.querySelector('.pdf-tools').hidden = true;
  box.querySelector('.pdf-canvas').hidden = true;
  say(box, box.dataset.failed);
  console.warn('PDF preview:', error);
}

// Each box says "loading" from the server (its place kept: app.css) until it settles.
for (const box of document.querySelectorAll('.pdf-preview[data-src]')) {
  open(box).catch((error) => fail(box, error));
}
