package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"

	"github.com/pwagen/pwagen/hosts"
)

// pwagen runs the CLI in-process and fails the test on a non-zero exit.
func pwagen(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"pwagen"}, args...), &out, &errb); code != 0 {
		t.Fatalf("pwagen %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

// startPreview serves out like `pwagen serve`, with the isolation of the
// project that holds it, on a loopback port; stop closes the listener and
// every connection.
func startPreview(t *testing.T, out string) (url string, stop func()) {
	t.Helper()
	iso, err := projectIsolation(out, "")
	if err != nil {
		t.Fatal(err)
	}
	return browsertest.ServePackage(t, out, iso)
}

// nativeIris runs the generated project's model natively, as its README
// says: go run ./model weights/iris.bin 5.1 3.5 1.4 0.2.
func nativeIris(t *testing.T, dir string, in []string) (probs []float64, label string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "./model", "weights/iris.bin"}, in...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("native model: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	for _, l := range lines[:len(lines)-1] {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil {
			t.Fatalf("native model printed %q", out)
		}
		probs = append(probs, v)
	}
	return probs, lines[len(lines)-1]
}

type shown struct {
	Values string `json:"values"`
	Label  string `json:"label"`
}

const resultJS = `(() => { const r = document.querySelector('#result'); return { values: r.dataset.values || '', label: r.dataset.label || '' }; })()`
const diagJS = `JSON.stringify({result: document.querySelector('#result')?.textContent, error: document.querySelector('#error')?.textContent, status: document.querySelector('#status')?.textContent})`

func checkShown(t *testing.T, got shown, want []float64, label string) {
	t.Helper()
	vals := strings.Split(got.Values, ",")
	if len(vals) != len(want) || got.Label != label {
		t.Fatalf("page shows %+v; native Go computes %v %s", got, want, label)
	}
	for i, s := range vals {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v-want[i] > 1e-6 || want[i]-v > 1e-6 {
			t.Errorf("output %d: page %s, native %.9g (want within 1e-6)", i, s, want[i])
		}
	}
}

// TestNewPackageServeOffline walks a new user's path in Debian's Chromium:
// new, package, serve, the page's answer equals native Go's, and after the
// server stops a reload still answers.
func TestNewPackageServeOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	ctx := browsertest.New(t)
	dir := filepath.Join(t.TempDir(), "iris-app")
	pwagen(t, "new", dir)
	pwagen(t, "package", dir)
	want, label := nativeIris(t, dir, []string{"5.1", "3.5", "1.4", "0.2"})

	url, stop := startPreview(t, filepath.Join(dir, "dist"))
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)

	// The user changes the input and runs the model again.
	other := []string{"6.7", "3.0", "5.2", "2.3"}
	browsertest.Eval[bool](t, ctx, `(() => { const ids = ['sepal-length','sepal-width','petal-length','petal-width'], v = `+jsonOf(other)+`;
		ids.forEach((id, i) => document.getElementById(id).value = v[i]);
		document.querySelector('#result').dataset.values = '';
		document.getElementById('classify').click(); return true; })()`)
	browsertest.WaitFor(t, ctx, `document.querySelector('#result').dataset.values`, diagJS, 20*time.Second)
	want2, label2 := nativeIris(t, dir, other)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want2, label2)

	// Chromium's own installability check.
	inst, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inst.InstallabilityErrors) > 0 {
		b, _ := json.Marshal(inst.InstallabilityErrors)
		t.Errorf("installability errors: %s", b)
	}

	// The page says it works offline (model.offlineReady: the service
	// worker holds the shell and every .wasm it runs, the weights are in
	// IndexedDB); then the server goes.
	browsertest.WaitFor(t, ctx, `!document.getElementById('offline-ready').hidden`, diagJS, 30*time.Second)
	if !browsertest.Eval[bool](t, ctx, wasmCachedJS) {
		t.Fatal("the page says it works offline, but no .wasm is in a cache")
	}
	stop()
	if _, err := http.Get(url); err == nil {
		t.Fatal("server still answers after stop")
	}
	reload, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	browsertest.Do(t, reload, chromedp.Reload())
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)
}

// wasmCachedJS is true when the service worker's cache holds the .wasm.
const wasmCachedJS = `(async () => {
	for (const k of await caches.keys())
		for (const r of await (await caches.open(k)).keys()) if (r.url.endsWith('.wasm')) return true;
	return false;
})()`

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestLoaderWithoutWasmType: a host that serves the .wasm with a generic
// type blocks streaming compilation; the loader compiles from bytes and the
// page still answers. Errors of the model's ABI reach the caller as
// rejected promises.
func TestLoaderWithoutWasmType(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	ctx := browsertest.New(t)
	dir := filepath.Join(t.TempDir(), "iris")
	pwagen(t, "new", dir)
	pwagen(t, "package", dir)
	h, err := hosts.NewPreview(filepath.Join(dir, "dist"), hosts.IsolationNone)
	if err != nil {
		t.Fatal(err)
	}
	wrongType := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w = typeOverride{w}
		}
		h.ServeHTTP(w, r)
	})
	url, _ := browsertest.Serve(t, wrongType)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	want, label := nativeIris(t, dir, []string{"5.1", "3.5", "1.4", "0.2"})
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)

	info := browsertest.Eval[map[string]any](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {
		const m = await loadModel({ serviceWorker: false }); const i = m.info; m.dispose(); return i; })`)
	if info["streamed"] != false {
		t.Errorf("info.streamed = %v with the wrong content type; want false", info["streamed"])
	}

	// A wrong input length is a rejected promise with a message, not a hang.
	msg := browsertest.Eval[string](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {
		const m = await loadModel({ serviceWorker: false });
		try { await m.predict(new Float32Array(3)); return 'resolved'; } catch (e) { return e.message; } finally { m.dispose(); }
	})`)
	if msg != "pwagen: predict got 3 values; this model takes 4 per input (a batch is a multiple of 4)" {
		t.Errorf("predict with 3 values: %q", msg)
	}
}

// typeOverride answers with Content-Type application/octet-stream.
type typeOverride struct{ http.ResponseWriter }

func (o typeOverride) WriteHeader(code int) {
	o.Header().Set("Content-Type", "application/octet-stream")
	o.ResponseWriter.WriteHeader(code)
}

func (o typeOverride) Write(b []byte) (int, error) {
	o.Header().Set("Content-Type", "application/octet-stream")
	return o.ResponseWriter.Write(b)
}

// TestTemplateUpdateBanner: a new version packaged into the same folder is
// offered by the template's banner, and its button switches to it.
func TestTemplateUpdateBanner(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	ctx := browsertest.New(t)
	dir := filepath.Join(t.TempDir(), "iris")
	pwagen(t, "new", dir)
	pwagen(t, "package", dir)
	url, _ := startPreview(t, filepath.Join(dir, "dist"))
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 20*time.Second)
	const cssJS = `document.querySelector('link[rel=stylesheet]').getAttribute('href')`
	v1 := browsertest.Eval[string](t, ctx, cssJS)
	if !browsertest.Eval[bool](t, ctx, `document.querySelector('#update').hidden`) {
		t.Fatal("the update banner shows on a first visit")
	}

	css := filepath.Join(dir, "web", "style.css")
	data, _ := os.ReadFile(css)
	os.WriteFile(css, append(data, []byte("\n.v2 { color: red; }\n")...), 0o644)
	pwagen(t, "package", dir) // into the folder being served
	browsertest.Eval[bool](t, ctx, `navigator.serviceWorker.getRegistration().then((r) => r.update()).then(() => true)`)
	browsertest.WaitFor(t, ctx, `!document.querySelector('#update').hidden`, `'no banner'`, 30*time.Second)
	browsertest.Eval[bool](t, ctx, `(document.querySelector('#apply').click(), true)`)
	browsertest.WaitFor(t, ctx, cssJS+` !== `+jsonOf(v1), cssJS, 30*time.Second)
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
}
