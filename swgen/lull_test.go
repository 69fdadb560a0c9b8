package swgen_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// lullApp counts the Workers the page makes (t.made) and calls the model
// without a pause for a second from its first inference on, noting
// whether another worker was made or the weights stored meanwhile. Then
// it waits; at window.go() it loads the model twice more, calls each
// without a pause, and notes the workers made at once by a predictBatch
// (t.batchMade) and by three concurrent predicts (t.concurrentMade).
const lullApp = `import { loadModel } from './pwagen.js';
const t = (window.t = { made: 0, madeDuring: 0, storedDuring: false });
const W = window.Worker;
window.Worker = class extends W { constructor(...a) { super(...a); t.made++; } };
const x = new Float32Array([5.1, 3.5, 1.4, 0.2]);
const busy = async (m, ms, each) => {
  let n = 0;
  for (const t0 = performance.now(); performance.now() - t0 < ms || n < 10; n++) { await m.predict(x); each?.(n); }
  return n;
};
loadModel({ workers: 2 }).then(async (m) => {
  t.info = m.info;
  const made = t.made;
  t.calls = await busy(m, 1000, () => {
    t.madeDuring = Math.max(t.madeDuring, t.made - made);
    t.storedDuring ||= m.info.stored;
  });
  t.busyDone = true;
  await new Promise((go) => (window.go = go));
  const opts = { workers: 2, storage: 'memory', serviceWorker: false };
  const b = await loadModel(opts);
  await busy(b, 300, (n) => {
    if (n !== 5) return;
    const before = t.made;
    b.predictBatch([x, x]);
    t.batchMade = t.made - before;
  });
  const c = await loadModel(opts);
  await busy(c, 300, (n) => {
    if (n !== 5) return;
    const before = t.made;
    Promise.all([c.predict(x), c.predict(x), c.predict(x)]);
    t.concurrentMade = t.made - before;
  });
  t.done = true;
}).catch((e) => {
  t.error = e.message;
});
`

// Issue 15, cold start: the start-up work that follows a first visit's
// first inference (the pool's other workers, the store of the weights the
// page downloaded, the service worker) waits for a lull in calls, so an
// app that predicts without a pause from the start keeps the cores
// (lull.js). Once the calls pause, it runs; a batch, or a call that finds
// every worker busy, starts the other workers at once.
func TestStartUpWorkWaitsForALull(t *testing.T) {
	skipShort(t)
	dir := newApp(t, "lull")
	if err := os.WriteFile(filepath.Join(dir, "web", "app.js"), []byte(lullApp), 0o644); err != nil {
		t.Fatal(err)
	}
	out := pack(t, dir)
	ctx := browsertest.New(t)
	s := serve(t, out)
	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `window.t?.busyDone || window.t?.error`, diagJS, 60*time.Second)
	if e := browsertest.Eval[string](t, ctx, `t.error || ''`); e != "" {
		t.Fatal(e)
	}
	if from, storage := browsertest.Eval[string](t, ctx, `t.info.weightsFrom`), browsertest.Eval[string](t, ctx, `t.info.storage`); from != "network" || storage != "indexeddb" {
		t.Fatalf("first visit: weights from %q into %q; want network, into indexeddb (the page's download, stored later)", from, storage)
	}
	if n := browsertest.Eval[int](t, ctx, `t.calls`); n < 20 {
		t.Fatalf("%d calls in a second; want many", n)
	}
	if n := browsertest.Eval[int](t, ctx, `t.madeDuring`); n != 0 {
		t.Errorf("%d workers started during a second of calls without a pause; want none until a lull", n)
	}
	if browsertest.Eval[bool](t, ctx, `t.storedDuring`) {
		t.Error("the weights were stored during a second of calls without a pause; want them stored at a lull")
	}
	browsertest.WaitFor(t, ctx, `t.made === 2 && t.info.stored`, diagJS, 20*time.Second)
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, diagJS, 20*time.Second)

	browsertest.Eval[bool](t, ctx, `window.go(), true`)
	browsertest.WaitFor(t, ctx, `window.t.done || window.t.error`, diagJS, 60*time.Second)
	if e := browsertest.Eval[string](t, ctx, `t.error || ''`); e != "" {
		t.Fatal(e)
	}
	if n := browsertest.Eval[int](t, ctx, `t.batchMade`); n != 1 {
		t.Errorf("a predictBatch during calls without a pause started %d workers at once; want 1", n)
	}
	if n := browsertest.Eval[int](t, ctx, `t.concurrentMade`); n != 1 {
		t.Errorf("three concurrent predicts during calls without a pause started %d workers at once; want 1", n)
	}
}
