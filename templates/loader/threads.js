// Multi-threaded kernels for a cross-origin isolated page (docs/kernels.md,
// Threads). The packager bakes into the configuration the simd-threads
// kernels and a patch that makes the model's memory shared
// (CFG.kernels["simd-threads"]). The model worker applies the patch to the
// model it fetched and checked, instantiates it with those kernels, then
// starts helper Workers (this same file, named HELPER) that instantiate
// the kernels over the same memory and
// sit in threads_helper: big gemm and gemv calls are split by rows between
// the model worker and them, with memory.atomic.wait32/notify inside the
// kernels; no JavaScript runs per call. Without isolation, or when anything
// fails, the loader runs simd, with a warning.
import { CFG, post } from './config.js';
import { compileWasm } from './fetchwasm.js';
import { simdSupported } from './kernels.js';
import { mark } from './marks.js';

const HELPER = 'pwagen-threads';
const VARIANT = 'simd-threads';
const START_MS = 10000; // helpers that are not ready by then are a failure
const TABLE_SLOTS = 64; // the helpers' own table: at least the kernels' slots
const MIN_WORK = 4 << 20; // the kernels' default threshold in multiply-adds (threads_part.wat, modules.DefaultMinWork)

const inWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;

/** isThreadHelper tells whether this worker is a kernels helper. */
export function isThreadHelper() {
  return inWorker && self.name === HELPER;
}

if (isThreadHelper()) {
  self.onmessage = async ({ data: m }) => {
    try {
      const table = new WebAssembly.Table({ initial: TABLE_SLOTS, element: 'anyfunc' });
      const k = await WebAssembly.instantiate(m.module, { model: { memory: m.memory }, kernels: { table } });
      self.postMessage({ type: 'ready' });
      // threads_helper returns 0 after threads_stop, and 1 after a second
      // with no call: then wait here, in the event loop, for the next one
      // (a worker blocked in Atomics.wait answers nothing else the browser
      // asks of it, performance.measureUserAgentSpecificMemory() included).
      const seq = new Int32Array(m.memory.buffer, 8192, 1);
      while (k.exports.threads_helper() === 1) {
        const w = Atomics.waitAsync(seq, 0, Atomics.load(seq, 0));
        if (w.async) await w.value;
      }
    } catch (e) {
      self.postMessage({ type: 'error', message: e?.message || String(e) });
    }
  };
}

/** threadsURLs lists the .wasm files the simd-threads variant needs. */
export function threadsURLs() {
  return [CFG.wasm, CFG.kernels.forwarder];
}

const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

// shared applies the packager's patch to the model's bytes: its memory
// section, replaced by one that declares the memory shared.
function shared(b, { at, end, section }) {
  const s = bytes(section);
  const out = new Uint8Array(b.length - (end - at) + s.length);
  out.set(b.subarray(0, at));
  out.set(s, at);
  out.set(b.subarray(end), at + s.length);
  return out;
}

// why tells why simd-threads cannot run here, or returns "" when it can.
function why() {
  const k = CFG.kernels;
  if (!k || !k[VARIANT]) return CFG.isolation === 'none' ? 'the page is packaged with isolation = "none"' : 'this model was packaged without them (see pwagen validate\'s notes)';
  if (!self.crossOriginIsolated || typeof SharedArrayBuffer !== 'function') return 'the page is not cross-origin isolated (the host sent no COOP/COEP headers, or the service worker has not reloaded the page yet)';
  if (!simdSupported()) return 'this browser has no WebAssembly SIMD';
  if (typeof Worker !== 'function') return 'this browser cannot start Workers from a Worker';
  if (helperCount() < 1) return 'this device reports one core (navigator.hardwareConcurrency)';
  return '';
}

// helperCount is one helper per further core, at most 3.
function helperCount() {
  return Math.min((self.navigator?.hardwareConcurrency || 1) - 1, 3);
}

// minWorkOf is loadModel's threadsMinWork as the kernels take it: a whole
// number of multiply-adds, 0 for their default.
const minWorkOf = (minWork) => Math.max(0, Math.min(2 ** 31 - 1, Math.floor(Number(minWork) || 0)));

// unsplit tells whether no kernel call of the model reaches the threshold
// (minWork, or the default): the validator measured its biggest call of 8
// rows or more (maxWork; a package made before it has none). Then the
// threads would split nothing: the model runs simd, on one thread a call
// and with its pool of workers for batches, unless simd-threads is asked.
function unsplit(minWork) {
  const w = CFG.kernels?.[VARIANT]?.maxWork;
  return w != null && w < (minWorkOf(minWork) || MIN_WORK);
}

/**
 * threadsPlanned tells whether startThreads(forced, ..., minWork) will try
 * simd-threads here: the page asks it to compile the right modules before
 * the worker is up.
 */
export function threadsPlanned(forced, minWork) {
  return (forced === VARIANT || (forced == null && !unsplit(minWork))) && !why();
}

/**
 * compileThreads fetches, checks and compiles what simd-threads runs: the
 * model patched to shared memory (no streaming then), the forwarder and
 * the kernels, all at once. Resolves to { module, streamed, fwdMod, kernMod }.
 */
export async function compileThreads(onBytes, base) {
  const k = CFG.kernels, t = k[VARIANT];
  const [{ module, streamed }, fwdMod, kernMod] = await Promise.all([
    compileWasm(CFG.wasm, onBytes, (b) => shared(b, t.memory), base), compileWasm(k.forwarder, undefined, null, base).then((r) => r.module), WebAssembly.compile(bytes(t.kernels)),
  ]);
  return { module, streamed, fwdMod, kernMod };
}

/**
 * startThreads instantiates the shared model with the simd-threads kernels
 * and starts the helpers. It returns null, after posting a warning, when
 * they cannot run (the caller then loads the simd variant), or { instance,
 * streamed, helpers }. forced is loadModel's variant: "simd-threads" makes
 * a failure an error; any other forced variant skips the threads.
 * minWork is the threshold in multiply-adds (0 or none: the kernels' 4 Mi).
 * pre is the page's compiled modules (early.js; a promise): used when
 * they are simd-threads', else this compiles its own.
 */
export async function startThreads(forced, wasi, onBytes, minWork = 0, pre = null) {
  if ((forced != null && forced !== VARIANT) || (forced == null && unsplit(minWork))) return null;
  const fail = (reason) => {
    if (forced === VARIANT) throw new Error(`pwagen: variant "${VARIANT}" asked for, but ${reason}`);
    if (CFG.isolation !== 'none') post('warning', { message: `pwagen: running the simd kernels on one thread: ${reason}` });
    return null;
  };
  const reason = why();
  if (reason) return fail(reason);
  const helpers = [];
  try {
    // The helpers' scripts load while the model compiles; each gets the
    // kernels and the memory once they exist.
    const starting = Array.from({ length: helperCount() }, () => {
      const w = new Worker(import.meta.url, { type: 'module', name: HELPER });
      helpers.push(w);
      const h = { w, timer: 0 };
      h.ready = new Promise((resolve, reject) => {
        h.reject = reject;
        w.onmessage = ({ data: m }) => {
          clearTimeout(h.timer);
          if (m.type === 'ready') resolve();
          else reject(new Error(`a helper Worker failed: ${m.message}`));
        };
        w.onerror = (e) => {
          e.preventDefault?.();
          clearTimeout(h.timer);
          reject(new Error(`a helper Worker failed to start: ${e.message || 'a script error'}`));
        };
      });
      h.ready.catch(() => {}); // read below, once the model is instantiated
      return h;
    });
    const page = await pre;
    if (page?.variant === VARIANT && page.error) throw new Error(page.error); // the page's compile failed: as if it were this worker's
    const { module, streamed, fwdMod, kernMod } = page?.variant === VARIANT ? { module: page.model, streamed: page.streamed, fwdMod: page.kernels.fwd, kernMod: page.kernels.kern } : await compileThreads(onBytes);
    const fwd = await WebAssembly.instantiate(fwdMod, {});
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.imports, kernels: fwd.exports });
    const memory = instance.exports.memory;
    if (!(memory?.buffer instanceof SharedArrayBuffer)) throw new Error(`${CFG.wasm} has no shared memory after the patch`);
    const kernels = await WebAssembly.instantiate(kernMod, { model: { memory }, kernels: { table: fwd.exports.table } });
    mark('instantiated');
    await Promise.all(starting.map((h) => {
      h.timer = setTimeout(() => h.reject(new Error(`a helper Worker was not ready in ${START_MS / 1000} s`)), START_MS);
      h.w.postMessage({ module: kernMod, memory });
      return h.ready;
    }));
    // threads_config sets the threshold (0: the default) and answers how many helpers
    // entered their loop in the kernels: the ones that split calls.
    const t0 = performance.now();
    const min = minWorkOf(minWork);
    while (kernels.exports.threads_config(min) < helpers.length && performance.now() - t0 < START_MS) await new Promise((r) => setTimeout(r, 1));
    const running = kernels.exports.threads_config(min);
    if (running < 1) throw new Error(`no helper Worker entered the kernels' loop in ${START_MS / 1000} s`);
    mark('helpersReady');
    return { instance, streamed, helpers: running };
  } catch (e) {
    for (const w of helpers) w.terminate();
    return fail(e?.message || String(e));
  }
}
