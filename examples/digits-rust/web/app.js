// The digit reader's page: a drawing pad, MNIST-style preprocessing and ten
// probability bars. pwagen.js is the loader that `pwagen package` writes
// beside this file: it downloads, verifies and caches the model, runs it in a
// Web Worker and resolves predict() with a Float32Array.
import { loadModel } from './pwagen.js';

/** Side of the model's input image, in pixels. */
export const SIDE = 28;

/**
 * Turns a drawing into the model's input the way MNIST's digits were made:
 * the ink's bounding box is scaled to fit 20×20 pixels, keeping its aspect
 * ratio, by averaging the area each new pixel covers (anti-aliasing), then
 * placed in a 28×28 image so that its centre of mass is at the centre
 * (14, 14), rounded to whole pixels.
 *
 * @param {Uint8ClampedArray|Uint8Array} rgba pixels, 4 bytes each; only alpha counts as ink
 * @param {number} width
 * @param {number} height
 * @returns {Float32Array|null} 784 values, 0 paper to 1 ink, row by row; null if nothing is drawn
 */
export function preprocess(rgba, width, height) {
  // 1. The bounding box of the ink.
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[(y * width + x) * 4 + 3] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;

  // 2. Scale to fit 20×20: each new pixel is the mean of the source area it covers.
  const scale = 20 / Math.max(bw, bh);
  const w = Math.max(1, Math.round(bw * scale)), h = Math.max(1, Math.round(bh * scale));
  const small = new Float32Array(w * h);
  const ink = (x, y) => rgba[(y * width + x) * 4 + 3] / 255;
  for (let ty = 0; ty < h; ty++) {
    const sy0 = y0 + ty / scale, sy1 = Math.min(y1 + 1, y0 + (ty + 1) / scale);
    for (let tx = 0; tx < w; tx++) {
      const sx0 = x0 + tx / scale, sx1 = Math.min(x1 + 1, x0 + (tx + 1) / scale);
      let sum = 0, area = 0;
      for (let y = Math.floor(sy0); y < sy1; y++) {
        const fy = Math.min(y + 1, sy1) - Math.max(y, sy0);
        for (let x = Math.floor(sx0); x < sx1; x++) {
          const f = fy * (Math.min(x + 1, sx1) - Math.max(x, sx0));
          sum += f * ink(x, y);
          area += f;
        }
      }
      small[ty * w + tx] = area > 0 ? sum / area : 0;
    }
  }

  // 3. Centre of mass of the scaled digit.
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = small[y * w + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  if (mass === 0) return null;
  // 4. Shift so that it lands on (14, 14), keeping the digit inside 28×28.
  const ox = Math.min(SIDE - w, Math.max(0, Math.round(SIDE / 2 - mx / mass)));
  const oy = Math.min(SIDE - h, Math.max(0, Math.round(SIDE / 2 - my / mass)));
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[(y + oy) * SIDE + x + ox] = small[y * w + x];
    }
  }
  return out;
}

const $ = (id) => document.getElementById(id);
const pad = $('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true });
const seen = $('seen').getContext('2d');
const progress = $('progress');
const status = $('status');
const topOut = $('top');
const rows = Array.from($('bars').children, (li) => ({
  li,
  bar: li.querySelector('.bar'),
  pct: li.querySelector('.pct'),
}));

function showError(err) {
  const box = $('error');
  box.textContent = err instanceof Error ? err.message : String(err);
  box.hidden = false;
}

function kib(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

function onProgress({ loaded, total, phase }) {
  if (total > 0) {
    progress.max = total;
    progress.value = Math.min(loaded, total);
    status.textContent = `Loading the model (${phase || 'download'}): ${kib(loaded)} of ${kib(total)}`;
  } else {
    progress.removeAttribute('value'); // indeterminate
    status.textContent = `Loading the model (${phase || 'download'})…`;
  }
}

/** Shows ten probabilities (or clears the bars for null). */
function showProbabilities(probs) {
  let best = -1;
  if (probs) probs.forEach((p, i) => { if (best < 0 || p > probs[best]) best = i; });
  rows.forEach(({ bar, pct }, i) => {
    const p = probs ? probs[i] : 0;
    bar.style.setProperty('--p', p.toFixed(4)); // CSSOM, allowed by the CSP
    bar.classList.toggle('best', i === best);
    pct.textContent = `${(p * 100).toFixed(p >= 0.9995 ? 0 : 1)}%`;
  });
  topOut.textContent = best < 0 ? '–' : String(best);
  topOut.dataset.top = best < 0 ? '' : String(best);
  topOut.dataset.values = probs ? Array.from(probs).join(',') : '';
  $('confidence').textContent = best < 0 ? '' : `${(probs[best] * 100).toFixed(1)}% sure`;
}

/** Shows the 28×28 input enlarged, white ink on black as in MNIST. */
function showSeen(input) {
  const img = seen.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.round((input ? input[i] : 0) * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  seen.putImageData(img, 0, 0);
}

// ---------- drawing ----------

let last = null; // last point of the stroke in progress, in canvas pixels
let dirty = false;

function point(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
}

function segment(a, b) {
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.stroke();
}

function setupPad() {
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = pad.width / 12; // about MNIST's stroke for a digit as tall as the pad
  ctx.strokeStyle = getComputedStyle(pad).color;
  pad.addEventListener('pointerdown', (e) => {
    if (e.button > 0) return;
    e.preventDefault();
    try {
      pad.setPointerCapture(e.pointerId); // keep the stroke when it leaves the pad
    } catch { /* a synthetic event has no pointer to capture */ }
    last = point(e);
    segment(last, last); // a dot
    changed();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length ? events : [e]) {
      const p = point(ev);
      segment(last, p);
      last = p;
    }
    changed();
  });
  const end = () => { last = null; };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear').addEventListener('click', () => {
    ctx.clearRect(0, 0, pad.width, pad.height);
    changed();
  });
}

// ---------- live classification, at most once per frame ----------

let model = null;
let busy = false;
let scheduled = false;

function changed() {
  dirty = true;
  pad.dataset.busy = 'true'; // until the bars show the drawing as it is
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(classify);
  }
}

async function classify() {
  scheduled = false;
  if (!dirty || busy) return;
  dirty = false;
  const input = preprocess(ctx.getImageData(0, 0, pad.width, pad.height).data, pad.width, pad.height);
  showSeen(input);
  if (!input) {
    showProbabilities(null);
    settled();
    return;
  }
  if (!model) {
    dirty = true; // classify once the model is ready
    return;
  }
  busy = true;
  try {
    const t0 = performance.now();
    const probs = await model.predict(input);
    const ms = performance.now() - t0;
    $('time').textContent = `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
    showProbabilities(probs);
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
    if (dirty) changed(); // the drawing moved on meanwhile
    else settled();
  }
}

function settled() {
  if (!dirty && !busy && !scheduled) delete pad.dataset.busy;
}

async function main() {
  setupPad();
  showProbabilities(null);
  showSeen(null);
  try {
    model = await loadModel({
      onProgress,
      // pwagen.toml has update = "prompt": the user decides when to switch.
      onUpdateReady(apply) {
        $('apply').addEventListener('click', apply, { once: true });
        $('update').hidden = false;
      },
      onInstallFailed() {
        $('no-offline').hidden = false;
      },
    });
  } catch (err) {
    $('loading').hidden = true;
    showError(err);
    return;
  }
  $('loading').hidden = true;
  const info = model.info || {};
  $('from').textContent = {
    network: 'downloaded from the network',
    indexeddb: 'from this device (IndexedDB), offline-ready',
    memory: 'in memory only',
  }[info.weightsFrom] ?? String(info.weightsFrom ?? '–');
  $('from').dataset.from = info.weightsFrom ?? '';
  $('engine').textContent = [info.variant, ...(info.features || [])].filter(Boolean).join(', ') || '–';
  // One inference on a blank digit warms the engine up; from the start of
  // the navigation to here is the time to first inference.
  try {
    await model.predict(new Float32Array(SIDE * SIDE));
  } catch (err) {
    showError(err);
    return;
  }
  const readyMs = performance.now();
  $('ready').textContent = `${Math.round(readyMs)} ms`;
  document.documentElement.dataset.readyMs = String(readyMs);
  document.documentElement.dataset.ready = 'true';
  changed();
}

main();
