// The page compiles the model while its first worker starts. A module
// Worker takes a while to come up (its own fetch of pwagen.js, a new
// JavaScript engine, the module evaluated), and on a first visit the
// .wasm's download and compile are the longest stage: loadModel starts
// them at once, on the page, and posts the compiled modules to the worker
// ({type: 'modules'}, after its 'load'). The worker meanwhile opens
// IndexedDB and starts the weights' downloads (weights.js, startWeights).
import { CFG } from './config.js';
import { compileWasm } from './fetchwasm.js';
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
 * model's bytes.
 */
export async function compileEarly(forced, base, onBytes) {
  let variant;
  try {
    variant = threadsPlanned(forced) ? 'simd-threads' : chooseVariant(forced);
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

let got = null, wake = null;

/** fromPage, in the worker, keeps the page's {type: 'modules'} message. */
export function fromPage(m) {
  got = m;
  wake?.(m);
}

/** pageModules resolves to the page's {type: 'modules'} message. */
export function pageModules() {
  return got ? Promise.resolve(got) : new Promise((resolve) => (wake = resolve));
}
