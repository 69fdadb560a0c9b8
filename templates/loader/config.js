// The package's configuration, baked in by the packager as __PWAGEN__.
/* global __PWAGEN__ */
export const CFG = __PWAGEN__;

/** post sends a message from the worker to the page. */
export function post(type, fields) {
  self.postMessage({ type, ...fields });
}
