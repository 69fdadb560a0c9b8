// The page side of the service worker: registration, updates, install
// failures and cross-origin isolation without headers.
import { CFG } from './config.js';

// The tab's record of its one isolation reload (sessionStorage).
const COI_RELOAD = 'pwagen:coi-reload';

/**
 * isolationReloadDue tells whether registerServiceWorker will reload the page
 * to make it cross-origin isolated: then nothing else should start, since a
 * load cut short by the reload (with the process swap COOP brings) can leave
 * IndexedDB stuck for the next page.
 */
export function isolationReloadDue() {
  return CFG.isolation === 'service-worker' && !self.crossOriginIsolated && 'serviceWorker' in navigator &&
    window.isSecureContext && !session('get');
}

// session reads, sets or removes the reload record; where sessionStorage is
// unavailable (some sandboxed frames throw), it reads as already reloaded,
// so a page that cannot remember never reloads.
function session(op) {
  try {
    if (op === 'get') return sessionStorage.getItem(COI_RELOAD);
    if (op === 'set') sessionStorage.setItem(COI_RELOAD, '1');
    else sessionStorage.removeItem(COI_RELOAD);
    return true;
  } catch {
    return '1';
  }
}

// registrationFailed resolves, with why, when this page's registration of
// sw.js fails: offlineReady, which otherwise waits for
// navigator.serviceWorker.ready, then rejects.
let failRegistration;
export const registrationFailed = new Promise((resolve) => { failRegistration = resolve; });

/**
 * Registers sw.js beside pwagen.js. opts.onInstallFailed({url, status,
 * reason, version}) hears that the offline copy could not be stored;
 * opts.onUpdateReady(apply) that a new version is installed (with update =
 * "prompt"; without it the new version starts when every tab of the app is
 * closed).
 */
export async function registerServiceWorker(opts) {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const sw = navigator.serviceWorker;
  sw.addEventListener('message', ({ data }) => {
    if (data?.type === 'pwagen:install-failed') {
      (opts.onInstallFailed || ((e) => console.warn(`pwagen: the offline copy was not stored: ${e.url}: ${e.reason}; the app works online and tries again on the next visit`)))(data);
    }
  });
  // A controller that replaces another is a new version taking over, here
  // or in another tab: reload into it, once. The first claim is not.
  let controlled = !!sw.controller, reloading = false;
  sw.addEventListener('controllerchange', () => {
    if (controlled && !reloading) {
      reloading = true;
      location.reload();
    }
    controlled = true;
  });
  let reg;
  try {
    reg = await sw.register(new URL('./sw.js', import.meta.url));
  } catch (e) {
    console.warn('pwagen: service worker not registered; the app works online only:', e);
    failRegistration(`${new URL('./sw.js', import.meta.url).href} could not be registered (${e?.message || e})`);
    return;
  }
  if (CFG.isolation === 'service-worker') {
    if (self.crossOriginIsolated) {
      session('remove');
    } else if (session('get')) {
      console.warn('pwagen: still not cross-origin isolated after a reload; threads are unavailable');
    } else if (await activated(reg)) {
      // The service worker adds COOP and COEP; a reload puts the page under
      // it. At most once in a row per tab, so nothing can loop.
      session('set');
      location.reload();
      return new Promise(() => {});
    }
  }
  const offered = new Set();
  const offer = (w) => {
    if (!w || !sw.controller || offered.has(w)) return; // a first install replaces nothing
    offered.add(w);
    // skipWaiting makes the new version the controller; the listener above reloads.
    const apply = () => w.postMessage({ type: 'pwagen:skip-waiting' });
    if (CFG.update === 'auto') apply();
    else if (opts.onUpdateReady) opts.onUpdateReady(apply);
    else console.info('pwagen: a new version is ready; it starts once every tab of this app is closed');
  };
  offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => w.state === 'installed' && offer(w));
  });
  // Look for a new version when the page comes back, the network returns,
  // and every hour.
  const check = () => reg.update().catch(() => {});
  addEventListener('online', check);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && check());
  setInterval(check, 3600e3);
}

// activated resolves true when the registration has an active service
// worker, false when its install failed.
function activated(reg) {
  const w = reg.active || reg.installing || reg.waiting;
  return new Promise((resolve) => {
    if (!w) return resolve(false);
    const settle = () => (w.state === 'activated' || w.state === 'redundant') && resolve(w.state === 'activated');
    w.addEventListener('statechange', settle);
    settle();
  });
}
