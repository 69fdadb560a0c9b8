// Minimal .npy (format 1.0/2.0) reader and writer for the ONNX references:
// little-endian float32, float64, int32, int64, uint8 and bool, C order.
import { readFileSync, writeFileSync } from 'node:fs';

const DTYPES = {
  '<f4': { name: 'float32', Array: Float32Array },
  '<f8': { name: 'float64', Array: Float64Array },
  '<i4': { name: 'int32', Array: Int32Array },
  '<i8': { name: 'int64', Array: BigInt64Array },
  '|u1': { name: 'uint8', Array: Uint8Array },
  '|b1': { name: 'bool', Array: Uint8Array },
};

export function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new Error(`${path}: not a .npy file`);
  }
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const dt = DTYPES[descr];
  if (!dt || fortran || shapeText === undefined) {
    throw new Error(`${path}: unsupported .npy header ${header.trim()}`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const bytes = buf.subarray(start, start + n * dt.Array.BYTES_PER_ELEMENT);
  const copy = new Uint8Array(bytes); // aligned copy
  return { dtype: dt.name, shape, data: new dt.Array(copy.buffer, 0, n) };
}

export function writeNpy(path, data, shape) {
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : null;
  if (!descr) throw new Error('writeNpy: only float32 and float64');
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
