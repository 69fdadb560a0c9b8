// Times one ONNX model with onnxruntime-node (CPU, 1 thread) for bench/:
// the input is the bench's generator ((i % 7) + 1) / 7, the same on every
// side. Prints JSON: per-call ms after a warm-up, the output, and with
// --profile the time per operator type per call (ORT's own profiler).
// usage: node ort_bench.mjs MODEL.onnx DIMS(1x3x32x32) WARM_MS RUNS [--profile DIR]
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

const [model, dimsArg, warmArg, runsArg, flag, profDir] = process.argv.slice(2);
if (!runsArg) {
  console.error('usage: node ort_bench.mjs MODEL.onnx DIMS WARM_MS RUNS [--profile DIR]');
  process.exit(2);
}
const dims = dimsArg.split('x').map(Number);
const n = dims.reduce((a, b) => a * b, 1);
const data = Float32Array.from({ length: n }, (_, i) => ((i % 7) + 1) / 7);
const profile = flag === '--profile';
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'],
  enableProfiling: profile, profileFilePrefix: profile ? join(profDir, 'ort') : undefined,
});
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
const run = async () => (await session.run(feeds))[session.outputNames[0]];
let out = await run();
for (const t0 = performance.now(); performance.now() - t0 < Number(warmArg);) await run();
const ms = [];
for (let i = 0; i < Number(runsArg); i++) {
  const t0 = performance.now();
  out = await run();
  ms.push(performance.now() - t0);
}
const res = { ms, out: Array.from(out.data), dims: out.dims };
if (profile) {
  session.endProfiling(); // writes DIR/ort_<date>.json
  const name = readdirSync(profDir).filter((f) => f.startsWith('ort_') && f.endsWith('.json')).sort().pop();
  if (!name) throw new Error(`no profile written in ${profDir}`);
  const file = join(profDir, name);
  const events = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const ops = {};
  let calls = 0;
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') calls++;
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
      const op = e.args?.op_name || '?';
      ops[op] = (ops[op] || 0) + e.dur; // µs
    }
  }
  for (const k of Object.keys(ops)) ops[k] /= Math.max(calls, 1);
  res.ops = ops; // µs per call by operator type
}
await session.release();
console.log(JSON.stringify(res));
