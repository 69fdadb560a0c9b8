package main

// The pages both sides run in Chromium. Each is what a user would write:
// load the model, run it on an input, show the output. Both leave
// window.__bench = {ttfi, out} (ttfi: performance.now() when the first
// inference resolved, from navigation start) and window.__predict(x), a
// call from the page through the side's Web Worker and back. The input
// is the bench's generator ((i % 7) + 1) / 7, the same on every side.

// pwAppJS replaces the imported project's web/app.js: pwagen's loader
// (its Web Worker, the SIMD kernels, the weights in IndexedDB, the
// package's service worker).
const pwAppJS = `import { loadModel } from './pwagen.js';
const b = window.__bench = {};
(async () => {
  try {
    const m = await loadModel();
    b.settled = false; // until the offline copy is complete: the start-up work after the first inference is done
    m.offlineReady.catch(() => {}).finally(() => { b.settled = true; });
    const x = Float32Array.from({ length: INPUT_LEN }, (_, i) => ((i % 7) + 1) / 7);
    const out = await m.predict(x.slice());
    b.ttfi = performance.now();
    b.out = Array.from(out);
    b.variant = m.info.variant;
    b.info = m.info;
    if (b.info.stages) b.info.stages.firstInference = Math.round(b.ttfi);
    window.__input = x;
    window.__predict = (v) => m.predict(v.slice());
  } catch (e) {
    b.error = String((e && e.stack) || e);
  }
})();
`

// ortIndexHTML, ortAppJS, ortWorkerJS and ortSWJS are the ONNX Runtime
// Web page: ort.wasm.min.mjs (the wasm execution provider alone, the
// smallest build that has it) in a module Web Worker, numThreads from
// ?threads= (1 unless given), and the simplest Cache API service worker:
// cache first, everything it sees cached on first use.
const ortIndexHTML = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>ONNX Runtime Web</title>
<script type="module" src="app.js"></script>
<p id="status">loading</p>
`

const ortAppJS = `const b = window.__bench = {};
if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js');
const threads = Number(new URLSearchParams(location.search).get('threads') || 1);
const worker = new Worker('worker.js', { type: 'module' });
let seq = 0;
const pending = new Map();
worker.onmessage = (e) => { const p = pending.get(e.data.id); pending.delete(e.data.id); e.data.error ? p.reject(new Error(e.data.error)) : p.resolve(e.data); };
const call = (msg, transfer) => new Promise((resolve, reject) => { const id = ++seq; pending.set(id, { resolve, reject }); worker.postMessage({ ...msg, id }, transfer || []); });
(async () => {
  try {
    const t0 = performance.now();
    const { inputLen } = await call({ type: 'init', model: 'model.onnx', dims: DIMS, threads });
    b.info = { initStart: t0, initMs: performance.now() - t0 };
    const x = Float32Array.from({ length: inputLen }, (_, i) => ((i % 7) + 1) / 7);
    window.__predict = async (v) => { const c = v.slice(); return (await call({ type: 'run', data: c }, [c.buffer])).out; };
    const out = await window.__predict(x);
    b.ttfi = performance.now();
    b.out = Array.from(out);
    window.__input = x;
    document.getElementById('status').textContent = 'ready';
  } catch (e) {
    b.error = String((e && e.stack) || e);
  }
})();
`

const ortWorkerJS = `import * as ort from './ort/ort.wasm.min.mjs';
let session, dims;
onmessage = async (e) => {
  const m = e.data;
  try {
    if (m.type === 'init') {
      ort.env.wasm.numThreads = m.threads;
      session = await ort.InferenceSession.create(m.model, { executionProviders: ['wasm'] });
      dims = m.dims;
      postMessage({ id: m.id, inputLen: dims.reduce((a, b) => a * b, 1) });
      return;
    }
    const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', m.data, dims) });
    const out = r[session.outputNames[0]].data;
    postMessage({ id: m.id, out }, [out.buffer]);
  } catch (err) {
    postMessage({ id: m.id, error: String((err && err.stack) || err) });
  }
};
`

const ortSWJS = `const CACHE = 'ort-bench-v1';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (e.request.method !== 'GET') return;
  e.respondWith(caches.match(e.request, { ignoreSearch: true }).then((hit) => hit || fetch(e.request).then((res) => {
    if (res.ok) { const copy = res.clone(); caches.open(CACHE).then((c) => c.put(e.request, copy)); }
    return res;
  })));
});
`

// benchDoneJS is truthy when a page's first inference resolved or failed.
const benchDoneJS = `window.__bench && (window.__bench.error || window.__bench.ttfi)`
const benchStateJS = `JSON.stringify(window.__bench || null).slice(0, 400)`

// timeCallsJS times window.__predict per call: warm up for warmMs, then
// up to runs calls or maxMs, whichever ends first; ms per call.
const timeCallsJS = `(async (warmMs, runs, maxMs) => {
  const x = window.__input;
  for (const t0 = performance.now(); performance.now() - t0 < warmMs;) await window.__predict(x);
  const ms = [];
  for (const t0 = performance.now(); ms.length < runs && (ms.length < 10 || performance.now() - t0 < maxMs);) {
    const a = performance.now();
    await window.__predict(x);
    ms.push(performance.now() - a);
  }
  return ms;
})`

// memoryJS is Chromium's own accounting of the page and its workers
// (cross-origin isolated pages only), in bytes, or -1 when the browser
// does not answer within 30 s.
const memoryJS = `(async () => {
  if (!self.crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return -2;
  const r = await Promise.race([performance.measureUserAgentSpecificMemory(), new Promise((res) => setTimeout(() => res(null), 30000))]);
  return r ? r.bytes : -1;
})()`
