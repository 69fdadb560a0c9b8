// Links pwagen's WebAssembly kernels beside the model (docs/kernels.md).
// The model imports its kernels from module "kernels": a small forwarder
// whose exports call through a funcref table. The kernel module, which
// needs the model's memory, is instantiated after the model and fills that
// table with its element segment, so no JS runs on a kernel call. One
// forwarder and one kernel instance per model instance: a kernel bound to
// another instance's memory would silently read the wrong memory.
import { CFG } from './config.js';
import { compileWasm } from './fetchwasm.js';

// A function returning f32x4.splat of an i32: valid only with SIMD.
const SIMD_PROBE = '0061736d010000000105016000017b030201000a0a0108004100fd0ffd620b';

/** simdSupported tells whether this browser validates 128-bit SIMD. */
export function simdSupported() {
  const bytes = new Uint8Array(SIMD_PROBE.match(/../g).map((h) => parseInt(h, 16)));
  return WebAssembly.validate(bytes);
}

/**
 * chooseVariant picks the kernels to run: "simd" where the browser
 * validates SIMD, else "scalar"; "baseline" for a model without kernels.
 * forced ("simd" | "scalar" | "baseline") overrides, or throws if it cannot
 * run here.
 */
export function chooseVariant(forced) {
  const k = CFG.kernels;
  if (forced != null && !['simd', 'scalar', 'baseline'].includes(forced)) {
    throw new Error(`pwagen: variant "${forced}" is not one of "simd", "scalar", "baseline"`);
  }
  if (!k) {
    if (forced && forced !== 'baseline') throw new Error(`pwagen: variant "${forced}" asked for, but this model does not use kernels (it imports nothing from module "kernels"); only "baseline" runs`);
    return 'baseline';
  }
  if (forced === 'baseline') throw new Error('pwagen: variant "baseline" asked for, but this model was built with kernels; package it with kernels = false under [model] in pwagen.toml for a pure-Go baseline');
  if (forced === 'simd' && !simdSupported()) throw new Error('pwagen: variant "simd" asked for, but this browser does not support WebAssembly SIMD (Chrome 91, Firefox 89, Safari 16.4)');
  return forced || (simdSupported() ? 'simd' : 'scalar');
}

/** kernelURLs lists the .wasm files variant needs, for the service worker. */
export function kernelURLs(variant) {
  const k = CFG.kernels;
  return k && variant !== 'baseline' ? [k.forwarder, k[variant]] : [];
}

// compile fetches, checks and compiles a kernel module (fetchwasm.js).
const compile = async (name) => (await compileWasm(name)).module;

/**
 * prepareKernels compiles the forwarder and the kernel module of variant
 * (or takes them compiled, as mods {fwd, kern}: a pool's other workers get
 * the first one's) and instantiates the forwarder. It returns null for
 * "baseline", else { imports, bind(memory), modules }: imports go to the
 * model as module "kernels"; bind instantiates the kernels against the
 * model's memory and must run before the model's first kernel call (before
 * _initialize); modules are the compiled pair, to post to other workers.
 */
export async function prepareKernels(variant, mods) {
  if (variant === 'baseline') return null;
  const [fwdMod, kernMod] = mods ? [mods.fwd, mods.kern] : await Promise.all([compile(CFG.kernels.forwarder), compile(CFG.kernels[variant])]);
  const fwd = await WebAssembly.instantiate(fwdMod, {});
  return {
    imports: fwd.exports,
    modules: { fwd: fwdMod, kern: kernMod },
    async bind(memory) {
      await WebAssembly.instantiate(kernMod, { model: { memory }, kernels: { table: fwd.exports.table } });
    },
  };
}
