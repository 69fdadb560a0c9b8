// The typed model contract (docs/contract.md): named inputs and outputs,
// each with a dtype and a static shape, laid out in one buffer each at
// 8-byte-aligned offsets. The worker reads the signature and the outputs;
// the page checks and packs the inputs, so the worker never sees bad input.

/** The dtypes of the contract: bytes per value and the typed array that holds them. */
export const DTYPES = {
  float32: { size: 4, Array: Float32Array },
  int32: { size: 4, Array: Int32Array },
  int64: { size: 8, Array: BigInt64Array },
  uint8: { size: 1, Array: Uint8Array },
  bool: { size: 1, Array: Uint8Array },
};

// Bounds on a signature read from a model: its JSON bytes, its tensors,
// a tensor's rank, and the bytes of either buffer (a wasm32 memory's 4 GiB).
export const MAX_SIGNATURE = 1 << 20;
const MAX_TENSORS = 1024;
const MAX_RANK = 16;
const MAX_BUFFER = 2 ** 32;

/** count is the number of values of a tensor: the product of its shape. */
export const count = (t) => t.shape.reduce((a, d) => a * d, 1);

/**
 * layout gives each tensor's byte offset in a typed buffer and the
 * buffer's length: offset(i+1) = align8(offset(i) + bytes(i)).
 */
export function layout(ts) {
  const offsets = [];
  let end = 0;
  for (const t of ts) {
    offsets.push(end);
    end = Math.ceil((end + count(t) * DTYPES[t.dtype].size) / 8) * 8;
  }
  return { offsets, total: end };
}

/** describe names a tensor as messages show it: "mask" (int64, shape [2, 16], 32 values). */
export function describe(t) {
  const n = count(t);
  return `"${t.name}" (${t.dtype}, shape [${t.shape.join(', ')}], ${n} ${n === 1 ? 'value' : 'values'})`;
}

/**
 * parseSignature checks the JSON text a model exports as pwagen_signature
 * and returns {inputs, outputs}, or throws saying what is wrong.
 */
export function parseSignature(text, where) {
  const bad = (what) => new Error(`pwagen: ${where} exports a pwagen_signature that ${what}; rebuild it with \`pwagen new --from\` (docs/contract.md)`);
  let s;
  try {
    s = JSON.parse(text);
  } catch (e) {
    throw bad(`is not valid JSON (${e.message})`);
  }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw bad('is not a JSON object');
  const sig = {};
  for (const side of ['inputs', 'outputs']) {
    const list = s[side];
    if (!Array.isArray(list)) throw bad(`has no "${side}" list`);
    if (list.length > MAX_TENSORS) throw bad(`lists ${list.length} ${side}, over the limit of ${MAX_TENSORS}`);
    const seen = new Set();
    sig[side] = list.map((t, i) => {
      const at = `${side}[${i}]`;
      if (t === null || typeof t !== 'object') throw bad(`has ${at} that is not an object`);
      if (typeof t.name !== 'string' || t.name === '') throw bad(`has ${at} without a name`);
      if (seen.has(t.name)) throw bad(`names two ${side} "${t.name}"`);
      seen.add(t.name);
      if (!Object.hasOwn(DTYPES, t.dtype)) throw bad(`gives ${side.slice(0, -1)} "${t.name}" the dtype ${JSON.stringify(t.dtype)}; the contract's dtypes are ${Object.keys(DTYPES).join(', ')}`);
      if (!Array.isArray(t.shape) || t.shape.length > MAX_RANK || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw bad(`gives ${side.slice(0, -1)} "${t.name}" the shape ${JSON.stringify(t.shape)}; want a list of at most ${MAX_RANK} whole numbers ≥ 0 (shapes are static)`);
      }
      return { name: t.name, dtype: t.dtype, shape: t.shape.slice() };
    });
    const { total } = layout(sig[side]);
    if (total > MAX_BUFFER) throw bad(`has ${side} of ${total} bytes, more than a 32-bit memory holds`);
  }
  if (sig.inputs.length === 0) throw bad('lists no inputs');
  return sig;
}

// ---------- page side ----------

const isArrayLike = (v) => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/**
 * inputPacker returns pack(input, into) for a signature's inputs: it checks
 * input against them and writes it laid out as the contract says, into
 * into (a Uint8Array of at least total bytes, such as a worker's shared
 * channel) or, without into, into a new ArrayBuffer, which it returns; it
 * throws a message naming what was expected. input is one array (a model
 * with one input) or an object of arrays by input name. The layout and
 * the views are worked out once, not per call (a predict's page-side cost
 * is part of its round trip).
 */
export function inputPacker(inputs) {
  const { offsets, total } = layout(inputs);
  const counts = inputs.map(count);
  let listText = null;
  const list = () => (listText ??= inputs.map(describe).join(', '));
  const one = inputs.length === 1 ? inputs[0] : null;
  const byName = new Map(inputs.map((t, i) => [t.name, i]));
  const put = (buf, at, i, v) => fill(new DTYPES[inputs[i].dtype].Array(buf, at + offsets[i], counts[i]), v, inputs[i]);
  const check = (t, i, v) => {
    if (!isArrayLike(v)) throw new Error(`pwagen: input ${describe(t)} is ${v === null ? 'null' : typeof v}; pass ${accepts(t.dtype)}`);
    if (v.length !== counts[i]) throw new Error(`pwagen: input ${describe(t)} got ${v.length} values; it takes ${counts[i]}`);
  };
  return {
    total,
    pack(input, into) {
      const buf = into ? into.buffer : new ArrayBuffer(total);
      const at = into ? into.byteOffset : 0;
      if (isArrayLike(input)) {
        if (!one) throw new Error(`pwagen: predict got one array, but this model takes ${inputs.length} inputs: ${list()}; pass an object by name, such as predict({ ${inputs.map((t) => `${t.name}: …`).join(', ')} })`);
        check(one, 0, input);
        put(buf, at, 0, input);
        return buf;
      }
      if (input === null || typeof input !== 'object') {
        throw new Error(`pwagen: predict takes an object of typed arrays by input name (${list()})${inputs.length === 1 ? ', or one typed array' : ''}; it got ${input === null ? 'null' : typeof input}`);
      }
      for (const k of Object.keys(input)) {
        if (!byName.has(k)) throw new Error(`pwagen: predict got an input named "${k}", which this model does not have; it takes ${list()}`);
      }
      for (let i = 0; i < inputs.length; i++) {
        const t = inputs[i];
        if (!Object.hasOwn(input, t.name)) throw new Error(`pwagen: predict is missing the input ${describe(t)}; it takes ${list()}`);
        const v = input[t.name];
        check(t, i, v);
        put(buf, at, i, v);
      }
      return buf;
    },
  };
}

/**
 * packInputs checks input against the signature's inputs and writes it into
 * a new buffer laid out as the contract says (inputPacker, for one call).
 */
export const packInputs = (inputs, input) => inputPacker(inputs).pack(input);

function accepts(dtype) {
  switch (dtype) {
    case 'float32': return 'a Float32Array, a Float64Array or an Array of numbers';
    case 'int64': return 'a BigInt64Array, an Int32Array or an Array of integers';
    case 'bool': return 'a Uint8Array of 0 and 1, or an Array of booleans';
    default: return `an ${DTYPES[dtype].Array.name} or an Array of integers`;
  }
}

const RANGE = { int64: [-(2n ** 63n), 2n ** 63n - 1n], int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [0, 255], bool: [0, 1] };

// wrong is fill's message for value i, x, of input t.
const wrong = (t, i, x, why) => new Error(`pwagen: input ${describe(t)} value ${i} is ${typeof x === 'string' ? JSON.stringify(x) : String(x)}${why}; pass ${accepts(t.dtype)}`);

// fill converts v into dst, the input's place in the buffer, checking
// every value against the dtype.
function fill(dst, v, t) {
  const big = v instanceof BigInt64Array || v instanceof BigUint64Array;
  if (t.dtype === 'float32') {
    if (big) throw new Error(`pwagen: input ${describe(t)} got a ${v.constructor.name}; pass ${accepts('float32')}`);
    if (v instanceof Float32Array || v instanceof Float64Array) return dst.set(v);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number') throw wrong(t, i, v[i], ', not a number');
      dst[i] = v[i];
    }
    return;
  }
  const [lo, hi] = RANGE[t.dtype];
  const bool = t.dtype === 'bool';
  for (let i = 0; i < v.length; i++) {
    let x = v[i];
    if (bool && typeof x === 'boolean') x = x ? 1 : 0;
    if (typeof x === 'bigint') {
      if (x < BigInt(lo) || x > BigInt(hi)) throw wrong(t, i, x, `, outside ${t.dtype}'s range [${lo}, ${hi}]`);
      dst[i] = t.dtype === 'int64' ? x : Number(x);
    } else if (typeof x === 'number' && Number.isInteger(x)) {
      if (x < lo || x > hi || !Number.isSafeInteger(x)) throw wrong(t, i, x, `, outside ${t.dtype}'s range [${lo}, ${hi}]`);
      dst[i] = t.dtype === 'int64' ? BigInt(x) : x;
    } else {
      throw wrong(t, i, x, bool ? ', not 0, 1, true or false' : `, not an integer (${t.dtype} takes whole numbers)`);
    }
  }
}

/** unpack is predict's result: the one output's array, or every output by name. */
export function unpack(outputs, arrays) {
  return outputs.length === 1 ? arrays[outputs[0].name] : arrays;
}

// ---------- worker side ----------

/**
 * readSignature returns the model's typed signature, or null for a v1
 * model. The bytes are copied out of the model's memory before decoding:
 * TextDecoder refuses views of a shared memory.
 */
export function readSignature(x, where) {
  if (!('pwagen_signature' in x)) return null;
  for (const name of ['pwagen_signature_len', 'pwagen_alloc_inputs', 'pwagen_predict_typed', 'pwagen_outputs']) {
    if (!(name in x)) throw new Error(`pwagen: ${where} exports pwagen_signature but not ${name}; a typed model exports every function of docs/contract.md: rebuild it with \`pwagen new --from\``);
  }
  const ptr = x.pwagen_signature() >>> 0, len = x.pwagen_signature_len() >>> 0;
  if (len > MAX_SIGNATURE) throw new Error(`pwagen: ${where} has a pwagen_signature of ${len} bytes, over the limit of ${MAX_SIGNATURE}`);
  if (ptr + len > x.memory.buffer.byteLength) throw new Error(`pwagen: ${where}'s pwagen_signature points at ${len} bytes at ${ptr}, outside its memory`);
  const bytes = new Uint8Array(x.memory.buffer, ptr, len).slice();
  return parseSignature(new TextDecoder().decode(bytes), where);
}

/**
 * typedPredictor returns predict(bytes) for a typed model: it runs the
 * model on bytes (a Uint8Array laid out as packInputs lays inputs out) and
 * returns the outputs' bytes, laid out by the contract: a view of the
 * model's memory, valid until the next call into the model (copy it, or
 * lay views over a copy, with views()). The layouts are worked out once.
 */
export function typedPredictor(x, run, check, sig) {
  const inTotal = layout(sig.inputs).total, outTotal = layout(sig.outputs).total;
  const alloc = () => x.pwagen_alloc_inputs(Math.max(inTotal, 8));
  const predict = () => x.pwagen_predict_typed();
  return (buf) => {
    if (buf.byteLength !== inTotal) throw new Error(`pwagen: predict got an inputs buffer of ${buf.byteLength} bytes; the contract's is ${inTotal}`);
    const p = run(alloc) >>> 0;
    new Uint8Array(x.memory.buffer, p, inTotal).set(buf);
    const n = check(run(predict), 'predict');
    if (n < outTotal) throw new Error(`pwagen: the model returned ${n} bytes of outputs; its signature lays out ${outTotal}`);
    const o = x.pwagen_outputs() >>> 0;
    if (o + outTotal > x.memory.buffer.byteLength) throw new Error(`pwagen: pwagen_outputs points at ${o}, outside the model's memory`);
    return new Uint8Array(x.memory.buffer, o, outTotal);
  };
}

/** views gives each tensor of ts as a typed array of its dtype over buffer, laid out by the contract, by name. */
export function views(ts, buffer) {
  const { offsets } = layout(ts);
  const arrays = {};
  ts.forEach((t, i) => { arrays[t.name] = new DTYPES[t.dtype].Array(buffer, offsets[i], count(t)); });
  return arrays;
}
