// Reading an input tensor from a file: NumPy .npy (float32, float64, int32
// or int64, little-endian, C order) or JSON (nested arrays of numbers).
// Either way the values are flattened in C order into a Float32Array.

// size is the number of values of a shape ([] is a scalar: 1).
export function size(shape) {
  return shape.reduce((n, d) => n * d, 1);
}

// shapeText writes a shape as numpy does: [1, 3, 224, 224].
export function shapeText(shape) {
  return `[${shape.join(', ')}]`;
}

// The .npy dtypes read, by their descr: bytes per value and a reader.
const NPY_TYPES = {
  '<f4': [4, (dv, at) => dv.getFloat32(at, true)],
  '<f8': [8, (dv, at) => dv.getFloat64(at, true)],
  '<i4': [4, (dv, at) => dv.getInt32(at, true)],
  '<i8': [8, (dv, at) => Number(dv.getBigInt64(at, true))],
};

// parseNpy reads a .npy file (an ArrayBuffer) named name. It allocates no
// more than the file holds: a shape larger than the data is refused.
export function parseNpy(buf, name) {
  const b = new Uint8Array(buf);
  const dv = new DataView(buf);
  const magic = String.fromCharCode(...b.subarray(0, 6));
  if (b.length < 10 || magic !== '\x93NUMPY') {
    throw new Error(`${name}: not a .npy file (it does not start with \\x93NUMPY); save it with numpy.save`);
  }
  const major = b[6];
  let headerLen;
  let start;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if ((major === 2 || major === 3) && b.length >= 12) {
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`${name}: .npy format version ${major}.${b[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  if (start + headerLen > b.length) {
    throw new Error(`${name}: the .npy header is ${headerLen} bytes but the file ends after ${b.length - start}; the file is truncated`);
  }
  const header = new TextDecoder().decode(b.subarray(start, start + headerLen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const dims = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr == null && /['"]descr['"]\s*:\s*\[/.test(header)) {
    throw new Error(`${name}: a structured dtype (named fields) is not supported; save a plain array of float32, float64, int32 or int64`);
  }
  if (descr == null || fortran == null || dims == null) {
    throw new Error(`${name}: the .npy header lacks descr, fortran_order or shape: ${header.trim().slice(0, 200)}`);
  }
  const type = NPY_TYPES[descr];
  if (!type) {
    throw new Error(`${name}: dtype ${descr} is not supported; save the array as float32, float64, int32 or int64, little-endian (numpy: a.astype('<f4'))`);
  }
  if (fortran === 'True') {
    throw new Error(`${name}: the array is in Fortran order; save it in C order (numpy: np.ascontiguousarray(a))`);
  }
  const shape = dims.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`${name}: the .npy shape (${dims}) is not a list of sizes`);
  }
  const [width, read] = type;
  const data = start + headerLen;
  const count = size(shape);
  if (count * width > b.length - data) {
    throw new Error(`${name}: shape ${shapeText(shape)} of ${descr} needs ${count * width} bytes of data, the file has ${b.length - data}; the file is truncated`);
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = read(dv, data + i * width);
  return { shape, values };
}

// parseJSONValues reads JSON text named name: a number, or nested arrays
// of numbers, flattened in order.
export function parseJSONValues(text, name) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name}: not valid JSON (${err.message})`);
  }
  const out = [];
  const walk = (x, path, depth) => {
    if (typeof x === 'number') {
      out.push(x);
    } else if (Array.isArray(x) && depth < 32) {
      x.forEach((y, i) => walk(y, `${path}[${i}]`, depth + 1));
    } else {
      const what = Array.isArray(x) ? 'nested more than 32 deep' : `${String(JSON.stringify(x)).slice(0, 40)}, not a number`;
      throw new Error(`${name}: the value at ${path || 'the top'} is ${what}; give nested arrays of numbers, such as [[5.1, 3.5, 1.4, 0.2]]`);
    }
  };
  walk(v, '', 0);
  return Float32Array.from(out);
}

// readInputFile reads a .npy or .json File for an input of the given
// shape. Too large a file, a parse error or a wrong number of values is
// an Error that says what the model takes.
export async function readInputFile(file, shape) {
  const want = size(shape);
  const npy = /\.npy$/i.test(file.name);
  // A .npy holds at most 8 bytes a value plus its header; JSON numbers
  // need at most about 30 characters each, with room for indentation.
  const limit = npy ? want * 8 + 65536 : want * 64 + (1 << 20);
  if (file.size > limit) {
    throw new Error(`${file.name}: ${file.size} bytes, more than the ${limit} bytes a file of ${want} values can need; the model's input has shape ${shapeText(shape)}`);
  }
  const buf = await file.arrayBuffer();
  const b = new Uint8Array(buf);
  const isNpy = npy || (b[0] === 0x93 && b[1] === 0x4e); // \x93N: .npy whatever its name
  const values = isNpy ? parseNpy(buf, file.name).values : parseJSONValues(new TextDecoder().decode(b), file.name);
  if (values.length !== want) {
    throw new Error(`${file.name}: ${values.length} values, but the model's input takes ${want} (shape ${shapeText(shape)})`);
  }
  return values;
}
