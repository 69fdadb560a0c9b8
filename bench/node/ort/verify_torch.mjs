// Runs every fixture of testdata/onnx/torch with onnxruntime-node and prints,
// as JSON, the max abs difference of each output from torch's. Called by
// testdata/onnx/torch/export.py; usage: node verify_torch.mjs DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { readNpy } from './npy.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node verify_torch.mjs testdata/onnx/torch');
  process.exit(2);
}
const { fixtures } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const results = [];
for (const f of fixtures) {
  const feeds = {};
  for (const inp of f.inputs) {
    const a = readNpy(join(dir, inp.file));
    const type = a.dtype === 'float32' ? 'float32' : a.dtype === 'int64' ? 'int64' : a.dtype === 'bool' ? 'bool' : null;
    if (!type) throw new Error(`${inp.file}: dtype ${a.dtype}`);
    feeds[inp.name] = new ort.Tensor(type, a.dtype === 'bool' ? Uint8Array.from(a.data) : a.data, a.shape);
  }
  for (const [opset, o] of Object.entries(f.opsets)) {
    const session = await ort.InferenceSession.create(join(dir, o.file), {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'],
    });
    const got = await session.run(feeds);
    f.outputs.forEach((out, i) => {
      const want = readNpy(join(dir, o.outputs[i]));
      const g = got[out.name];
      if (!g) throw new Error(`${o.file}: no output ${out.name}`);
      if (g.dims.join('x') !== want.shape.join('x')) {
        throw new Error(`${o.file}: output ${out.name} shape ${g.dims} want ${want.shape}`);
      }
      let diff = 0;
      let scale = 0;
      for (let k = 0; k < want.data.length; k++) {
        const d = Math.abs(g.data[k] - want.data[k]);
        diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
        scale = Math.max(scale, Math.abs(want.data[k]));
      }
      results.push({ file: o.file, opset: Number(opset), output: out.name, maxAbsDiff: diff, scale });
    });
    await session.release();
  }
}
console.log(JSON.stringify(results, null, 1));
