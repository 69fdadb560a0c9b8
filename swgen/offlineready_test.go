package swgen_test

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// readyApp runs the model once and keeps it as window.model; t.offline
// notes info.offline, and t.readyMs when offlineReady resolved, in ms
// after the first inference.
const readyApp = `import { loadModel } from './pwagen.js';
const t = (window.t = { events: [] });
loadModel({ onWarning(m) { t.events.push('warning: ' + m); }, onOfflineReady() { t.events.push('offline-ready'); } }).then(async (m) => {
  window.model = m;
  t.info = m.info;
  t.result = Array.from(await m.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]))).join(',');
  const t0 = performance.now();
  m.offlineReady.then(() => { t.readyMs = Math.round(performance.now() - t0); t.offline = m.info.offline; }, (e) => { t.offlineError = e.message; });
}, (e) => {
  t.error = e.message;
});
`

// slowWasm answers every request for a .wasm after the first with a
// delay and Cache-Control: no-store, as a host on a slow connection that
// lets no cache keep the model: the service worker's copy of a first
// visit's .wasm files (which it keeps on first use) then takes a while.
func slowWasm(s *server, delay time.Duration) {
	var mu sync.Mutex
	seen := map[string]int{}
	s.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		if path.Ext(r.URL.Path) != ".wasm" {
			return false
		}
		data, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(strings.TrimPrefix(path.Clean(r.URL.Path), "/"))))
		if err != nil {
			return false
		}
		mu.Lock()
		seen[r.URL.Path]++
		n := seen[r.URL.Path]
		mu.Unlock()
		if n > 1 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return true
			}
		}
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(data)
		return true
	})
}

// The defect: navigator.serviceWorker.ready resolved before the service
// worker had kept the model's .wasm (it keeps it when the page asks, after
// ready), so a user who went offline at once got "Failed to fetch" on the
// next load. model.offlineReady resolves only once the service worker
// says it holds every .wasm the page runs and the weights are in
// IndexedDB: offline the moment it resolves, a reload still answers.
func TestOfflineTheMomentOfflineReady(t *testing.T) {
	skipShort(t)
	dir := newApp(t, "ready")
	if err := os.WriteFile(filepath.Join(dir, "web", "app.js"), []byte(readyApp), 0o644); err != nil {
		t.Fatal(err)
	}
	out := pack(t, dir)
	for _, tt := range []struct {
		name  string
		delay time.Duration // the service worker's copies of the .wasm files (0: the host's rules, cacheable)
	}{
		{"host", 0},
		{"slow-uncached-wasm", 1500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.New(t)
			s := serve(t, out)
			if tt.delay > 0 {
				slowWasm(s, tt.delay)
			}
			browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
			browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
			want := browsertest.Eval[string](t, ctx, `t.result || t.error`)
			if browsertest.Eval[bool](t, ctx, `t.info.offline`) {
				t.Error("info.offline is true at the first inference of a first visit; want false until the service worker holds the files")
			}
			if !browsertest.Eval[bool](t, ctx, `model.offlineReady.then(() => true)`) {
				t.Fatal("offlineReady resolved to false")
			}
			s.stop() // the moment the loader says so
			if !browsertest.Eval[bool](t, ctx, `t.offline === true && t.events.includes('offline-ready')`) {
				t.Errorf("offlineReady resolved, but info.offline or onOfflineReady did not follow: %s", browsertest.Eval[string](t, ctx, diagJS))
			}
			t.Logf("offline-ready %d ms after the first inference (the service worker's copies of the .wasm files delayed %v)", browsertest.Eval[int](t, ctx, `t.readyMs`), tt.delay)
			reload(t, ctx)
			browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
			if got := browsertest.Eval[string](t, ctx, `t.result || t.error`); got != want {
				t.Errorf("offline, the moment offlineReady resolved, the reload answers %q; online %q", got, want)
			}
			if from := browsertest.Eval[string](t, ctx, `t.info?.weightsFrom || ''`); from != "indexeddb" {
				t.Errorf("offline weights from %q, want indexeddb", from)
			}
			// Under the service worker, with the files held, it resolves at once.
			if !browsertest.Eval[bool](t, ctx, `model.offlineReady.then(() => model.info.offline)`) {
				t.Error("offline visit: info.offline is false once offlineReady resolved")
			}
		})
	}
}

// whyApp loads the model twice in ways that leave no offline copy and
// notes what offlineReady says.
const whyApp = `import { loadModel } from './pwagen.js';
const t = (window.t = {});
const why = (m) => m.offlineReady.then(() => 'resolved', (e) => e.message);
(async () => {
  const mem = await loadModel({ storage: 'memory' });
  await mem.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]));
  t.memory = await why(mem);
  t.memoryOffline = mem.info.offline;
  t.noSW = await why(await loadModel({ serviceWorker: false }));
  const plain = await loadModel();
  await plain.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]));
  t.plain = await why(plain);
})().catch((e) => { t.error = e.message; });
`

// offlineReady rejects, saying why, when a load leaves no offline copy,
// instead of never settling.
// A host that does not serve sw.js (here: it is gone from the folder)
// fails the registration: offlineReady says so.
func TestOfflineReadySaysWhyNot(t *testing.T) {
	skipShort(t)
	dir := newApp(t, "why")
	if err := os.WriteFile(filepath.Join(dir, "web", "app.js"), []byte(whyApp), 0o644); err != nil {
		t.Fatal(err)
	}
	out := pack(t, dir)
	if err := os.Remove(filepath.Join(out, "sw.js")); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	s := serve(t, out)
	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `window.t?.plain || window.t?.error`, diagJS, 60*time.Second)
	if e := browsertest.Eval[string](t, ctx, `t.error || ''`); e != "" {
		t.Fatal(e)
	}
	for _, tt := range []struct{ key, want string }{
		{"memory", `storage "memory"`},
		{"noSW", "serviceWorker: false"},
		{"plain", "sw.js could not be registered"},
	} {
		got := browsertest.Eval[string](t, ctx, "t."+tt.key)
		if !strings.HasPrefix(got, "pwagen: no offline copy") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: offlineReady says %q; want a rejection that says %q", tt.key, got, tt.want)
		}
	}
	if browsertest.Eval[bool](t, ctx, `t.memoryOffline`) {
		t.Error(`storage "memory": info.offline is true`)
	}
}
