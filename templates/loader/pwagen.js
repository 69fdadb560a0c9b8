// pwagen's loader. One ES module with two roles: on the page it exports
// loadModel(); loaded as a module Web Worker it runs the model.
// The packager bakes this package's configuration in as __PWAGEN__.
import { BASE, CFG, at, post } from './config.js';
import { isolationReloadDue, registerServiceWorker } from './register.js';
import { WASI } from './wasi.js';
import { chooseVariant, kernelURLs, prepareKernels } from './kernels.js';
import { loadWeights } from './weights.js';
import { compileWasm } from './fetchwasm.js';
import { checkMemory } from './memory.js';
import { packInputs, predictTyped, readSignature, unpack } from './typed.js';
const inWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;

// ---------- page side ----------

/**
 * Loads the model in a Web Worker.
 * @param {object} [opts]
 * @param {(p:{phase:string,loaded:number,total:number})=>void} [opts.onProgress]
 * @param {(apply:()=>void)=>void} [opts.onUpdateReady] a new version is installed; apply() switches and reloads
 * @param {(e:{url:string,status:number})=>void} [opts.onInstallFailed] the offline copy could not be stored
 * @param {(message:string)=>void} [opts.onWarning]
 * @param {"indexeddb"|"memory"} [opts.storage] where the weights are kept
 * @param {boolean} [opts.serviceWorker] register sw.js (default true)
 * @param {"simd"|"scalar"|"baseline"} [opts.variant] force the kernels (default: simd where supported, else scalar; baseline for models without kernels)
 * @param {number} [opts.maxMemory] the most memory, in bytes, the app lets the model use on this device; loadModel fails before downloading anything when the model needs more (its peak, measured at package time), as it does when the device cannot reserve that much
 * @param {string|URL} [opts.base] the folder the package's files are served from (default: this module's folder)
 */
export async function loadModel(opts = {}) {
  const base = opts.base == null ? BASE : folder(opts.base);
  const sw = opts.serviceWorker === false || CFG.entry ? null : registerServiceWorker(opts); // a library registers none
  if (sw && isolationReloadDue()) await sw; // the page reloads into isolation: start nothing before
  const worker = startWorker(base);
  const pending = new Map();
  let seq = 0;
  let sig = null; // the typed signature; null for a v1 model
  let failed = null;
  const ready = new Promise((resolve, reject) => {
    worker.onmessage = ({ data: m }) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'warning') (opts.onWarning || console.warn)(m.message);
      else if (m.type === 'ready') resolve(m.info);
      else if (m.type === 'error') reject(new Error(m.message));
      else if (m.type === 'result' || m.type === 'failed') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.type === 'result') p?.resolve(m.outputs ? unpack(sig.outputs, m.outputs) : new Float32Array(m.output));
        else p?.reject(new Error(m.message));
      }
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      failed = new Error(`pwagen: the model worker failed to start: ${e.message || 'a script error'}; check that ${CFG.entry ? `${at(CFG.entry, base)} is served as JavaScript, with CORS from another origin` : 'pwagen.js is served as JavaScript'}`);
      reject(failed);
      for (const p of pending.values()) p.reject(failed);
      pending.clear();
    };
  });
  worker.postMessage({ type: 'load', storage: opts.storage || 'indexeddb', variant: opts.variant, maxMemory: opts.maxMemory });
  let info;
  try {
    info = await ready;
    if (info.contract === 'typed') sig = structuredClone({ inputs: info.inputs, outputs: info.outputs }); // the app may change info
  } catch (e) {
    worker.terminate();
    throw e;
  }
  // persist() exists on the page only. Ask after a load that stored
  // weights; otherwise report what an earlier answer was.
  const st = navigator.storage;
  if (info.storage === 'indexeddb' && st) {
    const ask = info.stored && st.persist ? st.persist() : st.persisted ? st.persisted() : Promise.resolve(false);
    info.persisted = await ask.catch(() => false);
  }
  await sw;
  // A first visit is not yet under the service worker: hand it the .wasm to keep.
  navigator.serviceWorker?.ready.then((r) => { for (const url of [CFG.wasm, ...kernelURLs(info.variant)]) r.active?.postMessage({ type: 'pwagen:cache', url: at(url, base).href }); });
  return {
    info,
    /**
     * Runs the model on one typed array (a model with one input) or on an
     * object of typed arrays by input name (info.inputs). Resolves to a
     * typed array when the model has one output, else to an object of
     * typed arrays by output name (info.outputs); a v1 model (info.contract
     * "v1") takes one Float32Array and resolves to a Float32Array. Input
     * of the wrong name, dtype or length rejects, naming what was expected.
     * The input is copied, not detached.
     */
    predict(input) {
      if (failed) return Promise.reject(failed);
      let buffer, typed = false;
      try {
        if (sig) {
          buffer = packInputs(sig.inputs, input); // checked here: the worker never sees bad input
          typed = true;
        } else {
          if (input !== null && typeof input === 'object' && !Array.isArray(input) && !ArrayBuffer.isView(input)) {
            const names = Object.keys(input);
            if (names.length !== 1 || names[0] !== 'input') throw new Error(`pwagen: this model takes one input, "input" (float32, ${info.inputs[0].shape[0]} values); predict got ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'an empty object'}`);
            input = input.input;
          }
          buffer = (input instanceof Float32Array ? input.slice() : Float32Array.from(input)).buffer;
        }
      } catch (e) {
        return Promise.reject(!sig && e instanceof TypeError ? new Error(`pwagen: predict's input: ${e.message}; this model takes a Float32Array of ${info.inputs[0].shape[0]} values`) : e);
      }
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'predict', id, typed, input: buffer }, [buffer]);
      });
    },
    dispose() {
      worker.terminate();
      failed = new Error('pwagen: the model was disposed');
      for (const p of pending.values()) p.reject(failed);
      pending.clear();
    },
  };
}

// folder resolves loadModel's base against the page, as a folder URL.
function folder(base) {
  const u = new URL(String(base), location.href);
  u.search = u.hash = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

// startWorker runs the loader as a module worker: this module itself, or,
// for a library (CFG.entry), its entry file in base, so that an app that
// bundled this code still starts the worker from the package's folder.
// A worker's script must be of the page's origin: from another origin, a
// module of the page's origin (a blob) imports it, which needs CORS.
function startWorker(base) {
  const url = CFG.entry ? at(CFG.entry, base) : new URL(import.meta.url);
  if (url.origin === location.origin) return new Worker(url, { type: 'module', name: 'pwagen' });
  const src = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
  const w = new Worker(src, { type: 'module', name: 'pwagen' });
  setTimeout(() => URL.revokeObjectURL(src), 60e3);
  return w;
}

// ---------- worker side ----------

if (inWorker) {
  let model = null;
  self.onmessage = async ({ data: m }) => {
    if (m.type === 'load') {
      try {
        model = await load(m.storage, m.variant, m.maxMemory);
        self.postMessage({ type: 'ready', info: model.info });
      } catch (e) {
        self.postMessage({ type: 'error', message: e?.message || String(e) });
      }
    } else if (m.type === 'predict') {
      try {
        if (m.typed) {
          const { arrays, buffer } = model.predictTyped(m.input);
          self.postMessage({ type: 'result', id: m.id, outputs: arrays }, [buffer]);
        } else {
          const out = model.predict(new Float32Array(m.input));
          self.postMessage({ type: 'result', id: m.id, output: out.buffer }, [out.buffer]);
        }
      } catch (e) {
        self.postMessage({ type: 'failed', id: m.id, message: e?.message || String(e) });
      }
    }
  };
}

async function load(storage, forced, maxMemory) {
  checkMemory(maxMemory); // before any download
  const t0 = performance.now();
  const total = CFG.wasmSize + CFG.weights.total;
  let loaded = 0;
  const progress = (phase, n) => {
    loaded = Math.min(total, loaded + n);
    post('progress', { progress: { phase, loaded, total } });
  };
  progress('wasm', 0);
  const wasi = new WASI();
  const variant = chooseVariant(forced);
  const kernels = await prepareKernels(variant);
  const imports = { wasi_snapshot_preview1: wasi.imports, ...(kernels && { kernels: kernels.imports }) };
  const { instance, streamed } = await instantiate(CFG.wasm, imports, (n) => progress('wasm', n));
  const x = instance.exports;
  for (const name of ['memory', '_initialize', 'pwagen_alloc_weights', 'pwagen_load_weights', 'pwagen_alloc_input', 'pwagen_predict', 'pwagen_output']) {
    if (!(name in x)) throw new Error(`pwagen: ${CFG.wasm} does not export ${name}; build the model with the pwagen_abi.go that \`pwagen new\` writes`);
  }
  wasi.memory = x.memory;
  await kernels?.bind(x.memory); // before any Go code runs: Go may call a kernel in init
  wasi.run(() => x._initialize());
  const check = (rc, what) => {
    if (rc < 0) {
      const len = x.pwagen_error_len(), ptr = x.pwagen_error();
      throw new Error(`pwagen: ${what}: ${new TextDecoder().decode(new Uint8Array(x.memory.buffer, ptr, len))}`);
    }
    return rc;
  };
  const ptr = allocWeights(x, wasi, CFG.weights.total);
  const tw = performance.now();
  const w = await loadWeights(CFG.weights, storage, (off, n) => new Uint8Array(x.memory.buffer, ptr + off, n), (n) => progress('weights', n));
  const weightsMs = performance.now() - tw;
  check(wasi.run(() => x.pwagen_load_weights()), 'loading the weights');
  const sig = readSignature(x, CFG.wasm); // null: a v1 model
  const inputLen = x.pwagen_input_len ? x.pwagen_input_len() : 0;
  progress('ready', total);
  const info = {
    contract: sig ? 'typed' : 'v1',
    // v1: one float32 input; the outputs are not declared (null).
    inputs: sig ? sig.inputs : [{ name: 'input', dtype: 'float32', shape: [inputLen] }],
    outputs: sig ? sig.outputs : null,
    version: CFG.version,
    variant,
    features: detectFeatures(),
    weightsFrom: w.from,
    bytesFromNetwork: w.network,
    bytesFromIndexedDB: w.indexeddb,
    storage: w.storage,
    stored: w.stored,
    persisted: false,
    weightsMs: Math.round(weightsMs),
    streamed, // compiled while downloading (the host sent application/wasm)
    loadMs: Math.round(performance.now() - t0),
  };
  return {
    info,
    predictTyped(buf) {
      if (!sig) throw new Error('pwagen: this model does not speak the typed contract (no pwagen_signature)');
      return predictTyped(x, (f) => wasi.run(f), check, sig, buf);
    },
    predict(input) {
      const want = inputLen;
      if (want > 0 && (input.length === 0 || input.length % want !== 0)) throw new Error(`pwagen: predict got ${input.length} values; this model takes ${want} per input (a batch is a multiple of ${want})`);
      const p = wasi.run(() => x.pwagen_alloc_input(input.length)) >>> 0;
      new Float32Array(x.memory.buffer, p, input.length).set(input);
      const n = check(wasi.run(() => x.pwagen_predict()), 'predict');
      const o = x.pwagen_output() >>> 0;
      return new Float32Array(x.memory.buffer, o, n).slice(); // views detach when memory grows: read now
    },
  };
}

// allocWeights asks the model for the buffer the weights are copied into.
function allocWeights(x, wasi, total) {
  const fits = `; a wasm32 model's memory holds at most 4 GiB, and the Go runtime needs part of it: shrink or quantize the weights, or raise [budget] memory in pwagen.toml if the browser's limit is not the cause`;
  let ptr;
  try {
    ptr = wasi.run(() => x.pwagen_alloc_weights(total)) >>> 0;
  } catch (e) {
    throw new Error(`pwagen: the model could not allocate ${total} bytes (${(total / 1048576).toFixed(1)} MiB) for its weights (${e?.message || e})${fits}`);
  }
  if (total > 0 && (ptr === 0 || ptr + total > x.memory.buffer.byteLength)) {
    throw new Error(`pwagen: pwagen_alloc_weights(${total}) returned ${ptr}, outside the model's ${x.memory.buffer.byteLength}-byte memory${fits}`);
  }
  return ptr;
}

// instantiate fetches the model, checks and compiles it (fetchwasm.js),
// then instantiates it: no code of a damaged module ever runs.
async function instantiate(name, imports, onBytes) {
  const { module, streamed } = await compileWasm(name, onBytes);
  return { instance: await WebAssembly.instantiate(module, imports), streamed };
}

function detectFeatures() {
  const probes = { simd: '0061736d010000000105016000017b030201000a0a0108004100fd0ffd620b' };
  const have = [];
  for (const [name, hex] of Object.entries(probes)) {
    const bytes = new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
    if (WebAssembly.validate(bytes)) have.push(name);
  }
  if (self.crossOriginIsolated && typeof SharedArrayBuffer === 'function') have.push('threads');
  return have;
}

