// pwagen's loader. One ES module with two roles: on the page it exports
// loadModel(); loaded as a module Web Worker it runs the model.
// The packager bakes this package's configuration in as __PWAGEN__.
/* global __PWAGEN__ */
const CFG = __PWAGEN__;
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
 */
export async function loadModel(opts = {}) {
  const sw = opts.serviceWorker === false ? null : registerServiceWorker(opts);
  const worker = new Worker(import.meta.url, { type: 'module', name: 'pwagen' });
  const pending = new Map();
  let seq = 0;
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
        if (m.type === 'result') p?.resolve(new Float32Array(m.output));
        else p?.reject(new Error(m.message));
      }
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      failed = new Error(`pwagen: the model worker failed to start: ${e.message || 'a script error'}; check that pwagen.js is served as JavaScript`);
      reject(failed);
      for (const p of pending.values()) p.reject(failed);
      pending.clear();
    };
  });
  worker.postMessage({ type: 'load', storage: opts.storage || 'indexeddb' });
  let info;
  try {
    info = await ready;
  } catch (e) {
    worker.terminate();
    throw e;
  }
  if (info.stored && navigator.storage?.persist) {
    info.persisted = await navigator.storage.persist().catch(() => false);
  }
  await sw;
  // A first visit is not yet under the service worker: hand it the .wasm to keep.
  navigator.serviceWorker?.ready.then((r) => r.active?.postMessage({ type: 'pwagen:cache', url: CFG.wasm }));
  return {
    info,
    /** Runs the model; resolves to a Float32Array. The input is copied, not detached. */
    predict(input) {
      if (failed) return Promise.reject(failed);
      if (!(input instanceof Float32Array)) input = Float32Array.from(input);
      if (CFG.inputLen > 0 && input.length !== CFG.inputLen) {
        return Promise.reject(new Error(`pwagen: predict got ${input.length} values; this model takes ${CFG.inputLen}`));
      }
      const id = ++seq;
      const copy = input.slice();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'predict', id, input: copy.buffer }, [copy.buffer]);
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

async function registerServiceWorker(opts) {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const url = new URL('./sw.js', import.meta.url);
  const sw = navigator.serviceWorker;
  sw.addEventListener('message', ({ data }) => {
    if (data?.type === 'pwagen:install-failed') {
      (opts.onInstallFailed || ((e) => console.warn(`pwagen: offline copy not stored: ${e.url} answered ${e.status}`)))(data);
    }
  });
  let reg;
  try {
    reg = await sw.register(url, { type: 'classic' });
  } catch (e) {
    console.warn('pwagen: service worker not registered:', e);
    return;
  }
  if (CFG.isolation === 'service-worker' && !self.crossOriginIsolated) {
    // The service worker adds COOP and COEP; a reload puts the page under it.
    // Reload at most once per tab, so a host that strips them cannot loop.
    const key = 'pwagen:coi-reload';
    if (!sessionStorage.getItem(key)) {
      sessionStorage.setItem(key, '1');
      await sw.ready;
      location.reload();
      return new Promise(() => {});
    }
    console.warn('pwagen: still not cross-origin isolated after a reload; threads are unavailable');
  }
  const offer = (w) => {
    if (!w || !sw.controller) return; // first install: nothing to replace
    const apply = () => {
      sw.addEventListener('controllerchange', () => location.reload(), { once: true });
      w.postMessage({ type: 'pwagen:skip-waiting' });
    };
    if (CFG.update === 'auto') apply();
    else opts.onUpdateReady?.(apply);
  };
  if (reg.waiting) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => w.state === 'installed' && offer(w));
  });
}

// ---------- worker side ----------

if (inWorker) {
  let model = null;
  self.onmessage = async ({ data: m }) => {
    if (m.type === 'load') {
      try {
        model = await load(m.storage);
        self.postMessage({ type: 'ready', info: model.info });
      } catch (e) {
        self.postMessage({ type: 'error', message: e?.message || String(e) });
      }
    } else if (m.type === 'predict') {
      try {
        const out = model.predict(new Float32Array(m.input));
        self.postMessage({ type: 'result', id: m.id, output: out.buffer }, [out.buffer]);
      } catch (e) {
        self.postMessage({ type: 'failed', id: m.id, message: e?.message || String(e) });
      }
    }
  };
}

function post(type, fields) {
  self.postMessage({ type, ...fields });
}

async function load(storage) {
  const t0 = performance.now();
  const total = CFG.wasmSize + CFG.weights.total;
  let loaded = 0;
  const progress = (phase, n) => {
    loaded = Math.min(total, loaded + n);
    post('progress', { progress: { phase, loaded, total } });
  };
  progress('wasm', 0);
  const wasi = new WASI();
  const imports = { wasi_snapshot_preview1: wasi.imports };
  const { instance } = await instantiate(new URL(CFG.wasm, self.location), imports, (n) => progress('wasm', n));
  const x = instance.exports;
  for (const name of ['memory', '_initialize', 'pwagen_alloc_weights', 'pwagen_load_weights', 'pwagen_alloc_input', 'pwagen_predict', 'pwagen_output']) {
    if (!(name in x)) throw new Error(`pwagen: ${CFG.wasm} does not export ${name}; build the model with the pwagen_abi.go that \`pwagen new\` writes`);
  }
  wasi.memory = x.memory;
  wasi.run(() => x._initialize());
  const check = (rc, what) => {
    if (rc < 0) {
      const len = x.pwagen_error_len(), ptr = x.pwagen_error();
      throw new Error(`pwagen: ${what}: ${new TextDecoder().decode(new Uint8Array(x.memory.buffer, ptr, len))}`);
    }
    return rc;
  };
  const ptr = wasi.run(() => x.pwagen_alloc_weights(CFG.weights.total)) >>> 0;
  const w = await loadWeights(CFG.weights, storage, (off, bytes) => new Uint8Array(x.memory.buffer).set(bytes, ptr + off), (n) => progress('weights', n));
  check(wasi.run(() => x.pwagen_load_weights()), 'loading the weights');
  progress('ready', total);
  const info = {
    version: CFG.version,
    variant: 'baseline',
    features: detectFeatures(),
    weightsFrom: w.from,
    bytesFromNetwork: w.network,
    bytesFromIndexedDB: w.indexeddb,
    storage: w.storage,
    stored: w.stored,
    persisted: false,
    loadMs: Math.round(performance.now() - t0),
  };
  return {
    info,
    predict(input) {
      const p = wasi.run(() => x.pwagen_alloc_input(input.length)) >>> 0;
      new Float32Array(x.memory.buffer, p, input.length).set(input);
      const n = check(wasi.run(() => x.pwagen_predict()), 'predict');
      const o = x.pwagen_output() >>> 0;
      return new Float32Array(x.memory.buffer, o, n).slice(); // views detach when memory grows: read now
    },
  };
}

async function instantiate(url, imports, onBytes) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`pwagen: ${url.pathname} answered ${res.status} ${res.statusText}; is the package deployed whole?`);
  const type = res.headers.get('content-type') || '';
  if (type.startsWith('text/html')) {
    throw new Error(`pwagen: ${url.pathname} came back as an HTML page, not WebAssembly; the host is answering a missing file with its fallback page. Deploy the whole package, and serve .wasm as application/wasm`);
  }
  const counted = res.body.pipeThrough(new TransformStream({ transform(c, ctl) { onBytes(c.byteLength); ctl.enqueue(c); } }));
  if (type.startsWith('application/wasm')) {
    return WebAssembly.instantiateStreaming(new Response(counted, { headers: { 'content-type': 'application/wasm' } }), imports);
  }
  // A host that sends the wrong type blocks streaming compilation: compile from bytes.
  console.warn(`pwagen: ${url.pathname} is served as "${type}"; serve it as application/wasm to compile while downloading`);
  return WebAssembly.instantiate(await new Response(counted).arrayBuffer(), imports);
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

// ---------- weights: sharded, verified, kept in IndexedDB ----------

const CONCURRENCY = 4;

async function loadWeights(wm, storage, write, onBytes) {
  const r = { from: 'network', network: 0, indexeddb: 0, storage, stored: false };
  if (wm.shards.length === 0) return r;
  let db = null;
  if (storage !== 'memory') {
    db = await openDB().catch(() => null);
    if (!db) {
      r.storage = 'memory';
      post('warning', { message: 'pwagen: IndexedDB is unavailable (private mode?); the weights are kept in memory and downloaded again next time' });
    }
  }
  const missing = [];
  for (const s of wm.shards) {
    const bytes = db ? await idb(db, 'readonly', (st) => st.get(s.sha256)) : undefined;
    if (bytes && bytes.byteLength === s.size && (await sha256(bytes)) === s.sha256) {
      write(s.offset, new Uint8Array(bytes));
      r.indexeddb += s.size;
      onBytes(s.size);
    } else {
      missing.push(s);
    }
  }
  if (missing.length && db) {
    const need = missing.reduce((n, s) => n + s.size, 0);
    const est = await navigator.storage?.estimate?.().catch(() => null);
    if (est && est.quota - est.usage < need) {
      throw new Error(`pwagen: not enough storage for the weights: ${need} bytes needed, ${Math.max(0, est.quota - est.usage)} available (quota ${est.quota}, used ${est.usage}). Free space, or load with { storage: "memory" } to run without storing them`);
    }
  }
  let next = 0;
  let storing = Promise.resolve();
  const fetchOne = async () => {
    while (next < missing.length) {
      const s = missing[next++];
      const bytes = await fetchShard(s, onBytes);
      write(s.offset, bytes);
      r.network += s.size;
      if (db) storing = storing.then(() => idb(db, 'readwrite', (st) => st.put(bytes.buffer, s.sha256)));
      await storing; // one shard waits in JS memory at a time
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, missing.length) }, fetchOne));
  r.from = r.network === 0 ? 'indexeddb' : r.indexeddb === 0 ? (db ? 'network' : 'memory') : 'mixed';
  if (db) {
    r.stored = missing.length > 0;
    await pruneStale(db, new Set(wm.shards.map((s) => s.sha256)));
  }
  return r;
}

async function fetchShard(s, onBytes) {
  let counted = 0; // bytes already reported: a retry never moves progress back
  let last;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetch(new URL(s.url, self.location), { cache: 'no-store' });
      const type = res.headers.get('content-type') || '';
      if (!res.ok) throw new Error(`answered ${res.status} ${res.statusText}`);
      if (type.startsWith('text/html')) throw new Error('came back as an HTML page, not weights');
      const buf = new Uint8Array(s.size);
      let pos = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (pos + value.byteLength > s.size) throw new Error(`is longer than the ${s.size} bytes the manifest lists`);
        buf.set(value, pos);
        pos += value.byteLength;
        if (pos > counted) {
          onBytes(pos - counted);
          counted = pos;
        }
      }
      if (pos !== s.size) throw new Error(`ended after ${pos} of ${s.size} bytes`);
      const got = await sha256(buf);
      if (got !== s.sha256) throw new Error(`has SHA-256 ${got}, want ${s.sha256}`);
      return buf;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`pwagen: weights shard ${s.url} ${last.message}; it was not stored. Check that the host serves the whole package`);
}

async function sha256(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

function openDB() {
  const name = 'pwagen:' + new URL('./', self.location).pathname;
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('no IndexedDB'));
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('shards');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB blocked'));
  });
}

function idb(db, mode, op) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('shards', mode);
    const req = op(tx.objectStore('shards'));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction failed'));
  });
}

// pruneStale deletes shards of older versions, once the current set is whole.
async function pruneStale(db, keep) {
  const keys = await idb(db, 'readonly', (st) => st.getAllKeys());
  const stale = keys.filter((k) => !keep.has(k));
  if (stale.length) await idb(db, 'readwrite', (st) => { for (const k of stale) st.delete(k); });
}

// ---------- WASI: what a Go wasip1 reactor imports ----------

class ExitError extends Error {
  constructor(code) {
    super(`pwagen: the model exited with code ${code}`);
    this.code = code;
  }
}

class WASI {
  constructor() {
    this.memory = null;
    this.out = { 1: '', 2: '' };
    const ok = 0, EBADF = 8, ESPIPE = 70;
    const view = () => new DataView(this.memory.buffer);
    const zero = (a, b) => { const v = view(); v.setUint32(a, 0, true); v.setUint32(b, 0, true); return ok; };
    const now = (id) => BigInt(Math.round((id === 0 ? performance.timeOrigin + performance.now() : performance.now()) * 1e6));
    this.imports = {
      args_get: () => ok,
      args_sizes_get: zero,
      environ_get: () => ok,
      environ_sizes_get: zero,
      clock_res_get: (id, p) => { view().setBigUint64(p, 1000n, true); return ok; },
      clock_time_get: (id, precision, p) => { view().setBigUint64(p, now(id), true); return ok; },
      fd_write: (fd, iovs, n, written) => {
        const v = view();
        let total = 0;
        for (let i = 0; i < n; i++) {
          const ptr = v.getUint32(iovs + i * 8, true), len = v.getUint32(iovs + i * 8 + 4, true);
          this.print(fd, new Uint8Array(this.memory.buffer, ptr, len));
          total += len;
        }
        v.setUint32(written, total, true);
        return ok;
      },
      fd_read: (fd, iovs, n, nread) => { view().setUint32(nread, 0, true); return ok; },
      fd_close: () => ok,
      fd_seek: () => ESPIPE,
      fd_fdstat_get: (fd, p) => {
        if (fd > 2) return EBADF;
        const v = view();
        v.setUint8(p, 2); // character device
        v.setUint16(p + 2, 0, true);
        v.setBigUint64(p + 8, 0n, true);
        v.setBigUint64(p + 16, 0n, true);
        return ok;
      },
      fd_fdstat_set_flags: () => ok,
      fd_prestat_get: () => EBADF, // no preopened folders; ENOSYS would make Go's init panic
      fd_prestat_dir_name: () => EBADF,
      proc_exit: (code) => { throw new ExitError(code); },
      random_get: (p, len) => {
        for (let i = 0; i < len; i += 65536) crypto.getRandomValues(new Uint8Array(this.memory.buffer, p + i, Math.min(65536, len - i)));
        return ok;
      },
      sched_yield: () => ok,
      poll_oneoff: (inp, out, nsubs, nevents) => {
        // Clock subscriptions only: report each as due at once.
        const v = view();
        for (let i = 0; i < nsubs; i++) {
          const s = inp + i * 48, e = out + i * 32;
          v.setBigUint64(e, v.getBigUint64(s, true), true); // userdata
          v.setUint16(e + 8, 0, true); // error
          v.setUint8(e + 10, v.getUint8(s + 8)); // type
        }
        v.setUint32(nevents, nsubs, true);
        return ok;
      },
    };
  }

  print(fd, bytes) {
    const text = this.out[fd] + new TextDecoder().decode(bytes);
    const lines = text.split('\n');
    this.out[fd] = lines.pop();
    for (const l of lines) (fd === 2 ? console.error : console.log)('[model]', l);
  }

  run(f) {
    try {
      return f();
    } catch (e) {
      if (e instanceof ExitError) {
        const tail = (this.out[2] || '').trim();
        throw new Error(`${e.message}${tail ? ': ' + tail : ''}; Go runtime errors such as "out of memory" mean the model needs more memory than the tab allows`);
      }
      throw e;
    }
  }
}
