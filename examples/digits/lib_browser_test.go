package digits_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/evanw/esbuild/pkg/api"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/packager"
)

// libDigits is how many test digits the library tests classify.
const libDigits = 100

var libOnce struct {
	sync.Once
	dir string
	b   *packager.Build
	err error
}

// packagedLib runs `pwagen package --lib examples/digits` once per test
// binary and returns the folder and the build (its host rules, its snippet).
func packagedLib(t testing.TB) (string, *packager.Build) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips packaging the example as a library")
	}
	libOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "pwagen-digits-lib-")
		if err != nil {
			libOnce.err = err
			return
		}
		libOnce.dir = filepath.Join(tmp, "lib")
		cfg, err := config.Load(".")
		if err != nil {
			libOnce.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		libOnce.b = packager.NewBuild(cfg, libOnce.dir)
		libOnce.err = packager.RunLib(ctx, libOnce.b)
	})
	if libOnce.err != nil {
		t.Fatalf("pwagen package --lib examples/digits: %v", libOnce.err)
	}
	return libOnce.dir, libOnce.b
}

// serveLib serves the library folder with the headers its host configs
// give (CORS, CORP cross-origin, immutable hashed files), on its own port:
// another origin than the consumer's.
func serveLib(t *testing.T, dir string, b *packager.Build) *browsertest.Server {
	t.Helper()
	rules, err := b.HostRules()
	if err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.Dir(dir))
	return browsertest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range hosts.HeadersFor(rules, r.URL.Path) {
			w.Header()[k] = v
		}
		files.ServeHTTP(w, r)
	}))
}

// consumerApp is a plain app's script: it imports the library from its
// URL, registers the app's own service worker, loads the model and offers
// classify() to the test.
const consumerApp = `import { loadModel } from 'LIB/index.js';

navigator.serviceWorker?.register('./sw.js');
const model = await loadModel(OPTS);
window.consumer = {
  info: model.info,
  offlineReady: () => model.offlineReady.then(() => model.info.offline),
  async classify(b64, n) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const probs = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const x = new Float32Array(784);
      for (let j = 0; j < 784; j++) x[j] = bytes[i * 784 + j] / 255;
      probs.push(Array.from(await model.predict(x)));
    }
    return { weightsFrom: model.info.weightsFrom, variant: model.info.variant, probs, ms: performance.now() - t0 };
  },
};
document.documentElement.dataset.ready = 'true';
`

// consumerSW is the app's own service worker: its page and script, and
// the library's pwagen-sw.js for the model's files.
const consumerSW = `importScripts('LIB/pwagen-sw.js');
const C = 'consumer-v1';
self.addEventListener('install', (e) => e.waitUntil(caches.open(C).then((c) => c.addAll(['./', './app.js'])).then(() => self.skipWaiting())));
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).origin !== location.origin) return;
  e.respondWith(fetch(e.request).catch(() => caches.match(e.request, { ignoreSearch: true })));
});
`

// bundleConsumer bundles app.js with esbuild's Go API, as an app's bundler
// would; imports of lib (a URL) stay imports.
func bundleConsumer(t *testing.T, dir, src, external string) []byte {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "src.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := api.BuildOptions{
		EntryPoints:   []string{filepath.Join(dir, "src.js")},
		AbsWorkingDir: dir,
		Bundle:        true,
		Write:         false,
		Format:        api.FormatESModule,
		Target:        api.ES2022,
		Outfile:       filepath.Join(dir, "app.js"),
		LogLevel:      api.LogLevelSilent,
	}
	if external != "" {
		opts.External = []string{external}
	}
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		t.Fatalf("esbuild: %v", res.Errors)
	}
	if len(res.OutputFiles) != 1 {
		t.Fatalf("esbuild wrote %d files, want 1", len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents
}

// serveConsumer serves the consumer's page, script and service worker;
// isolated adds COOP and COEP require-corp to every answer.
func serveConsumer(t *testing.T, files map[string][]byte, isolated bool) *browsertest.Server {
	t.Helper()
	return browsertest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "index.html"
		}
		data, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		types := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
		w.Header().Set("Content-Type", types[filepath.Ext(name)])
		w.Header().Set("Cache-Control", "no-cache")
		if isolated {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		}
		w.Write(data)
	}))
}

func openConsumer(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`, `JSON.stringify(window.__errors)`, 90*time.Second)
}

func classifyConsumer(t *testing.T, ctx context.Context, nv *Native, n int) loaderRun {
	t.Helper()
	return browsertest.Eval[loaderRun](t, ctx, fmt.Sprintf(`window.consumer.classify(%q, %d)`, base64.StdEncoding.EncodeToString(nv.Pixels(n)), n))
}

// consumerFiles is the consumer app that loads the library at libURL:
// a page with the snippet pwagen prints (the entry with its integrity),
// the app bundled by esbuild, and the app's service worker.
func consumerFiles(t *testing.T, b *packager.Build, libURL, integrityOverride string) map[string][]byte {
	t.Helper()
	b.LibURL = libURL
	snippet := strings.SplitN(b.Snippet(), "\n", 2)[0] // the <script src integrity> line
	if integrityOverride != "" {
		i := strings.Index(snippet, `integrity="`) + len(`integrity="`)
		j := i + strings.IndexByte(snippet[i:], '"')
		snippet = snippet[:i] + integrityOverride + snippet[j:]
	}
	snippet = strings.Replace(snippet, "></script>", ` onerror="window.__sriFailed = true"></script>`, 1)
	lib := strings.TrimSuffix(libURL, "/")
	app := bundleConsumer(t, t.TempDir(), strings.NewReplacer("LIB", lib, "OPTS", "{}").Replace(consumerApp), lib+"/*")
	page := "<!doctype html><meta charset=utf-8><title>consumer</title>\n" + snippet + "\n<script type=module src=./app.js></script>\n"
	return map[string][]byte{"index.html": []byte(page), "app.js": app, "sw.js": []byte(strings.ReplaceAll(consumerSW, "LIB", lib))}
}

// TestLibCrossOrigin loads the library from another origin into a plain
// page bundled by esbuild, with the snippet's integrity: the model
// predicts as natively; then, with both servers stopped, the page reloads
// from its own service worker (with pwagen-sw.js) and the weights come
// from IndexedDB.
func TestLibCrossOrigin(t *testing.T) {
	dir, b := packagedLib(t)
	nv := LoadNative(t)
	lib := serveLib(t, dir, b)
	libURL := lib.URL
	consumer := serveConsumer(t, consumerFiles(t, b, libURL, ""), false)
	ctx := browsertest.New(t)
	watchErrors(t, ctx)

	openConsumer(t, ctx, consumer.URL)
	online := classifyConsumer(t, ctx, nv, libDigits)
	if online.WeightsFrom != "network" {
		t.Errorf("first visit: weights from %q, want network", online.WeightsFrom)
	}
	compareWithNative(t, nv, online, libDigits)

	// pwagen-sw.js keeps the .wasm files and index.js once the app's
	// service worker runs, and says so: offlineReady resolves then.
	if !browsertest.Eval[bool](t, ctx, `window.consumer.offlineReady()`) {
		t.Error("offlineReady resolved, but info.offline is false")
	}
	model := libURL + modelWasm(t, dir)
	browsertest.WaitFor(t, ctx, fmt.Sprintf(`(async () => {
  for (const k of await caches.keys()) {
    if (!k.startsWith('pwagen-lib:')) continue;
    const c = await caches.open(k);
    if (await c.match(%q) && await c.match(%q)) return true;
  }
  return false;
})()`, model, libURL+packager.LibEntry), `caches.keys().then((k) => JSON.stringify(k))`, time.Second)

	lib.Stop()
	consumer.Stop()
	openConsumer(t, ctx, consumer.URL)
	offline := classifyConsumer(t, ctx, nv, libDigits)
	if offline.WeightsFrom != "indexeddb" {
		t.Errorf("offline: weights from %q, want indexeddb", offline.WeightsFrom)
	}
	compareWithNative(t, nv, offline, libDigits)
	checkNoErrors(t, ctx)
}

// TestLibIsolated loads the library cross-origin into a page that is
// cross-origin isolated (COOP, COEP require-corp): the lib's CORS and
// Cross-Origin-Resource-Policy headers let every file through.
func TestLibIsolated(t *testing.T) {
	dir, b := packagedLib(t)
	nv := LoadNative(t)
	lib := serveLib(t, dir, b)
	libURL := lib.URL
	consumer := serveConsumer(t, consumerFiles(t, b, libURL, ""), true)
	ctx := browsertest.New(t)
	watchErrors(t, ctx)
	openConsumer(t, ctx, consumer.URL)
	if !browsertest.Eval[bool](t, ctx, `self.crossOriginIsolated`) {
		t.Fatal("the consumer page is not cross-origin isolated")
	}
	compareWithNative(t, nv, classifyConsumer(t, ctx, nv, libDigits), libDigits)
	checkNoErrors(t, ctx)
}

// TestLibSnippetIntegrity: the browser refuses an index.js whose bytes are
// not those the snippet's integrity names.
func TestLibSnippetIntegrity(t *testing.T) {
	dir, b := packagedLib(t)
	entry, err := os.ReadFile(filepath.Join(dir, packager.LibEntry))
	if err != nil {
		t.Fatal(err)
	}
	lib := serveLib(t, dir, b)
	libURL := lib.URL
	bad := packager.SRI(append(entry, '\n'))
	consumer := serveConsumer(t, consumerFiles(t, b, libURL, bad), false)
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(consumer.URL))
	browsertest.WaitFor(t, ctx, `window.__sriFailed === true`, `document.documentElement.outerHTML`, 30*time.Second)
	time.Sleep(time.Second)
	if browsertest.Eval[bool](t, ctx, `document.documentElement.dataset.ready === 'true'`) {
		t.Fatal("the page loaded the model although the entry's integrity did not match")
	}
}

// nodeModulesSite lays out node_modules/NAME as npm does, bundles an app
// that imports the package by name with esbuild's Go API, and returns the
// site: the bundle, its page, and the package's files in vendor/model/
// (as a copy plugin puts them). The app loads the model with base.
func nodeModulesSite(t *testing.T, dir, base string) string {
	t.Helper()
	cfg, err := config.Load(".")
	if err != nil {
		t.Fatal(err)
	}
	app := t.TempDir()
	pkg := filepath.Join(app, "node_modules", filepath.FromSlash(cfg.Lib.Name))
	site := t.TempDir()
	if err := os.CopyFS(pkg, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(site, "vendor", "model"), os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	src := strings.NewReplacer("'LIB/index.js'", fmt.Sprintf("%q", cfg.Lib.Name), "OPTS", fmt.Sprintf("{ base: %q }", base)).Replace(consumerApp)
	src = strings.Replace(src, "navigator.serviceWorker?.register('./sw.js');\n", "", 1) // this app has no service worker
	src = strings.Replace(src, "const model = await loadModel", "window.loadFailed = null;\nconst model = await loadModel", 1)
	src = strings.Replace(src, fmt.Sprintf("{ base: %q })", base), fmt.Sprintf("{ base: %q }).catch((e) => { window.loadFailed = e.message; throw e; })", base), 1)
	bundle := bundleConsumer(t, app, src, "")
	if strings.Contains(string(bundle), `from "`+cfg.Lib.Name) || !strings.Contains(string(bundle), "import.meta.url") {
		t.Fatalf("the bundle does not inline the package's loader")
	}
	os.WriteFile(filepath.Join(site, "app.js"), bundle, 0o644)
	// An sw.js the app does not register: a loader that registered its
	// own (./sw.js beside the bundle) would show.
	os.WriteFile(filepath.Join(site, "sw.js"), []byte("self.addEventListener('fetch', () => {});\n"), 0o644)
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<!doctype html><meta charset=utf-8><script type=module src=./app.js></script>\n"), 0o644)
	return site
}

// TestLibFromNodeModules bundles an app that imports the package by name
// from a node_modules folder, with esbuild's Go API; loadModel's base is
// the copy of the package's files beside the bundle.
func TestLibFromNodeModules(t *testing.T) {
	dir, _ := packagedLib(t)
	nv := LoadNative(t)
	srv := serve(t, nodeModulesSite(t, dir, "/vendor/model/"))
	ctx := browsertest.New(t)
	watchErrors(t, ctx)
	openConsumer(t, ctx, srv.URL)
	compareWithNative(t, nv, classifyConsumer(t, ctx, nv, libDigits), libDigits)
	if n := browsertest.Eval[int](t, ctx, `navigator.serviceWorker.getRegistrations().then((r) => r.length)`); n != 0 {
		t.Errorf("the library registered %d service worker(s); it must register none", n)
	}
	checkNoErrors(t, ctx)
}

// TestLibBundledWithCrossOriginBase: the same bundled app with its base on
// another origin; the worker starts there through a module of the page's
// origin. Served with the library's headers it predicts; served without
// CORS, loadModel rejects, naming the entry and CORS.
func TestLibBundledWithCrossOriginBase(t *testing.T) {
	dir, b := packagedLib(t)
	nv := LoadNative(t)
	lib := serveLib(t, dir, b)
	bare := browsertest.Start(t, http.FileServer(http.Dir(dir)))

	srv := serve(t, nodeModulesSite(t, dir, lib.URL))
	ctx := browsertest.New(t)
	watchErrors(t, ctx)
	openConsumer(t, ctx, srv.URL)
	compareWithNative(t, nv, classifyConsumer(t, ctx, nv, 20), 20)
	checkNoErrors(t, ctx)

	srv = serve(t, nodeModulesSite(t, dir, bare.URL))
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL))
	browsertest.WaitFor(t, ctx, `typeof window.loadFailed === 'string'`, `String(window.loadFailed)`, 60*time.Second)
	msg := browsertest.Eval[string](t, ctx, `window.loadFailed`)
	if want := bare.URL + "index.js is served as JavaScript, with CORS from another origin"; !strings.Contains(msg, want) {
		t.Fatalf("loadModel without CORS: %q, want it to say %q", msg, want)
	}
}

// TestLibSnippetMatchesFiles: the integrity the snippet names is the
// SHA-384 of index.js as written, and the README shows the same snippet.
func TestLibSnippetMatchesFiles(t *testing.T) {
	dir, b := packagedLib(t)
	entry, err := os.ReadFile(filepath.Join(dir, packager.LibEntry))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum384(entry)
	want := `integrity="sha384-` + base64.StdEncoding.EncodeToString(sum[:]) + `"`
	b.LibURL = ""
	snippet := b.Snippet()
	if !strings.Contains(snippet, want) {
		t.Fatalf("the snippet's integrity is not index.js's SHA-384 (%s):\n%s", want, snippet)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), strings.TrimSpace(snippet)) {
		t.Fatalf("README.md does not show the snippet:\n%s", snippet)
	}
}
