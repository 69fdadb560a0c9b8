// The one signal that the offline copy is whole (model.offlineReady,
// info.offline, onOfflineReady): the service worker says it holds every
// .wasm file this page runs, and the weights are in IndexedDB.
// navigator.serviceWorker.ready is not that signal: it says the app shell
// is kept, while the .wasm files are kept on first use (a first visit hands
// them over with pwagen:cache after ready) and the weights are the page's.
import { registrationFailed } from './register.js';

// ANSWER_MS bounds, for a library, how long offlineReady waits for the
// app's service worker: for one to be registered at all, and for it to
// take each pwagen:cache message (pwagen-sw.js says so at once on a port
// of its own, before it fetches anything). A service worker without
// pwagen-sw.js drops the message, and navigator.serviceWorker.ready never
// resolves on a page that registers none: offlineReady then pended for
// good. A library's page registers its own service worker, at a moment of
// its choosing, hence the generous bound.
export const ANSWER_MS = 10000;

/**
 * offlineReady resolves once the offline copy is whole, or rejects saying
 * why it is not (and, where it can be, when it will be). o is
 * {urls: the .wasm files' absolute URLs, weights: a promise of '' once the
 * weights are in IndexedDB or of why not, none: why this page can have no
 * service worker ('' if it can), lib: in a library, the URL of its
 * pwagen-sw.js ('' in an app, whose loader registers sw.js itself)}. It
 * asks the active service worker to keep each URL (pwagen:cache, as
 * before) and to say so on a MessageChannel, which sw.js and a library's
 * pwagen-sw.js both answer. In a library it rejects, saying what to add,
 * when no service worker is registered within ANSWER_MS, or the one there
 * does not take the message within ANSWER_MS.
 */
export function offlineReady({ urls, weights, none, lib = '' }) {
  if (none) return Promise.reject(new Error(`pwagen: no offline copy: ${none}`));
  const sw = navigator.serviceWorker;
  const failed = new Promise((_, reject) => {
    registrationFailed.then((why) => reject(new Error(`pwagen: no offline copy: the service worker ${why}; the app works online only (check that the host serves sw.js as JavaScript from the app's folder)`)));
    sw.addEventListener('message', async ({ data }) => {
      // A failed update leaves the active version, which still answers.
      if (data?.type === 'pwagen:install-failed' && !(await sw.getRegistration().catch(() => null))?.active) {
        reject(new Error(`pwagen: no offline copy yet: the service worker's install failed at ${data.url} (${data.reason}); the app works online and tries again on the next visit`));
      }
    });
  });
  const files = (lib ? registered(sw, lib) : sw.ready).then((reg) => Promise.all(urls.map((url) => held(reg.active, url, lib))));
  return Promise.race([failed, Promise.all([files, weights.then((lack) => {
    if (lack) throw new Error(`pwagen: no offline copy: ${lack}`);
  })])]).then(() => {});
}

// add says what a library's host app is to do: the line its service
// worker needs.
const add = (lib) => `add importScripts('${lib}') at the top of the app's service worker (a bundled module service worker imports the package's pwagen-sw.js instead), as docs/lib.md says`;

// registered resolves to the page's service worker registration once it
// has an active worker (navigator.serviceWorker.ready), and rejects when
// ANSWER_MS pass, then each ANSWER_MS after, with no registration at all
// (none was made, or its install failed). One still installing is waited
// for.
function registered(sw, lib) {
  return new Promise((resolve, reject) => {
    let timer = 0;
    const check = async () => {
      if (!(await sw.getRegistration().catch(() => null))) reject(new Error(`pwagen: no offline copy: no service worker is registered for this page (none within ${ANSWER_MS / 1000} s); the library's files are kept by the app's own service worker: register one, and ${add(lib)}`));
      else timer = setTimeout(check, ANSWER_MS);
    };
    timer = setTimeout(check, ANSWER_MS);
    sw.ready.then((reg) => {
      clearTimeout(timer);
      resolve(reg);
    });
  });
}

// held asks the service worker w to keep url and resolves once it says it
// holds it; it rejects with the worker's reason when it could not. With
// lib (a library), the worker is to take the message on a second port
// within ANSWER_MS (pwagen-sw.js does at once): one without pwagen-sw.js
// never does.
function held(w, url, lib) {
  return new Promise((resolve, reject) => {
    const ch = new MessageChannel(), got = new MessageChannel();
    const timer = lib && setTimeout(() => {
      ch.port1.close();
      reject(new Error(`pwagen: no offline copy: the app's service worker (${w.scriptURL}) did not take pwagen's message within ${ANSWER_MS / 1000} s: it does not run pwagen-sw.js, which keeps the library's files for offline use; ${add(lib)}`));
    }, ANSWER_MS);
    const taken = () => {
      clearTimeout(timer);
      got.port1.close();
    };
    got.port1.onmessage = taken;
    // The answer: true once the file is kept.
    ch.port1.onmessage = ({ data }) => {
      taken();
      ch.port1.close();
      if (data === true) resolve();
      else reject(new Error(`pwagen: no offline copy yet: the service worker could not keep ${url} (the download failed, or what the host sent was refused: not a whole 2xx answer, an HTML page, or bytes whose SHA-256 is not the package's); the next load tries again`));
    };
    w.postMessage({ type: 'pwagen:cache', url }, [ch.port2, got.port2]);
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
