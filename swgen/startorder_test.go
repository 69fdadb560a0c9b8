package swgen_test

import (
	"context"
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
	// A first visit stores the weights after its first inference, at a
	// lull in calls (lull.js): info.stored says when.
	browsertest.WaitFor(t, ctx, `t.info.stored`, diagJS, 20*time.Second)
	if keys := browsertest.Eval[map[string][]string](t, ctx, storedKeysJS); len(keys["pwagen:/"]) == 0 {
		t.Errorf("IndexedDB holds %v after a good load; want the shards", keys)
	}
}

// holdIDBJS opens the app's database in an upgrade and keeps the upgrade's
// transaction busy until window.releaseIDB(): until then every other open
// of that database waits.
const holdIDBJS = `new Promise((res, rej) => {
  const q = indexedDB.open('pwagen:/', 1);
  q.onupgradeneeded = () => {
    const st = q.result.createObjectStore('shards');
    let held = true;
    window.releaseIDB = () => { held = false; return true; };
    const busy = () => { if (held) st.get('none').onsuccess = busy; };
    busy();
    res(true);
  };
  q.onsuccess = () => q.result.close();
  q.onerror = () => rej(q.error);
})`

// Issue 15, cold start: a first visit's small weights do not wait for
// IndexedDB (whose first open in a new profile takes 0.1 to 0.4 s): the
// page downloads them at once and stores them after the load. Here another
// tab holds the database's open for as long as the test likes: the first
// inference arrives anyway, with no warning (the old order gave up on
// IndexedDB after 5 s and ran from memory, with a warning); once the tab
// lets go, the weights are stored, and the app works offline.
func TestFirstVisitDoesNotWaitForIndexedDB(t *testing.T) {
	skipShort(t)
	out := orderPackage(t)
	s := serve(t, out)
	hold := browsertest.New(t)
	browsertest.Do(t, hold, chromedp.Navigate(s.URL+"hold"))
	if !browsertest.Eval[bool](t, hold, holdIDBJS) {
		t.Fatal("could not hold the database")
	}
	ctx, cancel := chromedp.NewContext(hold) // a second tab of the same browser
	defer cancel()
	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
	if e := browsertest.Eval[string](t, ctx, `t.error || t.events.join('; ')`); e != "" {
		t.Fatalf("first visit while IndexedDB is held: %s", e)
	}
	if browsertest.Eval[bool](t, ctx, `t.info.stored`) {
		t.Fatal("info.stored is true while IndexedDB is held")
	}
	want := browsertest.Eval[string](t, ctx, `t.result`)
	browsertest.Eval[bool](t, hold, `releaseIDB()`)
	browsertest.WaitFor(t, ctx, `t.info.stored`, diagJS, 20*time.Second)
	if keys := browsertest.Eval[map[string][]string](t, ctx, storedKeysJS); len(keys["pwagen:/"]) == 0 {
		t.Fatalf("IndexedDB holds %v once released; want the shards", keys)
	}
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, diagJS, 20*time.Second)
	browsertest.WaitFor(t, ctx, cachedJS("/"+wasmName(t, out)), diagJS, 20*time.Second)
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

// poolApp loads the model in two workers and calls it once the test says
// go (window.go()).
const poolApp = `import { loadModel } from './pwagen.js';
const t = (window.t = {});
loadModel({ workers: 2 }).then(async (m) => {
  t.info = m.info;
  await new Promise((go) => { window.go = go; t.loaded = true; });
  t.result = Array.from(await m.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]))).join(',');
}, (e) => {
  t.error = e.message;
});
`

// workers counts the dedicated workers of the browser.
func workers(t *testing.T, ctx context.Context) int {
	t.Helper()
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, i := range infos {
		if i.Type == "worker" {
			n++
		}
	}
	return n
}

// Issue 15, cold start: the pool's other workers start after the first
// call, not beside the first worker's load and first inference, whose
// cores they would take.
func TestOtherWorkersStartAfterFirstCall(t *testing.T) {
	skipShort(t)
	dir := newApp(t, "pool")
	if err := os.WriteFile(filepath.Join(dir, "web", "app.js"), []byte(poolApp), 0o644); err != nil {
		t.Fatal(err)
	}
	out := pack(t, dir)
	ctx := browsertest.New(t)
	s := serve(t, out)
	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `window.t?.loaded || window.t?.error`, diagJS, 60*time.Second)
	if n := browsertest.Eval[int](t, ctx, `t.info.workers`); n != 2 {
		t.Fatalf("info.workers = %d, want 2", n)
	}
	if n := workers(t, ctx); n != 1 {
		t.Fatalf("%d workers when loadModel resolved, before any call; want 1", n)
	}
	browsertest.Eval[bool](t, ctx, `window.go(), true`)
	browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for workers(t, ctx) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workers 30 s after the first call; want 2", workers(t, ctx))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
