// The page compiles the model while its first worker starts. A module
// Worker takes a while to come up (its own fetch of pwagen.js, a new
// JavaScript engine, the module evaluated), and on a first visit the
// .wasm's download and compile are the longest stage: loadModel starts
// them at once, on the page, and posts the compiled modules to the worker
// ({type: 'modules'}, after its 'load'). The worker meanwhile opens
// IndexedDB, lists the stored shards and checks the quota (weights.js,
// startWeights). On a first visit, small weights are downloaded by the
// page at once too (earlyWeights), and IndexedDB is left out of the
// critical path: the page stores them after the load.
import { CFG, at } from './config.js';
import { compileWasm } from './fetchwasm.js';
import { sha256 } from './weights.js';
import { chooseVariant } from './kernels.js';
import { compileThreads, threadsPlanned } from './threads.js';

/**
 * compileEarly fetches, checks and compiles, from the package's folder
 * base, what the worker will run for loadModel's variant (forced):
 * simd-threads where threads.js will try it, else chooseVariant's. It
 * resolves to the message for the worker: { variant, model, streamed,
 * kernels: {fwd, kern} | null }; or { variant, error } when that failed
 * (the worker reports it as it would its own); or { variant: null } when
 * the worker should choose and compile itself (a forced variant that
 * cannot run here: the worker's error names it). onBytes hears the
 * model's bytes; minWork is loadModel's threadsMinWork.
 */
export async function compileEarly(forced, base, onBytes, minWork) {
  let variant;
  try {
    variant = threadsPlanned(forced, minWork) ? 'simd-threads' : chooseVariant(forced);
  } catch {
    return { variant: null };
  }
  try {
    if (variant === 'simd-threads') {
      const t = await compileThreads(onBytes, base);
      return { variant, model: t.module, streamed: t.streamed, kernels: { fwd: t.fwdMod, kern: t.kernMod } };
    }
    const k = CFG.kernels;
    const compile = async (name) => (await compileWasm(name, undefined, null, base)).module;
    const [m, fwd, kern] = await Promise.all([
      compileWasm(CFG.wasm, onBytes, null, base),
      variant === 'baseline' ? null : compile(k.forwarder),
      variant === 'baseline' ? null : compile(k[variant]),
    ]);
    return { variant, model: m.module, streamed: m.streamed, kernels: fwd && { fwd, kern } };
  } catch (e) {
    return { variant, error: e?.message || String(e) };
  }
}

/**
 * EARLY_MAX is the most weights, in bytes, that earlyWeights downloads
 * before the model's memory exists: each shard is held whole in an
 * ArrayBuffer (on the page, and a copy in the worker) until the memory
 * exists; larger weights stream from the worker into the memory.
 */
export const EARLY_MAX = 8 << 20;
const EARLY_CONCURRENCY = 2; // shards downloading at once

/**
 * earlyWeights, on the page, starts the download of the weights wm at
 * once, beside the worker's start and the model's compile, when nothing
 * stored can be reused: on a first visit (no service worker controls the
 * page yet, so the weights are not in IndexedDB, whose first open takes
 * 0.1 to 0.4 s in a new profile) or with storage "memory", and only for
 * weights of at most EARLY_MAX bytes. Each body is read whole as it
 * arrives (an unread body would hold one of the browser's six HTTP/1.1
 * connections per host, which the .wasm fetches need: a deadlock seen
 * under load) and checked against its SHA-256. It returns null when it
 * does not apply (pageDownloads), else a promise of the shards' bytes in wm's order, or of
 * null when one failed: the worker then loads the weights itself, and its
 * error names the shard.
 */
export function earlyWeights(wm, storage, wantSW) {
  return pageDownloads(wm, storage, wantSW) ? downloadAll(wm) : null;
}

/** pageDownloads tells whether earlyWeights downloads the weights. */
export function pageDownloads(wm, storage, wantSW) {
  const first = storage === 'memory' || (wantSW && !navigator.serviceWorker?.controller);
  return first && wm.shards.length > 0 && wm.total <= EARLY_MAX && !!self.crypto?.subtle;
}

function downloadAll(wm) {
  const out = new Array(wm.shards.length);
  let next = 0;
  const one = async () => {
    while (next < wm.shards.length) {
      const i = next++, s = wm.shards[i];
      const res = await fetch(at(s.url), { cache: 'no-store' }); // IndexedDB keeps the weights
      const type = res.headers.get('content-type') || '';
      if (!res.ok || type.startsWith('text/html')) {
        res.body?.cancel().catch(() => {});
        throw new Error(s.url);
      }
      const b = await readAll(res.body, s.size);
      if ((await sha256(b)) !== s.sha256) throw new Error(s.url);
      out[i] = b.buffer;
    }
  };
  return Promise.all(Array.from({ length: Math.min(EARLY_CONCURRENCY, wm.shards.length) }, one)).then(() => out, () => {
    next = wm.shards.length; // start no more
    return null;
  });
}

// readAll reads body whole, as it arrives, into a buffer of size bytes;
// a body of another length throws (one longer is cut off where it
// overflows).
async function readAll(body, size) {
  const b = new Uint8Array(size);
  const r = body.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    if (n + value.byteLength > size) {
      r.cancel().catch(() => {});
      throw new Error('longer than the index says');
    }
    b.set(value, n);
    n += value.byteLength;
  }
  if (n !== size) throw new Error('shorter than the index says');
  return b;
}

let got = null, wake = null, bufs, wakeBufs = null;

/** fromPage, in the worker, keeps the page's {type: 'modules'} and {type: 'pageWeights'} messages. */
export function fromPage(m) {
  if (m.type === 'pageWeights') {
    bufs = m.buffers;
    return wakeBufs?.(bufs);
  }
  got = m;
  wake?.(m);
}

/** pageModules resolves to the page's {type: 'modules'} message. */
export function pageModules() {
  return got ? Promise.resolve(got) : new Promise((resolve) => (wake = resolve));
}

/** pageWeights resolves to the page's downloaded shards (earlyWeights), or null. */
export function pageWeights() {
  return bufs !== undefined ? Promise.resolve(bufs) : new Promise((resolve) => (wakeBufs = resolve));
}
