package swgen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// orderApp is testApp, and it records whether a service worker was
// registered when loadModel resolved, before the first inference.
const orderApp = `import { loadModel } from './pwagen.js';
const t = (window.t = { events: [] });
loadModel({ onWarning(m) { t.events.push('warning: ' + m); } }).then(async (m) => {
  t.regAtLoad = !!(await navigator.serviceWorker.getRegistration());
  t.info = m.info;
  t.result = Array.from(await m.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]))).join(',');
}, (e) => {
  t.error = e.message;
});
`

// storedKeysJS lists the keys of every pwagen IndexedDB database of the origin.
const storedKeysJS = `(async () => {
  const out = {};
  for (const d of await indexedDB.databases()) {
    if (!d.name.startsWith('pwagen:')) continue;
    const db = await new Promise((res, rej) => { const r = indexedDB.open(d.name); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    out[d.name] = db.objectStoreNames.contains('shards') ? await new Promise((res, rej) => { const q = db.transaction('shards').objectStore('shards').getAllKeys(); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); }) : [];
    db.close();
  }
  return out;
})()`

func orderPackage(t *testing.T) string {
	t.Helper()
	dir := newApp(t, "order")
	if err := os.WriteFile(filepath.Join(dir, "web", "app.js"), []byte(orderApp), 0o644); err != nil {
		t.Fatal(err)
	}
	return pack(t, dir)
}

// Issue 15, cold start: the loader's start-up order. The service worker is
// registered only after the first inference (its precache does not compete
// with the model's start), and offline still works after that first visit.
func TestStartOrder(t *testing.T) {
	skipShort(t)
	out := orderPackage(t)
	wasm := "/" + wasmName(t, out)
	ctx := browsertest.New(t)
	s := serve(t, out)
	want := firstVisit(t, ctx, s.URL)
	if browsertest.Eval[bool](t, ctx, `t.regAtLoad`) {
		t.Error("a service worker was registered when loadModel resolved; want it registered after the first inference")
	}
	if st := browsertest.Eval[map[string]float64](t, ctx, `t.info.stages`); st["loadModel"] > st["workerReady"] || st["ready"] == 0 || st["weightsVerified"] == 0 {
		t.Errorf("info.stages %v: want loadModel ≤ workerReady, and ready and weightsVerified marked", st)
	}
	s.setOverride(nil)
	browsertest.WaitFor(t, ctx, cachedJS(wasm), diagJS, 20*time.Second)
	s.stop()
	browsertest.Do(t, ctx, chromedp.Reload())
	browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
	if got := browsertest.Eval[string](t, ctx, `t.result || t.error`); got != want {
		t.Errorf("offline after the first visit: %q, online %q", got, want)
	}
	if from := browsertest.Eval[string](t, ctx, `t.info.weightsFrom`); from != "indexeddb" {
		t.Errorf("offline weights from %q, want indexeddb", from)
	}
}

// Issue 15, cold start: a shard whose bytes are not the package's, though
// its download now starts before the model's memory exists, is refused
// and never stored; once the host is fixed the next load stores it.
func TestTamperedShardNeverStored(t *testing.T) {
	skipShort(t)
	out := orderPackage(t)
	ctx := browsertest.New(t)
	s := serve(t, out)
	s.setAlter(func(p string, b []byte) []byte {
		if !strings.HasPrefix(p, "/weights/") || len(b) == 0 {
			return b
		}
		b = append([]byte(nil), b...)
		b[len(b)/2] ^= 0x40
		return b
	})
	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
	msg := browsertest.Eval[string](t, ctx, `t.error || ''`)
	for _, w := range []string{"weights shard", "SHA-256", "twice", "not stored"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
	if keys := browsertest.Eval[map[string][]string](t, ctx, storedKeysJS); len(keys["pwagen:/"]) != 0 {
		t.Errorf("IndexedDB holds %v after a tampered download; want nothing stored", keys)
	}
	s.setAlter(nil)
	browsertest.Do(t, ctx, chromedp.Reload())
	browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
	if e := browsertest.Eval[string](t, ctx, `t.error || ''`); e != "" {
		t.Fatalf("after the host was fixed: %s", e)
	}
	if keys := browsertest.Eval[map[string][]string](t, ctx, storedKeysJS); len(keys["pwagen:/"]) == 0 {
		t.Errorf("IndexedDB holds %v after a good load; want the shards", keys)
	}
}
