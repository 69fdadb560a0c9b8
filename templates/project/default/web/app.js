// The app's page logic. pwagen.js is the loader that `pwagen package` writes
// beside this file: it downloads, verifies and caches the model, runs it in a
// Web Worker and resolves predict() with a Float32Array.
import { loadModel } from './pwagen.js';

// The model's outputs, in order (model/model.go's classNames).
const CLASSES = ['setosa', 'versicolor', 'virginica'];

const $ = (id) => document.getElementById(id);
const form = $('form');
const button = $('classify');
const progress = $('progress');
const status = $('status');
const result = $('result');
const bars = $('bars');
const fields = ['sepal-length', 'sepal-width', 'petal-length', 'petal-width'].map($);

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
    status.textContent = `${phase || 'Loading'}: ${kib(loaded)} of ${kib(total)}`;
  } else {
    progress.removeAttribute('value'); // indeterminate
    status.textContent = `${phase || 'Loading'}…`;
  }
}

function describe(info) {
  if (info == null) return '';
  if (typeof info !== 'object') return String(info);
  return Object.entries(info)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
}

function show(probs) {
  let best = 0;
  probs.forEach((p, i) => { if (p > probs[best]) best = i; });
  const name = CLASSES[best] ?? `class ${best}`;
  result.textContent = `${name} (${(probs[best] * 100).toFixed(1)}%)`;
  result.dataset.values = Array.from(probs).join(',');
  result.dataset.label = name;

  bars.replaceChildren(...Array.from(probs, (p, i) => {
    const li = document.createElement('li');
    const label = document.createElement('span');
    label.className = 'name';
    label.textContent = CLASSES[i] ?? `class ${i}`;
    const track = document.createElement('span');
    track.className = 'track';
    const bar = document.createElement('span');
    bar.className = i === best ? 'bar best' : 'bar';
    bar.style.width = `${(p * 100).toFixed(2)}%`; // CSSOM, allowed by the CSP
    track.append(bar);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(p * 100).toFixed(1)}%`;
    li.append(label, track, pct);
    return li;
  }));
}

async function main() {
  let model;
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
  $('info').textContent = describe(model.info);
  // The one signal that the app works without a network: the service worker
  // holds the model's files and the weights are on this device.
  model.offlineReady.then(() => {
    $('offline-ready').hidden = false;
    $('info').textContent = describe(model.info);
  }, () => {});
  button.disabled = false;

  async function classify() {
    $('error').hidden = true;
    const values = fields.map((f) => f.valueAsNumber);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      showError(`${fields[bad].labels[0].textContent}: enter a number`);
      fields[bad].focus();
      return;
    }
    button.disabled = true;
    try {
      show(await model.predict(new Float32Array(values)));
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    classify();
  });
  await classify();
}

main();
