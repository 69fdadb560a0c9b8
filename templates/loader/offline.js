// The one signal that the offline copy is whole (model.offlineReady,
// info.offline, onOfflineReady): the service worker says it holds every
// .wasm file this page runs, and the weights are in IndexedDB.
// navigator.serviceWorker.ready is not that signal: it says the app shell
// is kept, while the .wasm files are kept on first use (a first visit hands
// them over with pwagen:cache after ready) and the weights are the page's.

/**
 * offlineReady resolves once the offline copy is whole, or rejects saying
 * why it is not (and, where it can be, when it will be). o is
 * {urls: the .wasm files' absolute URLs, weights: a promise of '' once the
 * weights are in IndexedDB or of why not, none: why this page can have no
 * service worker ('' if it can)}. It asks the active service worker to
 * keep each URL (pwagen:cache, as before) and to say so on a
 * MessageChannel, which sw.js and a library's pwagen-sw.js both answer.
 */
export function offlineReady({ urls, weights, none }) {
  if (none) return Promise.reject(new Error(`pwagen: no offline copy: ${none}`));
  const sw = navigator.serviceWorker;
  const failed = new Promise((_, reject) => {
    sw.addEventListener('message', async ({ data }) => {
      // A failed update leaves the active version, which still answers.
      if (data?.type === 'pwagen:install-failed' && !(await sw.getRegistration().catch(() => null))?.active) {
        reject(new Error(`pwagen: no offline copy yet: the service worker's install failed at ${data.url} (${data.reason}); the app works online and tries again on the next visit`));
      }
    });
  });
  const files = sw.ready.then((reg) => Promise.all(urls.map((url) => held(reg.active, url))));
  return Promise.race([failed, Promise.all([files, weights.then((lack) => {
    if (lack) throw new Error(`pwagen: no offline copy: ${lack}`);
  })])]).then(() => {});
}

// held asks the service worker w to keep url and resolves once it says it
// holds it; it rejects with the worker's reason when it could not.
function held(w, url) {
  return new Promise((resolve, reject) => {
    const ch = new MessageChannel();
    // The answer: true once the file is kept.
    ch.port1.onmessage = ({ data }) => {
      ch.port1.close();
      if (data === true) resolve();
      else reject(new Error(`pwagen: no offline copy yet: the service worker could not keep ${url} (the download failed, or what the host sent was refused: not a whole 2xx answer, an HTML page, or bytes whose SHA-256 is not the package's); the next load tries again`));
    };
    w.postMessage({ type: 'pwagen:cache', url }, [ch.port2]);
  });
}

/**
 * weightsKept resolves, once the page's store of the weights (storing)
 * settled, to '' when info says the weights are in IndexedDB (stored now,
 * read from there, or none at all), else to why not.
 */
export async function weightsKept(info, storing) {
  await storing;
  if (info.storage !== 'indexeddb') return 'the weights are kept in memory only (storage "memory", or storing them failed: see the warning)';
  if (info.stored || info.weightsFrom === 'indexeddb' || info.weightsFrom === 'none') return '';
  return 'the weights were not stored in IndexedDB';
}

/**
 * noServiceWorker says why this page can have no service worker to keep
 * the files, or '' when it can. own: loadModel registers pwagen's (false
 * with serviceWorker: false); lib: a library, kept by the app's own
 * service worker (pwagen-sw.js).
 */
export function noServiceWorker(own, lib) {
  if (!('serviceWorker' in navigator)) return 'this browser has no service workers';
  if (!self.isSecureContext) return 'this page is not a secure context (https, or localhost), so it has no service worker';
  if (!own && !lib) return 'loadModel was called with serviceWorker: false';
  return '';
}
