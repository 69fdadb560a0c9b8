import { BASE, at, post } from './config.js';
import { mark } from './marks.js';

// ---------- weights: sharded, verified, kept in IndexedDB ----------
//
// Every shard goes straight into the model's linear memory at its offset:
// from IndexedDB (a Blob, streamed) or from the network (the response body,
// streamed). It is verified there with SHA-256, and a verified download is
// then stored, one shard at a time, as a Blob in its own transaction. JS never
// holds a whole shard: the readers reuse one small scratch buffer each.
// Nothing here calls into Go, so the memory cannot grow and views stay valid.

const CONCURRENCY = 4; // shards downloading at once
const READERS = 2; // shards read from IndexedDB at once
const CHUNK = 256 << 10; // scratch buffer of each reader

/**
 * startWeights begins a load of the weights wm ({total, shards: [{url,
 * offset, size, sha256}]}) before the model's memory exists: it opens
 * IndexedDB, lists the shards it holds and checks the quota for the rest.
 * The worker calls it while the model compiles; the downloads start in
 * loadWeights, into the model's memory.
 * @param {object} wm the weights index baked into pwagen.js
 * @param {"indexeddb"|"memory"} storage where to keep them
 */
export function startWeights(wm, storage) {
  const started = prepare(wm, storage);
  started.catch(() => {}); // a load that fails before loadWeights must not leave an unhandled rejection
  return started;
}

async function prepare(wm, storage) {
  const st = { wm, storage, db: null, have: new Set(), early: new Map() };
  if (!wm.shards.length) return st;
  if (storage !== 'memory') {
    try {
      st.db = await openDB();
      mark('dbOpen');
    } catch (e) {
      st.storage = 'memory';
      post('warning', { message: `pwagen: IndexedDB is unavailable (${e?.message || e}); the weights are kept in memory only and are downloaded again on every visit` });
    }
  }
  try {
    if (st.db) st.have = new Set(await idb(st.db, 'readonly', (o) => o.getAllKeys()));
    const missing = wm.shards.filter((s) => !st.have.has(s.sha256));
    if (st.db && missing.length) await checkQuota(bytesOf(missing), wm); // before any download
  } catch (e) {
    st.db?.close();
    throw e;
  }
  // No shard download starts here: a response whose body waits unread
  // holds one of the browser's six HTTP/1.1 connections to the host, and
  // with enough of them held the .wasm and kernel fetches the model's
  // memory waits for cannot get one (a deadlock seen under load,
  // TestWeightsNewVersionPrunesOnlyWhenComplete).
  return st;
}

/**
 * loadWeights puts the weights that startWeights began into the model's
 * memory.
 * @param {Promise<object>} started what startWeights returned
 * @param {(offset:number, size:number)=>Uint8Array} view the model's memory at a weights offset
 * @param {(n:number)=>void} onBytes n more bytes are in place; the sum never goes back and ends at wm.total
 */
export async function loadWeights(started, view, onBytes) {
  const { wm, storage, db, have, early } = await started;
  const r = { from: 'none', network: 0, indexeddb: 0, storage, stored: false };
  if (!wm.shards.length) return r;
  const progress = new Progress(onBytes);
  try {
    const reuse = wm.shards.filter((s) => have.has(s.sha256));
    const missing = wm.shards.filter((s) => !have.has(s.sha256));

    // Reuse what IndexedDB holds, verified again: storage can be damaged.
    await pool(reuse, READERS, async (s) => {
      const value = await idb(db, 'readonly', (st) => st.get(s.sha256)).catch(() => null);
      if (await fromStore(value, s, view(s.offset, s.size), progress)) {
        r.indexeddb += s.size;
      } else {
        post('warning', { message: `pwagen: the stored weights shard ${s.url} failed its SHA-256 check; downloading it again` });
        missing.push(s);
      }
    });

    // Download the rest; each verified shard is queued for storing at once.
    const store = db ? new Store(db, view) : null;
    let failed = null;
    try {
      await pool(missing, CONCURRENCY, async (s) => {
        await store?.room(CONCURRENCY);
        if (store?.failed?.name === 'QuotaExceededError') throw store.failed; // no room: stop downloading
        await fetchShard(s, view(s.offset, s.size), progress, wm, early.get(s));
        r.network += s.size;
        store?.add(s);
      });
    } catch (e) {
      failed = e;
    }
    mark('weightsVerified'); // every shard in the model's memory, checked
    // Keep every verified shard, even when another failed: the next load
    // resumes from them.
    await store?.drain();
    mark('weightsStored');
    if (store?.failed?.name === 'QuotaExceededError') {
      // Chrome's estimate() reports an artificial quota, so this is where a
      // full disk or a small quota usually shows.
      const left = wm.shards.filter((s) => !have.has(s.sha256) && !store.done.has(s.sha256));
      const est = await estimate();
      throw new Error(`pwagen: not enough storage for the model's weights: the browser refused to store ${store.failedAt.url} (QuotaExceededError) after storing ${store.done.size} shard(s); ${bytesOf(left)} bytes (${mib(bytesOf(left))}) still needed, ${est ? `${Math.max(0, est.quota - est.usage)} bytes available by its estimate (quota ${est.quota}, used ${est.usage}; browsers may overstate it)` : 'and it does not say how much is available'}. ${FIX}`);
    }
    if (failed) throw failed;
    r.from = r.network === 0 ? 'indexeddb' : r.indexeddb === 0 ? 'network' : 'mixed';
    if (store) {
      r.stored = store.done.size > 0;
      if (store.failed) {
        r.storage = 'memory';
        post('warning', { message: `pwagen: storing the weights failed (${store.failed.name}: ${store.failed.message}); they run from memory now and are downloaded again next time. ${await usage()}` });
      } else {
        await pruneStale(db, new Set(wm.shards.map((s) => s.sha256))); // only now: the set is whole
      }
    }
    return r;
  } finally {
    db?.close();
  }
}

/**
 * fromBuffers puts the shards the page downloaded and verified (early.js,
 * earlyWeights: one ArrayBuffer per shard, in wm's order) into the
 * model's memory. The page stores them in IndexedDB after the load
 * (storeBuffers).
 * @param {object} wm the weights index
 * @param {ArrayBuffer[]} buffers the shards' bytes
 * @param {(offset:number, size:number)=>Uint8Array} view the model's memory at a weights offset
 * @param {(n:number)=>void} onBytes n more bytes are in place
 * @param {"indexeddb"|"memory"} storage where the page keeps them
 */
export function fromBuffers(wm, buffers, view, onBytes, storage) {
  wm.shards.forEach((s, i) => {
    view(s.offset, s.size).set(new Uint8Array(buffers[i]));
    onBytes(s.size);
  });
  mark('weightsVerified'); // the page verified them before the memory existed
  return { from: 'network', network: wm.total, indexeddb: 0, storage, stored: false };
}

/**
 * storeBuffers, on the page, keeps the shards it downloaded (buffers, in
 * wm's order, verified) in IndexedDB, each in its own transaction, then
 * deletes other versions' shards. It resolves to null once they are
 * stored, or to the warning to give when they could not be (the weights
 * then run from memory and are downloaded again on the next visit).
 */
export async function storeBuffers(wm, buffers) {
  let db;
  try {
    db = await openDB();
  } catch (e) {
    return `pwagen: IndexedDB is unavailable (${e?.message || e}); the weights are kept in memory only and are downloaded again on every visit`;
  }
  try {
    const have = new Set(await idb(db, 'readonly', (o) => o.getAllKeys()));
    const at = new Map(wm.shards.map((s, i) => [s.offset, buffers[i]]));
    const store = new Store(db, (offset) => new Uint8Array(at.get(offset)));
    for (const s of wm.shards) if (!have.has(s.sha256)) store.add(s);
    await store.drain();
    if (store.failed) return `pwagen: storing the weights failed (${store.failed.name}: ${store.failed.message}); they run from memory now and are downloaded again next time. ${await usage()}`;
    await pruneStale(db, new Set(wm.shards.map((s) => s.sha256)));
    return null;
  } catch (e) {
    return `pwagen: storing the weights failed (${e?.name}: ${e?.message || e}); they run from memory now and are downloaded again next time. ${await usage()}`;
  } finally {
    db.close();
  }
}

// Progress reports bytes in place, shard by shard; a shard read again (a
// retry, a damaged stored copy) counts only its bytes beyond the first try.
class Progress {
  constructor(onBytes) {
    this.onBytes = onBytes;
    this.seen = new Map();
  }
  at(s, pos) {
    const before = this.seen.get(s.offset) || 0;
    if (pos > before) {
      this.seen.set(s.offset, pos);
      this.onBytes(pos - before);
    }
  }
}

// Store writes verified shards to IndexedDB one at a time, each in its own
// transaction, copying it out of the model's memory only when its turn comes.
class Store {
  constructor(db, view) {
    this.db = db;
    this.view = view;
    this.queue = Promise.resolve();
    this.done = new Set(); // keys stored
    this.failed = null; // the first error; storing stops there
    this.failedAt = null;
    this.asBuffers = false;
    this.pending = 0;
    this.waiters = [];
  }
  add(s) {
    this.pending++;
    this.queue = this.queue.then(async () => {
      try {
        if (!this.failed) {
          await this.put(s);
          this.done.add(s.sha256);
        }
      } catch (e) {
        this.failed = e;
        this.failedAt = s;
      } finally {
        this.pending--;
        this.waiters.shift()?.();
      }
    });
  }
  // room waits until fewer than n shards wait to be stored, so downloads
  // stay close behind storing: a crash loses little, a full disk stops them.
  async room(n) {
    while (this.pending >= n) await new Promise((resolve) => this.waiters.push(resolve));
  }
  async put(s) {
    const bytes = this.view(s.offset, s.size);
    const shared = typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer;
    if (!this.asBuffers) {
      try {
        // A Blob keeps the copy out of the JS heap, and reads back as a stream.
        return await idb(this.db, 'readwrite', (st) => st.put(new Blob([shared ? bytes.slice() : bytes]), s.sha256));
      } catch (e) {
        if (e?.name !== 'DataCloneError') throw e;
        this.asBuffers = true; // a browser that cannot store Blobs
      }
    }
    return idb(this.db, 'readwrite', (st) => st.put(bytes.slice().buffer, s.sha256));
  }
  drain() {
    return this.queue;
  }
}

// fromStore copies a stored shard into dst and verifies it there.
async function fromStore(value, s, dst, progress) {
  try {
    if (value instanceof Blob && value.size === s.size) {
      const n = await readInto(value.stream(), dst, (pos) => progress.at(s, pos));
      if (n !== s.size) return false;
    } else if (value instanceof ArrayBuffer && value.byteLength === s.size) {
      dst.set(new Uint8Array(value));
      progress.at(s, s.size);
    } else {
      return false;
    }
    return (await sha256(dst)) === s.sha256;
  } catch {
    return false; // unreadable: download it again
  }
}

// get starts the download of shard s. no-store: IndexedDB keeps the
// weights; the HTTP cache would hold a second copy.
const get = (s) => fetch(at(s.url), { cache: 'no-store' });

// fetchShard downloads s into dst and verifies it there; early is its
// download started by startWeights, for the first try.
async function fetchShard(s, dst, progress, wm, early) {
  let last;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await (attempt === 0 && early ? early : get(s));
      const type = res.headers.get('content-type') || '';
      if (!res.ok) throw new Error(`answered ${res.status} ${res.statusText}`);
      if (type.startsWith('text/html')) throw new Error('came back as an HTML page, not weights (is the host answering missing files with its index page?)');
      const n = await readInto(res.body, dst, (pos) => progress.at(s, pos));
      if (n !== s.size) throw new Error(`ended after ${n} of ${s.size} bytes`);
      const got = await sha256(dst);
      if (got !== s.sha256) throw new Error(`has SHA-256 ${got}, want ${s.sha256}`);
      return;
    } catch (e) {
      last = e;
    }
  }
  const i = wm.shards.indexOf(s) + 1;
  throw new Error(`pwagen: weights shard ${s.url} (${i} of ${wm.shards.length}, ${s.size} bytes) ${last?.message || last}, twice; it was not stored. Shards already stored are kept and the next load downloads only the rest. Check the connection, and that the host serves the whole package`);
}

// readInto streams body into dst and returns the byte count. It reads with
// one reused scratch buffer (a BYOB reader) where the browser allows it.
async function readInto(body, dst, onPos) {
  let reader, buf = null;
  try {
    reader = body.getReader({ mode: 'byob' });
    buf = new ArrayBuffer(CHUNK);
  } catch {
    reader = body.getReader();
  }
  let pos = 0;
  try {
    for (;;) {
      const { done, value } = buf ? await reader.read(new Uint8Array(buf)) : await reader.read();
      if (done) break;
      if (pos + value.byteLength > dst.length) throw new Error(`is longer than the ${dst.length} bytes the manifest lists`);
      dst.set(value, pos);
      pos += value.byteLength;
      if (buf) buf = value.buffer; // the same memory, handed back
      onPos(pos);
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  return pos;
}

/** sha256 is the hex SHA-256 of bytes (a Uint8Array). */
export async function sha256(bytes) {
  // SubtleCrypto refuses views of shared memory: hash a copy then.
  if (typeof SharedArrayBuffer === 'function' && bytes.buffer instanceof SharedArrayBuffer) bytes = bytes.slice();
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

const FIX = 'Free space for this site, or load with { storage: "memory" } to run without storing the weights (they are then downloaded on every visit)';
const bytesOf = (shards) => shards.reduce((n, s) => n + s.size, 0);
const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;

async function estimate() {
  return (await navigator.storage?.estimate?.().catch(() => null)) || null;
}

async function usage() {
  const est = await estimate();
  return est ? `Storage: ${est.usage} bytes used of a ${est.quota}-byte quota.` : '';
}

// checkQuota rejects, with the numbers, weights that cannot fit.
async function checkQuota(need, wm) {
  const est = await estimate();
  if (!est || !est.quota) return; // the browser does not say: try
  const free = Math.max(0, est.quota - (est.usage || 0));
  if (free < need) {
    throw new Error(`pwagen: not enough storage for the model's weights: ${need} bytes (${mib(need)}) needed, ${free} bytes (${mib(free)}) available (quota ${est.quota}, used ${est.usage}; the weights are ${wm.total} bytes). ${FIX}`);
  }
}

// openDB opens this app's database, one per package folder (by its path
// on this origin, by its whole URL on another), whose store "shards" maps a
// shard's SHA-256 to its bytes.
async function openDB() {
  const name = 'pwagen:' + (BASE.origin === self.location.origin ? BASE.pathname : BASE.href);
  let db = await openVersion(name, undefined);
  if (!db.objectStoreNames.contains('shards')) { // created empty elsewhere
    const v = db.version + 1;
    db.close();
    db = await openVersion(name, v);
  }
  return db;
}

function openVersion(name, version) {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('no indexedDB in this context'));
    let req;
    try {
      req = indexedDB.open(name, version);
    } catch (e) {
      return reject(e);
    }
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains('shards')) req.result.createObjectStore('shards');
    };
    let late = false;
    req.onsuccess = () => {
      if (late) return req.result.close();
      req.result.onversionchange = () => req.result.close(); // never block another tab
      resolve(req.result);
    };
    req.onerror = () => reject(req.error || new Error('indexedDB.open failed'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    // An open that never settles (seen in Chromium right after a
    // cross-origin-isolation reload) must not strand the load: give up and
    // run from memory.
    setTimeout(() => {
      late = true;
      reject(new Error(`indexedDB.open did not answer in ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
  });
}

const OPEN_TIMEOUT_MS = 5000;

function idb(db, mode, op) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('shards', mode);
    const req = op(tx.objectStore('shards'));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = tx.onabort = () => reject(tx.error || req.error || new Error('IndexedDB transaction failed'));
  });
}

// pool runs fn over items, n at a time. After a failure it starts no new
// item, lets the running ones finish, and rethrows the first error.
async function pool(items, n, fn) {
  let next = 0;
  let err = null;
  const run = async () => {
    while (!err && next < items.length) {
      const s = items[next++];
      try {
        await fn(s);
      } catch (e) {
        err ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, run));
  if (err) throw err;
}

// pruneStale deletes shards of other versions, once the current set is whole.
async function pruneStale(db, keep) {
  const keys = await idb(db, 'readonly', (st) => st.getAllKeys());
  const stale = keys.filter((k) => !keep.has(k));
  if (stale.length) await idb(db, 'readwrite', (st) => { for (const k of stale) st.delete(k); });
}
