// pwagen's loader. One ES module with two roles: on the page it exports
// loadModel(); loaded as a module Web Worker it runs the model.
// The packager bakes this package's configuration in as __PWAGEN__.
import { BASE, CFG, at, post } from './config.js';
import { isolationReloadDue, registerServiceWorker } from './register.js';
import { WASI } from './wasi.js';
import { chooseVariant, kernelURLs, prepareKernels, simdSupported } from './kernels.js';
import { fromBuffers, loadWeights, startWeights, storeBuffers } from './weights.js';
import { compileWasm } from './fetchwasm.js';
import { checkMemory } from './memory.js';
import { inputPacker, readSignature, typedPredictor, unpack, views } from './typed.js';
import { Pool, poolSize } from './pool.js';
import { IDLE_MS, Spin, WORKER_SPIN, channelSupported, serveChannel, waitChannel } from './channel.js';
import { isThreadHelper, startThreads, threadsURLs } from './threads.js';
import { mark, marks, timeline } from './marks.js';
import { compileEarly, earlyWeights, fromPage, pageDownloads, pageModules, pageWeights } from './early.js';
import { noServiceWorker, offlineReady, weightsKept } from './offline.js';
const inWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;

// ---------- page side ----------

/**
 * Loads the model in a pool of Web Workers, one model instance each.
 * @param {object} [opts]
 * @param {(p:{phase:string,loaded:number,total:number})=>void} [opts.onProgress]
 * @param {(apply:()=>void)=>void} [opts.onUpdateReady] a new version is installed; apply() switches and reloads
 * @param {(e:{url:string,status:number})=>void} [opts.onInstallFailed] the offline copy could not be stored
 * @param {()=>void} [opts.onOfflineReady] the app works offline now (model.offlineReady resolved)
 * @param {(message:string)=>void} [opts.onWarning]
 * @param {"indexeddb"|"memory"} [opts.storage] where the weights are kept
 * @param {boolean} [opts.serviceWorker] register sw.js (default true)
 * @param {"simd-threads"|"simd"|"scalar"|"baseline"} [opts.variant] force the kernels (default: simd-threads on a cross-origin isolated page that has them, when a kernel call of the model reaches threadsMinWork, else simd where supported, else scalar; baseline for models without kernels)
 * @param {number} [opts.threadsMinWork] simd-threads: the multiply-adds from which a gemm or gemv is split across threads (default 4 Mi)
 * @param {number} [opts.maxMemory] the most memory, in bytes, the app lets the model use on this device; loadModel fails before downloading anything when the model needs more (its peak, measured at package time), as it does when the device cannot reserve that much. The pool's workers together stay within it.
 * @param {number} [opts.workers] model instances, each in its own Worker (default min(navigator.hardwareConcurrency, 4)), lowered to fit the memory budget (info.pool says why); predictBatch splits a batch across them and concurrent predict calls run in parallel
 * @param {"auto"|boolean} [opts.spin] on a cross-origin isolated page, whether the page (for at most 0.5 ms) and each worker (0.05 ms) poll the shared channel before they sleep, which saves thread wake-ups on a quiet device and costs time on a busy one: "auto" (the default) decides per call, polling while polls catch the answer and backing off after those that miss, true polls on every call, false never
 * @param {string|URL} [opts.base] the folder the package's files are served from (default: this module's folder)
 */
export async function loadModel(opts = {}) {
  if (opts.spin != null && opts.spin !== 'auto' && typeof opts.spin !== 'boolean') throw new Error(`pwagen: spin is ${JSON.stringify(opts.spin)}; want "auto", true or false, or leave it out for "auto"`);
  const at0 = {}; // this load's page-side marks (info.stages)
  mark('loadModel', at0);
  for (const k in marks) delete marks[k]; // the page's compile marks (fetchwasm.js), this load's
  const wantSW = opts.serviceWorker !== false && !CFG.entry; // a library registers none
  // The page reloads into isolation: register first and start nothing
  // before. Otherwise the service worker waits for the first inference
  // (swGate): its precache would compete with the model's downloads and
  // compile for the network and the cores.
  const sw = wantSW && isolationReloadDue() ? registerServiceWorker(opts) : null;
  if (sw) await sw;
  const gate = wantSW && !sw ? swGate(() => registerServiceWorker(opts)) : null;
  try {
    const model = await start(opts, at0, gate, wantSW);
    return model;
  } catch (e) {
    gate?.open(); // a failed load still installs the app for the next visit
    throw e;
  }
}

// start is loadModel after the service worker's registration (or its gate):
// the pool, its first worker, the page's compile.
async function start(opts, at0, gate, wantSW) {
  const base = opts.base == null ? BASE : folder(opts.base);
  const plan = poolSize(opts.workers, opts.maxMemory);
  checkMemory(opts.maxMemory); // before any download
  const storage = opts.storage || 'indexeddb';
  // A first visit's small weights: the page downloads them (early.js),
  // right after the first worker is on its way.
  const early = pageDownloads(CFG.weights, storage, wantSW);
  let byPage = null, firstWorker = null;
  // Progress: the page counts the model's bytes, the worker the rest.
  const total = CFG.wasmSize + CFG.weights.total;
  let pageBytes = 0, workerBytes = 0;
  const report = (phase) => opts.onProgress?.({ phase, loaded: Math.min(total, pageBytes + workerBytes), total });
  let compiled; // the page's modules for the first worker (early.js)
  const modules = new Promise((resolve) => (compiled = resolve));
  let sig = null; // the typed signature; null for a v1 model
  const decode = (buf) => (sig ? unpack(sig.outputs, views(sig.outputs, buf)) : new Float32Array(buf));
  const hint = CFG.entry ? `${at(CFG.entry, base)} is served as JavaScript, with CORS from another origin` : 'pwagen.js is served as JavaScript';
  const onProgress = opts.onProgress && ((p) => {
    workerBytes = p.loaded;
    report(p.phase);
  });
  const newWorker = () => {
    const first = !at0.workerCreated;
    mark('workerCreated', at0);
    const w = startWorker(base);
    // after the pool's 'load': the modules the page compiled meanwhile
    // (and below, the weights it downloaded: a copy, the page stores its own)
    if (first) modules.then(({ model, kernels, variant, streamed, error }) => w.postMessage({ type: 'modules', model, kernels, variant, streamed, error }));
    if (first) firstWorker = w;
    return w;
  };
  const pool = new Pool(newWorker, plan.workers, { ...opts, onProgress }, decode, hint);
  const started = pool.start({ storage, variant: opts.variant, maxMemory: opts.maxMemory, threadsMinWork: opts.threadsMinWork, early: true, pageWeights: early });
  // The worker is on its way: the model's downloads start beside it.
  compileEarly(opts.variant, base, (n) => {
    pageBytes += n;
    report('wasm');
  }, opts.threadsMinWork).then(compiled);
  if (early) {
    byPage = earlyWeights(CFG.weights, storage, wantSW);
    byPage.then((buffers) => firstWorker.postMessage({ type: 'pageWeights', buffers }));
  }
  const info = await started;
  mark('workerReady', at0);
  if (info.contract === 'typed') sig = structuredClone({ inputs: info.inputs, outputs: info.outputs }); // the app may change info
  const inputLen = info.inputs[0].shape[0];
  info.workers = pool.size; // lowered if one fails to start
  // limitedBy: "budget" (the memory budget), "simd-threads" (the model's
  // kernels run on threads of their own: one worker), or null.
  const limitedBy = pool.alone ? 'simd-threads' : plan.limited ? 'budget' : null;
  // lost: workers that died (pool.js, lost); replaced: those started in their place.
  info.pool = { asked: plan.asked, peakBytes: plan.peakBytes, budgetBytes: plan.budgetBytes, budgetFrom: plan.budgetFrom, limited: !!limitedBy, limitedBy, lost: pool.deaths, replaced: pool.replaced };
  info.transport = channelSupported() ? 'shared-memory' : 'postMessage';
  // persist() exists on the page only. Ask after a load that stored
  // weights; otherwise report what an earlier answer was.
  const st = navigator.storage;
  const persist = async () => {
    const ask = info.stored && st.persist ? st.persist() : st.persisted ? st.persisted() : Promise.resolve(false);
    info.persisted = await ask.catch(() => false);
  };
  // Weights the page downloaded (early.js) are stored once the first
  // inference settled (or SW_WAIT_MS after a load with no call), at the
  // first lull in calls (pool.quiet, lull.js: at most LULL_CAP_MS later),
  // when the page is idle: the first use of IndexedDB in a new profile
  // takes 0.1 to 0.4 s. info.stored turns true then. The service worker
  // waits for them (or for that lull when there is nothing to store), so
  // that an installed app has its weights for offline use.
  const bufs = byPage && info.weightsFrom === 'network' ? await byPage : null;
  let afterFirst;
  const first = new Promise((resolve) => (afterFirst = resolve));
  const calm = first.then(() => pool.quiet());
  const storing = bufs && info.storage === 'indexeddb' ? calm.then(() => new Promise(idle)).then(() => storeBuffers(CFG.weights, bufs)).then((warning) => {
    if (warning) {
      info.storage = 'memory';
      (opts.onWarning || console.warn)(warning);
      return;
    }
    info.stored = true;
    if (st) return persist();
  }).catch(() => {}) : calm; // never holds the service worker back
  setTimeout(afterFirst, SW_WAIT_MS); // an app that waits for its user before the first call
  if (info.storage === 'indexeddb' && st && !bufs) {
    await persist();
    mark('persisted', at0);
  }
  mark('loaded', at0);
  // ms from this page's navigation start, the worker's stages included
  info.stages = timeline({ ...info.marks, ...marks, ...at0 });
  delete info.marks;
  // The first inference settled: store the weights, then the service
  // worker may start. Until one has, each call's settling calls firstDone
  // (settled).
  let opened = !gate && !bufs;
  const firstDone = () => {
    opened = true;
    afterFirst();
    storing.then(() => gate?.open());
  };
  gate?.soon(storing); // an app that waits for its user before the first call
  // The offline copy: the service worker keeps the .wasm files this page
  // runs (a first visit hands them over: it was not under the service
  // worker) and says so; with the weights in IndexedDB, offlineReady
  // resolves (offline.js).
  info.offline = false;
  const urls = (info.variant === 'simd-threads' ? threadsURLs() : [CFG.wasm, ...kernelURLs(info.variant)]).map((url) => at(url, base).href);
  const offline = offlineReady({ urls, weights: weightsKept(info, storing), none: noServiceWorker(wantSW, !!CFG.entry), lib: CFG.entry ? at('pwagen-sw.js', base).href : '' });
  offline.then(() => {
    info.offline = true;
    mark('offlineReady', at0);
    opts.onOfflineReady?.();
  }, () => {});

  // pack checks one input and lays it out as the worker takes it, into
  // into (a Uint8Array: a worker's shared channel) when it fits there, else
  // into a new ArrayBuffer; it returns the bytes written into into, or the
  // buffer. The worker never sees bad input.
  const typed = sig && inputPacker(sig.inputs);
  const pack = (input, into) => {
    if (typed) return into && into.length >= typed.total ? (typed.pack(input, into), typed.total) : typed.pack(input);
    try {
      if (input !== null && typeof input === 'object' && !Array.isArray(input) && !ArrayBuffer.isView(input)) {
        const names = Object.keys(input);
        if (names.length !== 1 || names[0] !== 'input') throw new Error(`pwagen: this model takes one input, "input" (float32, ${inputLen} values); predict got ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'an empty object'}`);
        input = input.input;
      }
      const a = input instanceof Float32Array ? input : Float32Array.from(input);
      if (inputLen > 0 && (a.length === 0 || a.length % inputLen !== 0)) throw new Error(`pwagen: predict got ${a.length} values; this model takes ${inputLen} per input (a batch is a multiple of ${inputLen})`);
      if (into && into.length >= a.byteLength) {
        into.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
        return a.byteLength;
      }
      return a === input ? a.slice().buffer : a.buffer;
    } catch (e) {
      throw e instanceof TypeError ? new Error(`pwagen: predict's input: ${e.message}; this model takes a Float32Array of ${inputLen} values`) : e;
    }
  };
  const settled = (out) => {
    if (!opened) out.finally(firstDone).catch(() => {});
    return out;
  };
  return {
    info,
    /**
     * Resolves once the app works offline: the service worker holds every
     * .wasm file this page runs and the weights are in IndexedDB (then
     * info.offline is true and onOfflineReady is called). Rejects, saying
     * why, when this load leaves no offline copy (no service worker,
     * storage "memory", a failed install: the next load tries again).
     * navigator.serviceWorker.ready is not this: it resolves before the
     * .wasm files are kept.
     */
    offlineReady: offline,
    /**
     * Runs the model on one typed array (a model with one input) or on an
     * object of typed arrays by input name (info.inputs). Resolves to a
     * typed array when the model has one output, else to an object of
     * typed arrays by output name (info.outputs); a v1 model (info.contract
     * "v1") takes one Float32Array and resolves to a Float32Array. Input
     * of the wrong name, dtype or length rejects, naming what was expected.
     * The input is copied, not detached. Calls made while another runs go
     * to the next idle worker.
     */
    predict(input) {
      try {
        return settled(pool.predict(input, pack));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    /**
     * Runs the model on each of inputs (an array; each item what predict
     * takes) and resolves to an array of what predict would resolve to, in
     * the same order. The batch is split into parts that the pool's workers
     * run side by side. An item that predict would reject rejects the whole
     * batch before anything runs, naming its index.
     */
    predictBatch(inputs) {
      if (!Array.isArray(inputs)) return Promise.reject(new Error(`pwagen: predictBatch takes an array of inputs, each what predict takes; it got ${inputs === null ? 'null' : ArrayBuffer.isView(inputs) ? `a ${inputs.constructor.name} (for one input, call predict)` : typeof inputs}`));
      const items = [];
      try {
        inputs.forEach((x, i) => {
          try {
            items.push(pack(x));
          } catch (e) {
            throw new Error(`pwagen: predictBatch's input ${i} of ${inputs.length}: ${e.message.replace(/^pwagen: /, '')}`);
          }
        });
      } catch (e) {
        return Promise.reject(e);
      }
      return settled(pool.run(items, false)); // the pool hands the batch out in parts
    },
    dispose() {
      pool.dispose(new Error('pwagen: the model was disposed'));
    },
  };
}

// swGate holds the service worker's registration until open(): the first
// inference settled, or the load failed; soon(after) opens it SW_WAIT_MS
// after a load once the promise after settled, for an app that waits for
// its user. It registers when the page
// is idle: until then its install would fetch and hash the app shell
// beside the model's start.
function swGate(register) {
  let opened = false;
  const open = () => {
    if (opened) return;
    opened = true;
    idle(() => register());
  };
  return { open, soon: (after) => setTimeout(() => after.then(open), SW_WAIT_MS) };
}

const SW_WAIT_MS = 1000;

// idle calls f when the page is idle, within a second.
const idle = (f) => (self.requestIdleCallback ? requestIdleCallback(() => f(), { timeout: 1000 }) : setTimeout(f, 1));

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

if (inWorker && !isThreadHelper()) {
  mark('workerScript');
  let model = null;
  let sab = null, spin = 0, seen = 0, read = 0; // the shared channel on an isolated page; read counts the messages since it opened
  const spinning = new Spin(true); // the worker's spin after an answer, learned across turns
  // dead: the model instance exited (wasi.js): the pool replaces this worker.
  const fail = (e) => self.postMessage({ type: 'failed', message: e?.message || String(e), dead: !!e?.exited });
  // Serve the channel, spinning then blocked in Atomics.wait, until the
  // page posts another message (it parks us to read it) or no call came
  // for a second: then wait from the event loop (channel.js, IDLE_MS).
  // turns counts the times the channel was served: a wait from the event
  // loop whose turn has passed does nothing.
  let turns = 0;
  const serve = () => {
    const turn = ++turns;
    const r = serveChannel(sab, seen, read, model.out, spin, IDLE_MS, spinning);
    seen = r.seen;
    if (r.idle) waitChannel(sab, seen, () => turn !== turns, serve);
  };
  // Not an async function: a predict's message makes no promise.
  self.onmessage = ({ data: m }) => {
    if (sab) read++;
    if (m instanceof ArrayBuffer) {
      try {
        const out = model.run(new Uint8Array(m));
        self.postMessage(out, [out]);
      } catch (e) {
        fail(e);
      }
    } else if (m.type === 'batch') {
      try {
        const b = runBatch(model, m.data, m.sizes);
        self.postMessage({ type: 'batch', data: b.data, sizes: b.sizes }, [b.data]);
      } catch (e) {
        fail(e);
      }
    } else if (m.type === 'channel') {
      [sab, spin] = [m.sab, m.spin ? WORKER_SPIN : 0];
    } else if (m.type === 'modules' || m.type === 'pageWeights') {
      return fromPage(m); // early.js: before 'ready', no call waits
    } else if (m.type === 'load') {
      if (m.lock) hold(m.lock);
      load(m)
        .then((x) => {
          model = x;
          self.postMessage({ type: 'ready', info: model.info });
        })
        .catch((e) => self.postMessage({ type: 'error', message: e?.message || String(e) }));
      return;
    }
    if (sab) serve();
  };
}

/**
 * hold takes the Web Lock named name for as long as this worker lives and
 * tells the page once it has: the page then asks for the same lock, which
 * the browser grants it the moment this worker is gone — terminated,
 * closed, or crashed — with no event of its own (pool.js, lost).
 */
function hold(name) {
  self.navigator.locks?.request(name, () => {
    self.postMessage({ type: 'alive' });
    return new Promise(() => {});
  }).catch(() => {});
}

/**
 * runBatch runs the model on each input of a batch message (their bytes one
 * after another in data, of the lengths in sizes) and returns the outputs
 * the same way: one buffer, grown as needed, and their lengths.
 */
function runBatch(model, data, sizes) {
  const lens = new Array(sizes.length);
  let buf = new Uint8Array(1024), len = 0;
  for (let i = 0, at = 0; i < sizes.length; at += sizes[i++]) {
    const o = model.out(new Uint8Array(data, at, sizes[i]));
    if (len + o.length > buf.length) {
      const b = new Uint8Array(Math.max(2 * buf.length, len + o.length));
      b.set(buf.subarray(0, len));
      buf = b;
    }
    buf.set(o, len);
    len += lens[i] = o.length;
  }
  return { data: buf.buffer, sizes: lens };
}

/**
 * load starts the model. m is the page's message: {storage, variant,
 * maxMemory, share} for the first worker, which downloads, compiles and
 * reads the weights (and with share posts the compiled modules and a copy
 * of the weights to the page for the others), or {from, pass} for another,
 * which starts from them (and with pass hands the weights back for the
 * next).
 */
async function load(m) {
  const from = m.from;
  mark('load');
  if (!from && !m.early) checkMemory(m.maxMemory); // before any download (the page checked when early)
  const t0 = performance.now();
  const total = CFG.wasmSize + CFG.weights.total;
  let loaded = 0;
  const progress = (phase, n) => {
    if (from) return; // the first worker reports for the pool
    loaded = Math.min(total, loaded + n);
    post('progress', { progress: { phase, loaded, total } });
  };
  progress('wasm', 0);
  // While the model compiles (here or on the page): open IndexedDB, list
  // the stored shards, check the quota. Not when the page downloads the
  // weights (early.js): then only if it could not.
  const storage = m.storage || 'indexeddb';
  const weights = from || m.pageWeights ? null : startWeights(CFG.weights, storage);
  const page = m.early ? pageModules() : null; // early.js: the modules the page compiles
  const wasi = new WASI();
  const threads = from ? null : await startThreads(m.variant, wasi, (n) => progress('wasm', n), m.threadsMinWork, page); // threads.js: null unless simd-threads runs
  const got = await page;
  const pre = got?.variant ? got : null; // null: the page left the choice to this worker
  if (!threads && pre?.error && pre.variant !== 'simd-threads') throw new Error(pre.error);
  const variant = threads ? 'simd-threads' : from ? from.variant : chooseVariant(m.variant);
  const mine = pre?.variant === variant ? pre : null; // what the page compiled, if it is this variant's
  const [kernels, { module, streamed }] = await Promise.all([
    threads ? null : prepareKernels(variant, from?.kernels || mine?.kernels),
    threads || (from ? { module: from.model, streamed: false } : mine ? { module: mine.model, streamed: mine.streamed } : compileWasm(CFG.wasm, (n) => progress('wasm', n))),
  ]);
  const imports = { wasi_snapshot_preview1: wasi.imports, ...(kernels && { kernels: kernels.imports }) };
  const instance = threads ? threads.instance : await WebAssembly.instantiate(module, imports);
  mark('instantiated');
  const x = instance.exports;
  for (const name of ['memory', '_initialize', 'pwagen_alloc_weights', 'pwagen_load_weights', 'pwagen_alloc_input', 'pwagen_predict', 'pwagen_output']) {
    if (!(name in x)) throw new Error(`pwagen: ${CFG.wasm} does not export ${name}; build the model with the pwagen_abi.go that \`pwagen new\` writes`);
  }
  wasi.memory = x.memory;
  await kernels?.bind(x.memory); // before any Go code runs: Go may call a kernel in init
  wasi.run(() => x._initialize());
  mark('goInit');
  const check = (rc, what) => {
    if (rc < 0) {
      const len = x.pwagen_error_len(), ptr = x.pwagen_error();
      throw new Error(`pwagen: ${what}: ${new TextDecoder().decode(new Uint8Array(x.memory.buffer, ptr, len).slice())}`);
    }
    return rc;
  };
  const ptr = allocWeights(x, wasi, CFG.weights.total);
  const tw = performance.now();
  let w;
  if (from) {
    new Uint8Array(x.memory.buffer, ptr, CFG.weights.total).set(new Uint8Array(from.weights));
    if (m.pass) self.postMessage({ type: 'weights', weights: from.weights }, [from.weights]); // for the next worker
    w = { from: 'worker', network: 0, indexeddb: 0, storage: 'memory', stored: false };
  } else {
    const view = (off, n) => new Uint8Array(x.memory.buffer, ptr + off, n);
    const bufs = m.pageWeights ? await pageWeights() : null;
    w = bufs ? fromBuffers(CFG.weights, bufs, view, (n) => progress('weights', n), storage)
      : await loadWeights(weights || startWeights(CFG.weights, storage), view, (n) => progress('weights', n));
    // A model whose kernels run on threads of their own (simd-threads)
    // uses the cores already: it runs alone.
    if (m.share && variant !== 'simd-threads') {
      // Before pwagen_load_weights, which may change the bytes in place.
      const weights = new Uint8Array(x.memory.buffer, ptr, CFG.weights.total).slice().buffer;
      self.postMessage({ type: 'shared', shared: { model: module, kernels: kernels?.modules, variant, weights } }, [weights]);
    }
  }
  const weightsMs = performance.now() - tw;
  check(wasi.run(() => x.pwagen_load_weights()), 'loading the weights');
  mark('weightsLoaded');
  const sig = readSignature(x, CFG.wasm); // null: a v1 model
  const inputLen = x.pwagen_input_len ? x.pwagen_input_len() : 0;
  progress('ready', total);
  mark('ready');
  const info = {
    contract: sig ? 'typed' : 'v1',
    // v1: one float32 input; the outputs are not declared (null).
    inputs: sig ? sig.inputs : [{ name: 'input', dtype: 'float32', shape: [inputLen] }],
    outputs: sig ? sig.outputs : null,
    version: CFG.version,
    variant,
    ...(threads && { threads: threads.helpers + 1 }),
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
    marks: from ? {} : marks, // epoch ms; the page turns them into info.stages
  };
  // predictV1 runs a v1 model on bytes (a Uint8Array of float32 values)
  // and returns its output as a view of the model's memory, valid until the
  // next call into the model. Nothing per call but the two views: the
  // worker serving a shared channel does not return to its event loop.
  const want = inputLen;
  let n = 0; // the values of this call's input
  const allocInput = () => x.pwagen_alloc_input(n);
  const predictRaw = () => x.pwagen_predict();
  const predictV1 = (bytes) => {
    n = bytes.byteLength / 4;
    if (want > 0 && (n === 0 || n % want !== 0)) throw new Error(`pwagen: predict got ${n} values; this model takes ${want} per input (a batch is a multiple of ${want})`);
    const p = wasi.run(allocInput) >>> 0;
    new Uint8Array(x.memory.buffer, p, bytes.byteLength).set(bytes);
    const k = check(wasi.run(predictRaw), 'predict');
    return new Uint8Array(x.memory.buffer, x.pwagen_output() >>> 0, k * 4);
  };
  const typed = sig && typedPredictor(x, (f) => wasi.run(f), check, sig);
  // out runs the model on one packed input (bytes, a Uint8Array) and
  // returns the output's bytes as a view of the model's memory, which the
  // next call may overwrite (and which detaches if the memory grows).
  // A model that exited (the Go runtime's fatal errors, "out of memory"
  // among them: wasi.js) can run no more calls: every later one fails
  // with its error, which says so (exited), at once.
  let exited = null;
  const out = (bytes) => {
    if (exited) throw exited;
    try {
      if (typed) return typed(bytes);
      if (bytes.byteLength % 4) throw new Error(`pwagen: predict got ${bytes.byteLength} bytes; a v1 model takes float32 values, 4 bytes each`);
      return predictV1(bytes);
    } catch (e) {
      if (e?.exited) exited = e;
      throw e;
    }
  };
  return {
    info,
    out,
    /** run is out's bytes copied into a new ArrayBuffer, to post. */
    run: (bytes) => out(bytes).slice().buffer,
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

function detectFeatures() {
  const have = [];
  if (simdSupported()) have.push('simd');
  if (self.crossOriginIsolated && typeof SharedArrayBuffer === 'function') have.push('threads');
  return have;
}

