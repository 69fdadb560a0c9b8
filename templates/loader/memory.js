// Will the model fit on this device? Checked before anything is downloaded,
// against the peak memory pwagen measured when it packaged the model
// (CFG.memory): iOS Safari and low-end phones kill a tab that takes too
// much, after the user waited for the whole download.
import { CFG } from './config.js';

const PAGE = 65536;
const MAX_PAGES = 65536; // a wasm32 memory holds at most 4 GiB

/**
 * checkMemory throws unless this device can give the model the memory it
 * needs: the app's own limit (loadModel's maxMemory, in bytes), the
 * device's RAM where the browser tells it (navigator.deviceMemory, in GiB,
 * Chromium only), and a WebAssembly.Memory of that size, reserved and
 * released at once.
 */
export function checkMemory(maxMemory) {
  const need = CFG.memory;
  if (!need) return; // not measured (the model did not run when packaged)
  const fail = (allows, hint) => {
    throw new Error(`pwagen: this model needs ${size(need)} of memory (its peak, measured when it was packaged), but ${allows}; nothing was downloaded. ${hint}`);
  };
  if (maxMemory != null) {
    if (!(maxMemory >= 0)) throw new Error(`pwagen: maxMemory is ${maxMemory}; want a number of bytes, such as 1073741824 for 1 GiB`);
    if (need > maxMemory) fail(`the app allows at most ${size(maxMemory)} (loadModel's maxMemory)`, 'Raise maxMemory, or use a smaller model on this device');
  }
  const ram = self.navigator?.deviceMemory; // GiB, rounded down, at most 8
  if (ram > 0 && need > ram * 2 ** 30) {
    fail(`this device reports ${size(ram * 2 ** 30)} of RAM (navigator.deviceMemory)`, 'Use a device with more memory, or a smaller model');
  }
  const pages = Math.ceil(need / PAGE);
  if (!reserve(pages)) {
    let lo = 0;
    for (let p = pages >> 1; p > 0; p >>= 1) {
      if (reserve(p)) {
        lo = p;
        break;
      }
    }
    fail(`this browser could not reserve it as a WebAssembly.Memory of ${pages} pages${lo ? `; it gave ${lo} pages, ${size(lo * PAGE)}` : ''}`,
      'Close other tabs and apps and reload, or use a device with more memory');
  }
}

// reserve tells whether a memory of that many pages can be allocated; the
// memory is dropped at once, for the garbage collector to release.
function reserve(pages) {
  if (pages > MAX_PAGES) return false;
  try {
    new WebAssembly.Memory({ initial: pages, maximum: pages });
    return true;
  } catch {
    return false;
  }
}

// size formats bytes with their unit: "1.5 GiB (1610612736 bytes)".
function size(n) {
  const u = n >= 2 ** 30 ? [2 ** 30, 'GiB'] : n >= 2 ** 20 ? [2 ** 20, 'MiB'] : [2 ** 10, 'KiB'];
  return `${+(n / u[0]).toFixed(1)} ${u[1]} (${n} bytes)`;
}
