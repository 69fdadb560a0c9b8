// The start-up work that follows the first inference (the pool's other
// workers, the IndexedDB store of the weights the page downloaded, the
// service worker's install) waits for a lull in calls: on a 2-core device
// it took the cores from the calls of an app that predicts at once and
// without a pause (a camera, a microphone), which took 3 to 7 times as
// long for the first 1.5 s.

// LULL_MS: a lull is this long with no call in flight. A camera's frames
// (33 ms apart) or a microphone's chunks (80 ms) leave shorter gaps; an
// app waiting for its user, longer ones.
export const LULL_MS = 250;

// LULL_CAP_MS: the work starts this long after it was asked for, lull or
// not, so that an app that never pauses still gets its weights stored for
// offline use and its other workers.
export const LULL_CAP_MS = 3000;

/**
 * lull resolves once no call has been in flight for quietMs (busy() is
 * false and the last call ended, lastEnd(), quietMs ago or more; ms of
 * performance.now()), counted from now, or capMs from now whatever the
 * calls. It polls with a timer: nothing per call.
 */
export function lull(busy, lastEnd, quietMs = LULL_MS, capMs = LULL_CAP_MS) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const check = () => {
      const now = performance.now();
      const quiet = busy() ? 0 : now - Math.max(t0, lastEnd());
      const wait = Math.min(quietMs - quiet, t0 + capMs - now);
      if (wait <= 0) resolve();
      else setTimeout(check, wait);
    };
    check();
  });
}
