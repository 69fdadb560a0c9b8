// Fetches and compiles the package's .wasm files, checked against the
// SHA-256 the packager baked in (CFG.sha256). A file that does not match,
// or does not compile, is evicted from the service worker's caches and
// fetched once more past every cache (a host or proxy may have damaged it,
// and the HTTP cache may keep the damaged copy for a year); a second
// failure is an error that names the file and says what to do.
import { CFG, at } from './config.js';
import { mark } from './marks.js';

/** Damaged is a .wasm whose bytes are not the package's. */
class Damaged extends Error {}

/**
 * compileWasm fetches name (relative to the package's base) and compiles it,
 * streaming when the host sends application/wasm. onBytes hears each chunk.
 * Resolves to { module, streamed }. patch, when given, takes the checked
 * bytes (a Uint8Array) and returns the bytes to compile instead (no
 * streaming then; loader/threads.js makes the memory shared). base is the
 * package's folder (default: the loader's own, config.js's BASE).
 */
export async function compileWasm(name, onBytes = () => {}, patch = null, base = undefined) {
  const url = at(name, base);
  let first;
  for (const mode of ['default', 'reload']) {
    try {
      return await attempt(url, name, mode, onBytes, patch);
    } catch (e) {
      if (!(e instanceof Damaged)) throw e;
      if (first) {
        throw new Error(`pwagen: ${name} is damaged: ${e.message}. It was fetched twice, the second time past every cache${first.message === e.message ? '' : ` (the first copy: ${first.message})`}. Something between the host and this browser changes the file (a proxy, a CDN setting, an incomplete upload): redeploy the package as pwagen built it, serve .wasm files byte for byte as application/wasm, then reload the page`);
      }
      first = e;
      await evict(url);
    }
  }
}

// attempt fetches url once with the given cache mode and compiles it,
// checking its SHA-256; it throws Damaged when the bytes are not right.
async function attempt(url, name, mode, onBytes, patch) {
  const res = await fetch(url, { cache: mode });
  if (!res.ok) throw new Error(`pwagen: ${url.pathname} answered ${res.status} ${res.statusText}; is the package deployed whole?`);
  const type = res.headers.get('content-type') || '';
  if (type.startsWith('text/html')) {
    throw new Error(`pwagen: ${url.pathname} came back as an HTML page, not WebAssembly; the host is answering a missing file with its fallback page. Deploy the whole package, and serve .wasm as application/wasm`);
  }
  const want = CFG.sha256?.[name];
  const subtle = want && self.crypto?.subtle; // only in secure contexts
  const chunks = [];
  const counted = res.body.pipeThrough(new TransformStream({ transform(c, ctl) { onBytes(c.byteLength); ctl.enqueue(c); } }));
  // One branch compiles, the other keeps the bytes to hash, whole even if
  // compiling gives up early.
  const [toCompile, toHash] = subtle ? counted.tee() : [counted, null];
  const kept = toHash && (async () => {
    let n = 0;
    for (const r = toHash.getReader(); ;) {
      const { done, value } = await r.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
    // Joined here: a Blob would send the bytes to the browser's blob store
    // and back (one more round trip between processes).
    const all = new Uint8Array(n);
    for (let o = 0, i = 0; i < chunks.length; o += chunks[i++].byteLength) all.set(chunks[i], o);
    chunks.length = 0;
    return all.buffer;
  })();
  const streamed = type.startsWith('application/wasm') && !patch;
  if (!streamed && !patch) console.warn(`pwagen: ${url.pathname} is served as "${type}"; serve it as application/wasm to compile while downloading`);
  const compiling = streamed
    ? WebAssembly.compileStreaming(new Response(toCompile, { headers: { 'content-type': 'application/wasm' } }))
    : new Response(toCompile).arrayBuffer().then((b) => WebAssembly.compile(patch ? patch(new Uint8Array(b)) : b));
  // Marks (marks.js): the model as "wasm", the kernel modules as "kernels".
  const label = name === CFG.wasm ? 'wasm' : 'kernels';
  kept?.then(() => mark(label + 'Fetched'), () => {});
  compiling.then(() => mark(label + 'Compiled'), () => {});
  const [c, k] = await Promise.allSettled([compiling, kept]);
  const bad = c.status === 'rejected' ? `it failed to compile (${c.reason?.message || c.reason})` : '';
  if (k.status === 'rejected') throw new Damaged(`the download was cut short (${k.reason?.message || k.reason})`);
  if (subtle) {
    const got = hex(await subtle.digest('SHA-256', k.value));
    if (got !== want) throw new Damaged(`${bad ? bad + ', and ' : ''}its SHA-256 is ${got.slice(0, 16)}…, not the ${want.slice(0, 16)}… the package was built with (${k.value.byteLength} bytes arrived)`);
  }
  // No sum to compare (crypto.subtle needs a secure context): a compile failure may be damage.
  if (bad && !subtle) throw new Damaged(`${bad}; its SHA-256 was not checked, since this page is not a secure context (https or localhost)`);
  if (bad) {
    // The bytes are the package's: this browser lacks a feature the model uses.
    throw new Error(`pwagen: ${name} is intact (its SHA-256 matches) but ${bad}; this browser lacks a WebAssembly feature the model needs: update the browser, or check [browser] targets in pwagen.toml`);
  }
  return { module: c.value, streamed };
}

// evict deletes url from the pwagen caches of this origin, so that neither
// the service worker nor the next visit serves a damaged copy.
async function evict(url) {
  if (!self.caches) return;
  for (const k of await caches.keys().catch(() => [])) {
    if (k.startsWith('pwagen:')) await (await caches.open(k)).delete(url.href).catch(() => {});
  }
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
