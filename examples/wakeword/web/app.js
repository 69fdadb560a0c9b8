// The wake-word detector's page: the microphone through an AudioWorklet
// (chunker.worklet.js: 16 kHz, chunks of 1280 samples), one predict per chunk
// through pwagen's loader, a score meter and "Hey Mycroft!" when the score
// reaches 0.5. The model keeps the stream's state between predicts
// (model/pipeline.go); a chunk whose first value is NaN starts a new stream.
import { loadModel } from './pwagen.js';

/** openWakeWord's threshold. */
export const THRESHOLD = 0.5;
/** Samples per chunk: 80 ms at 16 kHz. */
export const CHUNK = 1280;
/** After a detection, scores are ignored for this long (one utterance scores high for several chunks). */
export const REFRACTORY_MS = 2000;
/** Chunks waiting for the model beyond this (20 s) are dropped and the stream restarts. */
const MAX_BACKLOG = 250;

const $ = (id) => document.getElementById(id);
const root = document.documentElement;

function showError(err) {
  const box = $('error');
  box.textContent = err instanceof Error ? err.message : String(err);
  box.hidden = false;
}

function kib(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

function onProgress({ loaded, total, phase }) {
  const progress = $('progress');
  if (total > 0) {
    progress.max = total;
    progress.value = Math.min(loaded, total);
    $('status').textContent = `Loading the model (${phase || 'download'}): ${kib(loaded)} of ${kib(total)}`;
  } else {
    progress.removeAttribute('value');
    $('status').textContent = `Loading the model (${phase || 'download'})…`;
  }
}

let model = null;
const queue = [];
let running = false;
let chunks = 0;
let totalMs = 0;
let best = 0;
let detections = 0;
let lastDetection = -Infinity;

/** A chunk that resets the model's stream state. */
function resetChunk() {
  const x = new Float32Array(CHUNK);
  x[0] = NaN;
  return x;
}

/** Runs the queued chunks through the model, one at a time, in order. */
async function drain() {
  if (running) return;
  running = true;
  try {
    while (queue.length) {
      const x = queue.shift();
      const t0 = performance.now();
      const out = await model.predict(x);
      if (Number.isNaN(x[0])) continue;
      totalMs += performance.now() - t0;
      chunks++;
      show(out[0]);
    }
  } catch (err) {
    showError(err);
  } finally {
    running = false;
  }
}

function show(score) {
  best = Math.max(best, score);
  $('meter').value = score;
  $('score').textContent = score.toFixed(2);
  $('best').textContent = best.toFixed(3);
  $('time').textContent = `${(totalMs / chunks).toFixed(1)} ms`;
  root.dataset.chunks = String(chunks);
  root.dataset.best = String(best);
  const now = performance.now();
  if (score >= THRESHOLD && now - lastDetection >= REFRACTORY_MS) {
    lastDetection = now;
    detections++;
    const d = $('detected');
    d.hidden = false;
    d.dataset.count = String(detections);
    $('count').textContent = String(detections);
    d.classList.remove('flash');
    void d.offsetWidth; // restart the animation
    d.classList.add('flash');
  } else if (now - lastDetection >= REFRACTORY_MS) {
    $('detected').hidden = true;
  }
}

let peak = 0;

function enqueue(x) {
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
  root.dataset.peak = String(peak);
  if (queue.length >= MAX_BACKLOG) {
    // The device is too slow for real time: start over rather than lag.
    queue.length = 0;
    queue.push(resetChunk());
    $('state').textContent = 'Listening… (this device fell behind; the detector restarted)';
  }
  queue.push(x);
  drain();
}

async function start() {
  $('start').disabled = true;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    const ctx = new AudioContext();
    await ctx.audioWorklet.addModule('chunker.worklet.js');
    const src = ctx.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(ctx, 'chunker', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit' });
    const mute = ctx.createGain();
    mute.gain.value = 0; // the graph must reach the destination to be pulled; nothing is heard
    src.connect(node).connect(mute).connect(ctx.destination);
    queue.push(resetChunk());
    node.port.onmessage = ({ data }) => enqueue(data);
    await ctx.resume();
    $('audio').textContent = `${ctx.sampleRate} Hz → 16000 Hz`;
    $('state').textContent = 'Listening…';
    root.dataset.listening = 'true';
  } catch (err) {
    $('start').disabled = false;
    showError(err.name === 'NotAllowedError' ? new Error('The microphone was not allowed; allow it in the site settings and try again.') : err);
  }
}

async function main() {
  try {
    model = await loadModel({
      onProgress,
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
  $('start').disabled = false;
  $('start').addEventListener('click', start);
  root.dataset.ready = 'true';
}

main();
