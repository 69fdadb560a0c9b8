// The language identifier's page: a text field, the model's tokenizer
// (tokenize.js) and one probability bar per language. pwagen.js is the
// loader that `pwagen package` writes beside this file: it downloads,
// verifies and caches the model and runs it in a Web Worker.
import { loadModel } from './pwagen.js';
import { LANGUAGES } from './vocab.js';
import { encode, logits, phraseProbabilities } from './tokenize.js';

// The tokenizer, for the tests: pwagen package bundles the page's modules
// into this one, so tokenize.js has no URL of its own in dist/.
export { encode, logits, words, phraseProbabilities } from './tokenize.js';

const $ = (id) => document.getElementById(id);
const text = $('text');
const progress = $('progress');
const status = $('status');
const topOut = $('top');

const rows = LANGUAGES.map(({ code, name }) => {
  const li = document.createElement('li');
  li.dataset.code = code;
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = name;
  const track = document.createElement('span');
  track.className = 'track';
  const bar = document.createElement('span');
  bar.className = 'bar';
  track.append(bar);
  const pct = document.createElement('span');
  pct.className = 'pct';
  li.append(label, track, pct);
  $('bars').append(li);
  return { li, bar, pct };
});

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

/** Shows one probability per language (or clears the bars for null). */
function showProbabilities(probs, shown) {
  let best = -1;
  if (probs) probs.forEach((p, i) => { if (best < 0 || p > probs[best]) best = i; });
  rows.forEach(({ li, bar, pct }, i) => {
    const p = probs ? probs[i] : 0;
    bar.style.setProperty('--p', p.toFixed(4)); // CSSOM, allowed by the CSP
    li.classList.toggle('best', i === best);
    li.dataset.p = p.toFixed(6);
    pct.textContent = `${(p * 100).toFixed(p >= 0.9995 ? 0 : 1)}%`;
  });
  topOut.textContent = best < 0 ? '–' : LANGUAGES[best].name;
  topOut.dataset.top = best < 0 ? '' : LANGUAGES[best].code;
  topOut.dataset.text = shown ?? '';
  $('confidence').textContent = best < 0 ? '' : `${(probs[best] * 100).toFixed(1)}% sure`;
}

// ---------- live classification of what is typed ----------

let model = null;
let busy = false;
let dirty = false;

function changed() {
  dirty = true;
  text.dataset.busy = 'true'; // until the bars show the text as it is
  classify();
}

async function classify() {
  if (!dirty || busy || !model) return;
  dirty = false;
  busy = true;
  const value = text.value;
  try {
    const t0 = performance.now();
    const probs = await phraseProbabilities(model, value);
    const ms = performance.now() - t0;
    if (probs) $('time').textContent = `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
    showProbabilities(probs, value);
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
    if (dirty) classify(); // typed on meanwhile
    else delete text.dataset.busy;
  }
}

async function main() {
  showProbabilities(null);
  text.addEventListener('input', changed);
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
  // The one signal that the app works without a network: the service
  // worker holds the model's files and the weights are on this device.
  model.offlineReady.then(() => {
    $('offline').textContent = 'ready: works without a network';
    $('offline').dataset.offline = 'ready';
  }, (err) => {
    $('offline').textContent = err.message;
    $('offline').dataset.offline = 'no';
  });
  // One inference on an empty word warms the engine up; from the start of
  // the navigation to here is the time to first inference.
  try {
    await logits(model, encode(''));
  } catch (err) {
    showError(err);
    return;
  }
  const readyMs = performance.now();
  $('ready').textContent = `${Math.round(readyMs)} ms`;
  document.documentElement.dataset.readyMs = String(readyMs);
  document.documentElement.dataset.ready = 'true';
  changed(); // anything typed while loading
}

main();
