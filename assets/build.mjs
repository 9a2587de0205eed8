// Bundles assets/*.js with esbuild and copies bpmn-js's CSS and font into the git-ignored
// src/bpmnpub/static/vendor/ (run by the Makefile after `npm ci`; nothing is loaded from a CDN).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src/bpmnpub/static/vendor');
const modules = join(root, 'node_modules');

mkdirSync(out, { recursive: true });
const started = Date.now();
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { modeler: 'assets/modeler.js', diff: 'assets/diff.js', viewer: 'assets/viewer.js' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  outdir: out,
  legalComments: 'external', // licences of bpmn-js and friends: vendor/*.LEGAL.txt
  logLevel: 'warning',
});
cpSync(join(modules, 'bpmn-js/dist/assets'), out, { recursive: true });
// The stock read-only viewer, for pages that need no SpiffWorkflow extensions (the admin instance page).
cpSync(
  join(modules, 'bpmn-js/dist/bpmn-navigated-viewer.production.min.js'),
  join(out, 'bpmn-navigated-viewer.production.min.js'),
);
cpSync(join(modules, 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css'), join(out, 'bpmn-js-bpmnlint.css'));
// pdf.js for the task page's PDF preview (static/pdfpreview.js): the library and its worker as modules under
// .js names (served as JavaScript), the standard fonts and character maps it fetches from our own origin.
const pdfjs = join(out, 'pdfjs');
mkdirSync(pdfjs, { recursive: true });
cpSync(join(modules, 'pdfjs-dist/build/pdf.min.mjs'), join(pdfjs, 'pdf.min.js'));
cpSync(join(modules, 'pdfjs-dist/build/pdf.worker.min.mjs'), join(pdfjs, 'pdf.worker.min.js'));
cpSync(join(modules, 'pdfjs-dist/standard_fonts'), join(pdfjs, 'standard_fonts'), { recursive: true });
cpSync(join(modules, 'pdfjs-dist/cmaps'), join(pdfjs, 'cmaps'), { recursive: true });
cpSync(join(modules, 'pdfjs-dist/LICENSE'), join(pdfjs, 'LICENSE'));
writeFileSync(join(out, 'README'), 'Built by assets/build.mjs from the npm lockfile; do not edit, do not commit.\n');
console.log(`static/vendor built in ${Date.now() - started} ms`);
