import { post } from './config.js';

// ---------- weights: sharded, verified, kept in IndexedDB ----------

const CONCURRENCY = 4;

export async function loadWeights(wm, storage, write, onBytes) {
  const r = { from: 'network', network: 0, indexeddb: 0, storage, stored: false };
  if (wm.shards.length === 0) return r;
  let db = null;
  if (storage !== 'memory') {
    db = await openDB().catch(() => null);
    if (!db) {
      r.storage = 'memory';
      post('warning', { message: 'pwagen: IndexedDB is unavailable (private mode?); the weights are kept in memory and downloaded again next time' });
    }
  }
  const missing = [];
  for (const s of wm.shards) {
    const bytes = db ? await idb(db, 'readonly', (st) => st.get(s.sha256)) : undefined;
    if (bytes && bytes.byteLength === s.size && (await sha256(bytes)) === s.sha256) {
      write(s.offset, new Uint8Array(bytes));
      r.indexeddb += s.size;
      onBytes(s.size);
    } else {
      missing.push(s);
    }
  }
  if (missing.length && db) {
    const need = missing.reduce((n, s) => n + s.size, 0);
    const est = await navigator.storage?.estimate?.().catch(() => null);
    if (est && est.quota - est.usage < need) {
      throw new Error(`pwagen: not enough storage for the weights: ${need} bytes needed, ${Math.max(0, est.quota - est.usage)} available (quota ${est.quota}, used ${est.usage}). Free space, or load with { storage: "memory" } to run without storing them`);
    }
  }
  let next = 0;
  let storing = Promise.resolve();
  const fetchOne = async () => {
    while (next < missing.length) {
      const s = missing[next++];
      const bytes = await fetchShard(s, onBytes);
      write(s.offset, bytes);
      r.network += s.size;
      if (db) storing = storing.then(() => idb(db, 'readwrite', (st) => st.put(bytes.buffer, s.sha256)));
      await storing; // one shard waits in JS memory at a time
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, missing.length) }, fetchOne));
  r.from = r.network === 0 ? 'indexeddb' : r.indexeddb === 0 ? (db ? 'network' : 'memory') : 'mixed';
  if (db) {
    r.stored = missing.length > 0;
    await pruneStale(db, new Set(wm.shards.map((s) => s.sha256)));
  }
  return r;
}

async function fetchShard(s, onBytes) {
  let counted = 0; // bytes already reported: a retry never moves progress back
  let last;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetch(new URL(s.url, self.location), { cache: 'no-store' });
      const type = res.headers.get('content-type') || '';
      if (!res.ok) throw new Error(`answered ${res.status} ${res.statusText}`);
      if (type.startsWith('text/html')) throw new Error('came back as an HTML page, not weights');
      const buf = new Uint8Array(s.size);
      let pos = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (pos + value.byteLength > s.size) throw new Error(`is longer than the ${s.size} bytes the manifest lists`);
        buf.set(value, pos);
        pos += value.byteLength;
        if (pos > counted) {
          onBytes(pos - counted);
          counted = pos;
        }
      }
      if (pos !== s.size) throw new Error(`ended after ${pos} of ${s.size} bytes`);
      const got = await sha256(buf);
      if (got !== s.sha256) throw new Error(`has SHA-256 ${got}, want ${s.sha256}`);
      return buf;
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`pwagen: weights shard ${s.url} ${last.message}; it was not stored. Check that the host serves the whole package`);
}

async function sha256(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

function openDB() {
  const name = 'pwagen:' + new URL('./', self.location).pathname;
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('no IndexedDB'));
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('shards');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB blocked'));
  });
}

function idb(db, mode, op) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('shards', mode);
    const req = op(tx.objectStore('shards'));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction failed'));
  });
}

// pruneStale deletes shards of older versions, once the current set is whole.
async function pruneStale(db, keep) {
  const keys = await idb(db, 'readonly', (st) => st.getAllKeys());
  const stale = keys.filter((k) => !keep.has(k));
  if (stale.length) await idb(db, 'readwrite', (st) => { for (const k of stale) st.delete(k); });
}

