// The package's configuration, baked in by the packager as __PWAGEN__.
/* global __PWAGEN__ */

/**
 * One piece of the weights, named by its content (packager.Shard).
 * @typedef {object} Shard
 * @property {string} url "weights/<16 hex>.bin"
 * @property {number} offset where the piece starts in the weights file
 * @property {number} size its length in bytes
 * @property {string} sha256 the hex SHA-256 of its bytes
 */

/**
 * The runtime configuration, packager.RuntimeConfig as JSON: one
 * @property per field of that struct (packager's TestRuntimeConfigTypedef
 * checks that they agree).
 * @typedef {object} RuntimeConfig
 * @property {string} version the package's version: the service worker's cache name
 * @property {string} wasm the model's file, "model-<hash>.wasm"
 * @property {number} wasmSize its length in bytes
 * @property {{total: number, shards: Shard[]}} weights the weight shards
 * @property {"prompt"|"auto"} update how a new version is applied ([deploy] update)
 * @property {"none"|"headers"|"service-worker"} isolation [deploy] isolation
 * @property {{forwarder: string, simd: string, scalar: string, "simd-threads"?: {kernels: string, memory: {at: number, end: number, section: string}, maxPages: number}}} [kernels] the kernel modules, when the model imports module "kernels"; "simd-threads" (isolated pages, threads.js): that kernel module and the patch making the model's memory shared, base64
 * @property {Object<string, string>} sha256 the hex SHA-256 of each .wasm file, by name
 * @property {number} memory the model's measured peak memory in bytes (0: not measured)
 * @property {string} [entry] in a library, the loader's file in the package folder, which the worker runs from
 */

/** @type {RuntimeConfig} */
export const CFG = __PWAGEN__;

/**
 * BASE is the folder every file of the package is fetched from: the
 * loader's own folder. On the page, loadModel({ base }) may name another;
 * the worker then runs from that folder (CFG.entry), so that its BASE is
 * the same.
 */
export const BASE = new URL('./', import.meta.url);

/** at resolves a file of the package, by its name, against base. */
export const at = (name, base = BASE) => new URL(name, base);

/** post sends a message from the worker to the page. */
export function post(type, fields) {
  self.postMessage({ type, ...fields });
}
