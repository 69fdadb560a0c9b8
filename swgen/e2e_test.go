package swgen_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// diagJS says what the page shows, for failure messages.
const diagJS = `JSON.stringify({t: window.t, controller: !!navigator.serviceWorker.controller, coi: self.crossOriginIsolated, error: document.querySelector('#error')?.textContent})`

// cachesJS lists every cache of the origin and the URLs it holds.
const cachesJS = `(async () => {
	const o = {};
	for (const k of await caches.keys()) o[k] = (await (await caches.open(k)).keys()).map((r) => r.url);
	return o;
})()`

// cachedJS is true when a cache holds a URL whose path ends in suffix.
func cachedJS(suffix string) string {
	return `(async () => {
	for (const k of await caches.keys())
		for (const r of await (await caches.open(k)).keys()) if (new URL(r.url).pathname.endsWith(` + "'" + suffix + "'" + `)) return true;
	return false;
})()`
}

// pwagenCaches is the origin's pwagen caches, by name.
func pwagenCaches(t *testing.T, ctx context.Context) map[string][]string {
	t.Helper()
	all := browsertest.Eval[map[string][]string](t, ctx, cachesJS)
	for k := range all {
		if !strings.HasPrefix(k, "pwagen:") {
			delete(all, k)
		}
	}
	return all
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("packages a model and drives Chromium")
	}
}

// firstVisit loads url and waits for the model's answer and for the service
// worker to control the page.
func firstVisit(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `window.t?.result`, diagJS, 60*time.Second)
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, diagJS, 20*time.Second)
	return browsertest.Eval[string](t, ctx, `t.result`)
}

func reload(t *testing.T, ctx context.Context) {
	t.Helper()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	browsertest.Do(t, rctx, chromedp.Reload())
}

// Proof 1 and 2: after a first visit the app reloads with the server
// stopped, and the .wasm came from the network once.
func TestOfflineReloadAndWasmFetchedOnce(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	out := pack(t, newApp(t, "v1"))
	wasm := "/" + wasmName(t, out)
	s := serve(t, out)

	want := firstVisit(t, ctx, s.URL)
	browsertest.WaitFor(t, ctx, cachedJS(wasm), diagJS, 20*time.Second)
	t.Logf("first visit: service worker registered, installed (shell precached) and active in %d ms (%d ms after navigation start); model loaded in %v ms",
		browsertest.Eval[int](t, ctx, `t.swReadyMs - t.startMs`), browsertest.Eval[int](t, ctx, `t.swReadyMs`), browsertest.Eval[float64](t, ctx, `t.info.loadMs`))

	// Online, under the service worker: the .wasm comes from its cache.
	reload(t, ctx)
	browsertest.WaitFor(t, ctx, `window.t?.result`, diagJS, 60*time.Second)
	if n := s.count(wasm); n != 1 {
		t.Errorf("%s reached the server %d times over a first visit and a reload; want 1", wasm, n)
	}

	// Offline: the server is gone, a reload still answers.
	s.stop()
	if _, err := http.Get(s.URL); err == nil {
		t.Fatal("server still answers after stop")
	}
	reload(t, ctx)
	browsertest.WaitFor(t, ctx, `window.t?.result`, diagJS, 60*time.Second)
	if got := browsertest.Eval[string](t, ctx, `t.result`); got != want {
		t.Errorf("offline answer %q, online %q", got, want)
	}
	if n := s.count(wasm); n != 1 {
		t.Errorf("%s reached the server %d times; want 1", wasm, n)
	}
}

// Proof 3: version 2 packaged into the same folder while version 1 is
// open; the page is told, apply() reloads into version 2, and version 1's
// caches are gone.
func TestUpdatePromptThenApply(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	dir := newApp(t, "v1")
	out := pack(t, dir)
	s := serve(t, out)
	firstVisit(t, ctx, s.URL)
	browsertest.WaitFor(t, ctx, cachedJS(wasmName(t, out)), diagJS, 20*time.Second)
	v1 := pwagenCaches(t, ctx)
	if len(v1) != 1 {
		t.Fatalf("version 1 has caches %v; want one", v1)
	}

	setApp(t, dir, "v2")
	pack(t, dir)
	// The loader looks for a new version when the network comes back.
	browsertest.Eval[bool](t, ctx, `dispatchEvent(new Event('online')), true`)
	browsertest.WaitFor(t, ctx, `t.events.includes('update-ready')`, diagJS, 30*time.Second)
	if app := browsertest.Eval[string](t, ctx, `t.app`); app != "v1" {
		t.Fatalf("before apply() the page runs %s; want v1 (prompt means ask first)", app)
	}
	// Online, the stable-named loader comes from the network, not from
	// version 1's cache: a page reloaded now would not pair v2 with an old loader.
	loader, err := os.ReadFile(filepath.Join(out, "pwagen.js"))
	if err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Eval[string](t, ctx, `fetch('pwagen.js').then((r) => r.text())`); got != string(loader) {
		t.Errorf("pwagen.js under version 1's service worker is not version 2's from the server")
	}
	browsertest.Eval[bool](t, ctx, `t.apply(), true`)
	browsertest.WaitFor(t, ctx, `window.t?.app === 'v2' && window.t.result`, diagJS, 60*time.Second)

	v2 := pwagenCaches(t, ctx)
	if len(v2) != 1 {
		t.Fatalf("after the update the caches are %v; want only version 2's", v2)
	}
	for name := range v1 {
		if _, ok := v2[name]; ok {
			t.Errorf("version 1's cache %s is still there", name)
		}
	}
	for _, urls := range v2 {
		// The unchanged .wasm moved into version 2's cache, undownloaded.
		if !hasSuffix(urls, path.Base(wasmName(t, out))) {
			t.Errorf("version 2's cache lacks the unchanged .wasm: %v", urls)
		}
	}
	if n := s.count("/" + wasmName(t, out)); n != 1 {
		t.Errorf("the unchanged .wasm reached the server %d times; want 1", n)
	}
	if n := browsertest.Eval[int](t, ctx, `t.loads`); n != 2 {
		t.Errorf("%d page loads; want 2 (the first visit, the reload into v2)", n)
	}
}

// update = "auto": the page reloads into the new version by itself.
func TestUpdateAuto(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	dir := newApp(t, "v1", `update = "auto"`)
	out := pack(t, dir)
	s := serve(t, out)
	firstVisit(t, ctx, s.URL)

	setApp(t, dir, "v2")
	pack(t, dir)
	browsertest.Eval[bool](t, ctx, `dispatchEvent(new Event('online')), true`)
	browsertest.WaitFor(t, ctx, `window.t?.app === 'v2' && window.t.result`, diagJS, 60*time.Second)
	if n := browsertest.Eval[int](t, ctx, `t.loads`); n != 2 {
		t.Errorf("%d page loads; want 2", n)
	}
	if c := pwagenCaches(t, ctx); len(c) != 1 {
		t.Errorf("caches %v; want only version 2's", c)
	}
}

// Proof 4: a precache entry that answers 404, a redirect or an HTML page
// where an image was asked for. The page is told which URL and why, the
// app works online, and the next visit installs.
func TestInstallFailureReportedAndRetried(t *testing.T) {
	skipShort(t)
	for _, tt := range []struct {
		name, file, reason string
		status             int
		answer             func(w http.ResponseWriter, r *http.Request)
	}{
		{"404", "manifest.webmanifest", "status 404", 404, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "not here", http.StatusNotFound)
		}},
		{"redirect", "icons/icon-512-*.png", "redirected", 200, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"?moved", http.StatusFound)
		}},
		{"html", "icons/icon-192-*.png", "an HTML page", 200, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><title>Not found</title>"))
		}},
		// Issue 12: a hashed file answered 200 with other bytes is not kept.
		{"damaged", "style-*.css", "damaged (SHA-256 " + damagedCSSSum + ")", 200, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Write([]byte(damagedCSS))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.New(t)
			out := pack(t, newApp(t, "v1"))
			m, _ := filepath.Glob(filepath.Join(out, filepath.FromSlash(tt.file)))
			if len(m) != 1 {
				t.Fatalf("no %s in the package", tt.file)
			}
			rel, _ := filepath.Rel(out, m[0])
			broken := "/" + filepath.ToSlash(rel)
			s := serve(t, out)
			s.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != broken || r.URL.RawQuery != "" {
					return false
				}
				tt.answer(w, r)
				return true
			})

			browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
			browsertest.WaitFor(t, ctx, `window.t?.installFailed`, diagJS, 30*time.Second)
			type failure struct {
				URL, Reason string
				Status      int
			}
			f := browsertest.Eval[failure](t, ctx, `t.installFailed`)
			if f.URL != strings.TrimSuffix(s.URL, "/")+broken || f.Status != tt.status || f.Reason != tt.reason {
				t.Errorf("onInstallFailed got %+v; want %s, status %d, reason %q", f, broken, tt.status, tt.reason)
			}
			browsertest.WaitFor(t, ctx, `window.t?.result`, diagJS, 60*time.Second)
			if browsertest.Eval[bool](t, ctx, `!!navigator.serviceWorker.controller`) {
				t.Error("the page is controlled by a service worker whose install failed")
			}

			// The host is fixed; the next visit installs.
			s.setOverride(nil)
			browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
			browsertest.WaitFor(t, ctx, `window.t?.result`, diagJS, 60*time.Second)
			browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, diagJS, 20*time.Second)
			browsertest.WaitFor(t, ctx, cachedJS(broken), diagJS, 10*time.Second)
			if e := browsertest.Eval[[]string](t, ctx, `t.events`); len(e) != 0 {
				t.Errorf("second visit heard %v; want nothing", e)
			}
		})
	}
}

// Range requests are not the service worker's: they reach the server and
// come back partial, though the .wasm is in the cache (which would answer
// 200 with the whole file).
func TestRangeRequestsPassThrough(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	out := pack(t, newApp(t, "v1"))
	wasm := "/" + wasmName(t, out)
	s := serve(t, out)
	firstVisit(t, ctx, s.URL)
	browsertest.WaitFor(t, ctx, cachedJS(wasm), diagJS, 20*time.Second)
	before := s.count(wasm)
	got := browsertest.Eval[string](t, ctx, `fetch('`+wasm+`', {headers: {Range: 'bytes=0-3'}, cache: 'no-store'}).then(async (r) => r.status + ' ' + Array.from(new Uint8Array(await r.arrayBuffer())).join(','))`)
	if got != "206 0,97,115,109" {
		t.Errorf("range request answered %q; want 206 and the 4 bytes of \\0asm", got)
	}
	if s.count(wasm) != before+1 {
		t.Errorf("the range request did not reach the server")
	}
	if n := browsertest.Eval[int](t, ctx, `navigator.serviceWorker.getRegistrations().then((r) => r.length)`); n != 1 {
		t.Errorf("%d service worker registrations; want 1", n)
	}
}

// Proof 5: isolation = "service-worker" on a host that sends no COOP or
// COEP: isolated after at most one reload, and no loop.
func TestIsolationWithoutHeaders(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	out := pack(t, newApp(t, "v1", `isolation = "service-worker"`))
	s := serve(t, out)

	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `self.crossOriginIsolated && window.t?.result`, diagJS, 60*time.Second)
	if n := browsertest.Eval[int](t, ctx, `t.loads`); n > 2 {
		t.Fatalf("%d page loads to become isolated; want at most 2", n)
	}
	// The model's worker is isolated too: it sees threads.
	if !browsertest.Eval[bool](t, ctx, `t.info.features.includes('threads')`) {
		t.Errorf("the model worker is not cross-origin isolated: %s", browsertest.Eval[string](t, ctx, diagJS))
	}
	// One service worker does isolation and caching.
	if n := browsertest.Eval[int](t, ctx, `navigator.serviceWorker.getRegistrations().then((r) => r.length)`); n != 1 {
		t.Errorf("%d service worker registrations; want 1", n)
	}
	// No loop: nothing reloads by itself any more...
	loads := browsertest.Eval[int](t, ctx, `+localStorage.loads`)
	time.Sleep(2 * time.Second)
	if n := browsertest.Eval[int](t, ctx, `+localStorage.loads`); n != loads {
		t.Fatalf("the page went on reloading: %d loads, then %d", loads, n)
	}
	// ...and a reload by the user is one load, isolated. (Through the page:
	// chromedp.Reload loses the page when COOP swaps its process.)
	browsertest.Eval[bool](t, ctx, `setTimeout(() => location.reload(), 0), true`)
	browsertest.WaitFor(t, ctx, fmt.Sprintf(`window.t?.loads > %d && window.t.result`, loads), diagJS, 60*time.Second)
	time.Sleep(time.Second)
	if n := browsertest.Eval[int](t, ctx, `+localStorage.loads`); n != loads+1 || !browsertest.Eval[bool](t, ctx, `self.crossOriginIsolated`) {
		t.Errorf("after a user's reload: %s; want load %d, isolated", browsertest.Eval[string](t, ctx, diagJS), loads+1)
	}
}

// Proof 6: a host answers the .wasm with its HTML fallback page: nothing
// is cached and the loader says so.
func TestWasmAnsweredWithHTML(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	out := pack(t, newApp(t, "v1"))
	wasm := "/" + wasmName(t, out)
	s := serve(t, out)
	s.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != wasm {
			return false
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>My site</title><p>Welcome"))
		return true
	})

	browsertest.Do(t, ctx, chromedp.Navigate(s.URL))
	browsertest.WaitFor(t, ctx, `window.t?.error`, diagJS, 60*time.Second)
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, diagJS, 20*time.Second)
	// Again under the service worker, which must refuse to keep the page.
	reload(t, ctx)
	browsertest.WaitFor(t, ctx, `window.t?.error`, diagJS, 60*time.Second)
	msg := browsertest.Eval[string](t, ctx, `t.error`)
	for _, want := range []string{wasm, "HTML page", "application/wasm"} {
		if !strings.Contains(msg, want) {
			t.Errorf("loader error %q does not mention %q", msg, want)
		}
	}
	if shown := browsertest.Eval[string](t, ctx, `document.querySelector('#error').textContent`); shown != msg {
		t.Errorf("page shows %q; want the loader's error", shown)
	}
	if n := s.count(wasm); n < 2 {
		t.Errorf("%s reached the server %d times; want one per visit (never from a cache)", wasm, n)
	}
	if browsertest.Eval[bool](t, ctx, cachedJS(wasm)) {
		t.Errorf("an HTML page was cached as %s: %v", wasm, pwagenCaches(t, ctx))
	}
}

func hasSuffix(urls []string, suffix string) bool {
	for _, u := range urls {
		if strings.HasSuffix(u, suffix) {
			return true
		}
	}
	return false
}

// Offline, a deep link into a folder below the scope is sent to the scope,
// where the cached shell's relative URLs resolve; the app answers.
func TestOfflineDeepLink(t *testing.T) {
	skipShort(t)
	ctx := browsertest.New(t)
	out := pack(t, newApp(t, "v1"))
	s := serve(t, out)
	want := firstVisit(t, ctx, s.URL)
	browsertest.WaitFor(t, ctx, cachedJS("/"+wasmName(t, out)), diagJS, 20*time.Second)
	s.stop()
	browsertest.Do(t, ctx, chromedp.Navigate(s.URL+"some/deep/link?x=1"))
	browsertest.WaitFor(t, ctx, `window.t?.result`, diagJS, 60*time.Second)
	if got := browsertest.Eval[string](t, ctx, `t.result`); got != want {
		t.Errorf("offline deep link answered %q, want %q", got, want)
	}
	if got := browsertest.Eval[string](t, ctx, `location.href`); got != s.URL {
		t.Errorf("offline deep link ended at %s, want the scope %s", got, s.URL)
	}
}
