// The page side of the service worker: registration, updates, install
// failures and cross-origin isolation without headers.
import { CFG } from './config.js';

export async function registerServiceWorker(opts) {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const url = new URL('./sw.js', import.meta.url);
  const sw = navigator.serviceWorker;
  sw.addEventListener('message', ({ data }) => {
    if (data?.type === 'pwagen:install-failed') {
      (opts.onInstallFailed || ((e) => console.warn(`pwagen: offline copy not stored: ${e.url} answered ${e.status}`)))(data);
    }
  });
  let reg;
  try {
    reg = await sw.register(url, { type: 'classic' });
  } catch (e) {
    console.warn('pwagen: service worker not registered:', e);
    return;
  }
  if (CFG.isolation === 'service-worker' && !self.crossOriginIsolated) {
    // The service worker adds COOP and COEP; a reload puts the page under it.
    // Reload at most once per tab, so a host that strips them cannot loop.
    const key = 'pwagen:coi-reload';
    if (!sessionStorage.getItem(key)) {
      sessionStorage.setItem(key, '1');
      await sw.ready;
      location.reload();
      return new Promise(() => {});
    }
    console.warn('pwagen: still not cross-origin isolated after a reload; threads are unavailable');
  }
  const offer = (w) => {
    if (!w || !sw.controller) return; // first install: nothing to replace
    const apply = () => {
      sw.addEventListener('controllerchange', () => location.reload(), { once: true });
      w.postMessage({ type: 'pwagen:skip-waiting' });
    };
    if (CFG.update === 'auto') apply();
    else opts.onUpdateReady?.(apply);
  };
  if (reg.waiting) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => w.state === 'installed' && offer(w));
  });
}

