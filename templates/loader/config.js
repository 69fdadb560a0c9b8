// The package's configuration, baked in by the packager as __PWAGEN__.
/* global __PWAGEN__ */
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
