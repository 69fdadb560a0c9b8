package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/internal/mlp"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/templates"
)

var (
	pkgMu   sync.Mutex
	pkgDirs = map[bool]string{}
)

// packageMLP runs `pwagen package kernels/testdata/mlp` once per test binary
// (withKernels false: with GOFLAGS=-tags=pwagen_nokernels, the baseline).
func packageMLP(t testing.TB, withKernels bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("packages a model; skipped with -short")
	}
	pkgMu.Lock()
	defer pkgMu.Unlock()
	if d, ok := pkgDirs[withKernels]; ok {
		return d
	}
	cfg, err := config.Load("../testdata/mlp")
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "pwagen-mlp-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "dist")
	if !withKernels {
		t.Setenv("GOFLAGS", "-tags=pwagen_nokernels")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := packager.Run(ctx, packager.NewBuild(cfg, out)); err != nil {
		t.Fatalf("pwagen package kernels/testdata/mlp: %v", err)
	}
	pkgDirs[withKernels] = out
	return out
}

// kernelFiles lists the kernel modules in a package.
func kernelFiles(t testing.TB, dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "kernels", "*.wasm"))
	return m
}

// serveMLP serves the package, and pwagen's loader sources under /src/.
func serveMLP(t testing.TB, dir string) string {
	files := http.FileServer(http.Dir(dir))
	src := http.StripPrefix("/src/", http.FileServer(http.FS(must(fs.Sub(templates.Loader, "loader")))))
	url, _ := browsertest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/src/") {
			src.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == "/" {
			http.ServeFile(w, r, filepath.Join(dir, "index.html"))
			return
		}
		files.ServeHTTP(w, r)
	}))
	return strings.TrimSuffix(url, "/")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func openMLP(t *testing.T, withKernels bool) context.Context {
	dir := packageMLP(t, withKernels)
	url := serveMLP(t, dir)
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url+"/"))
	browsertest.WaitFor(t, ctx, `document.getElementById('status')?.textContent === 'ready'`, `document.body.innerText`, 30*time.Second)
	return ctx
}

type browserRun struct {
	Variant string      `json:"variant"`
	Outputs [][]float64 `json:"outputs"`
	Error   string      `json:"error"`
}

// runVariant loads the model with variant forced ("" = the loader's
// choice) and predicts inputs.
func runVariant(t *testing.T, ctx context.Context, variant string, inputs [][]float32) browserRun {
	in, _ := json.Marshal(inputs)
	v := "undefined"
	if variant != "" {
		v = fmt.Sprintf("%q", variant)
	}
	return browsertest.Eval[browserRun](t, ctx, fmt.Sprintf(`(async () => {
		try {
			const info = await window.load(%s);
			const outputs = [];
			for (const x of %s) outputs.push(Array.from(await window.model.predict(x)));
			return { variant: info.variant, outputs, error: '' };
		} catch (e) { return { variant: '', outputs: [], error: String(e.message || e) }; }
	})()`, v, in))
}

// TestBrowserVariants loads the packaged test model in Chromium with each
// variant, and the loader's own choice, and compares every output with
// native Go.
func TestBrowserVariants(t *testing.T) {
	native := mlp.New(1)
	var inputs [][]float32
	var want [][]float32
	for i := range 8 {
		inputs = append(inputs, mlp.Input(i))
		o, _ := native.Predict(nil, inputs[i])
		want = append(want, o)
	}
	compare := func(t *testing.T, r browserRun) {
		t.Helper()
		if r.Error != "" {
			t.Fatalf("error: %s", r.Error)
		}
		if len(r.Outputs) != len(want) {
			t.Fatalf("%d outputs, want %d", len(r.Outputs), len(want))
		}
		for i := range want {
			for j := range want[i] {
				if d := math.Abs(r.Outputs[i][j] - float64(want[i][j])); d > 1e-5 {
					t.Fatalf("%s: input %d output %d = %v, native Go %v", r.Variant, i, j, r.Outputs[i][j], want[i][j])
				}
			}
		}
	}
	t.Run("kernels", func(t *testing.T) {
		if n := len(kernelFiles(t, packageMLP(t, true))); n != 3 {
			t.Fatalf("package has %d kernel modules, want 3 (forwarder, simd, scalar)", n)
		}
		ctx := openMLP(t, true)
		for _, tt := range []struct{ force, want string }{{"simd", "simd"}, {"scalar", "scalar"}, {"", "simd"}} {
			r := runVariant(t, ctx, tt.force, inputs)
			compare(t, r)
			if r.Variant != tt.want {
				t.Errorf("forced %q: info.variant = %q, want %q", tt.force, r.Variant, tt.want)
			}
		}
		if r := runVariant(t, ctx, "baseline", inputs); !strings.Contains(r.Error, "built with kernels") {
			t.Errorf("forcing baseline on a kernels model: error %q", r.Error)
		}
	})
	t.Run("baseline", func(t *testing.T) {
		if n := len(kernelFiles(t, packageMLP(t, false))); n != 0 {
			t.Fatalf("a model without kernels got %d kernel modules in its package", n)
		}
		ctx := openMLP(t, false)
		r := runVariant(t, ctx, "", inputs)
		compare(t, r)
		if r.Variant != "baseline" {
			t.Errorf("info.variant = %q, want baseline", r.Variant)
		}
		if r := runVariant(t, ctx, "simd", inputs); !strings.Contains(r.Error, "does not use kernels") {
			t.Errorf("forcing simd on a model without kernels: error %q", r.Error)
		}
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range pkgDirs {
		os.RemoveAll(filepath.Dir(d))
	}
	os.Exit(code)
}

// BenchmarkBrowserMLP times one predict of the test perceptron in
// Chromium per variant; see browserMicros.
func BenchmarkBrowserMLP(b *testing.B) {
	w, _ := os.ReadFile("../testdata/mlp/weights/mlp.bin")
	for _, v := range allVariants {
		b.Run(string(v), func(b *testing.B) {
			browserMicros(b, mlpWasm(b, v), w, v, mlp.Input(0))
		})
	}
}

// browserMicros times one predict of a model (wasm, weights) in Chromium
// with kernel variant v, calling the model's exports on the page's thread
// (no worker round trip), linked by the loader's kernels.js. It reports
// µs/predict; the Go benchmark's own ns/op is the whole measurement.
func browserMicros(b *testing.B, wasm, weights []byte, v modules.Variant, input []float32) {
	src := http.StripPrefix("/src/", http.FileServer(http.FS(must(fs.Sub(templates.Loader, "loader")))))
	url, _ := browsertest.Serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/src/"):
			src.ServeHTTP(w, r)
			return
		case p == "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>bench</title>"))
			return
		case p == "/model.wasm":
			body = wasm
		case p == "/weights.bin":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(weights)
			return
		case p == "/kernels/forwarder.wasm":
			body = modules.Forwarder()
		default:
			k, err := modules.Wasm(modules.Variant(strings.TrimSuffix(strings.TrimPrefix(p, "/kernels/"), ".wasm")))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			body = k
		}
		w.Header().Set("Content-Type", "application/wasm")
		w.Write(body)
	}))
	in, _ := json.Marshal(input)
	// Steady state: compile with TurboFan up front. With V8's default
	// tiering, a loaded machine can time Go's big functions in Liftoff.
	ctx := browsertest.New(b, chromedp.Flag("js-flags", "--no-liftoff"))
	browsertest.Do(b, ctx, chromedp.Navigate(url))
	js := fmt.Sprintf(`(async () => {
		globalThis.__PWAGEN__ = { kernels: { forwarder: '/kernels/forwarder.wasm', simd: '/kernels/simd.wasm', scalar: '/kernels/scalar.wasm' } };
		const { WASI } = await import('/src/wasi.js');
		const k = await import('/src/kernels.js');
		const wasi = new WASI();
		const kern = await k.prepareKernels(%q);
		const imports = { wasi_snapshot_preview1: wasi.imports, ...(kern && { kernels: kern.imports }) };
		const { instance } = await WebAssembly.instantiate(await (await fetch('/model.wasm')).arrayBuffer(), imports);
		const x = instance.exports;
		wasi.memory = x.memory;
		await kern?.bind(x.memory);
		x._initialize();
		const w = new Uint8Array(await (await fetch('/weights.bin')).arrayBuffer());
		const p = x.pwagen_alloc_weights(w.length) >>> 0;
		new Uint8Array(x.memory.buffer).set(w, p);
		if (x.pwagen_load_weights() !== 0) throw new Error('weights');
		const input = %s;
		const ip = x.pwagen_alloc_input(input.length) >>> 0;
		new Float32Array(x.memory.buffer, ip, input.length).set(input);
		const t1 = performance.now();
		let warm = 0;
		while (performance.now() - t1 < 300) { x.pwagen_predict(); warm++; }
		const n = Math.max(20, warm * 3), t0 = performance.now();
		for (let i = 0; i < n; i++) x.pwagen_predict();
		return (performance.now() - t0) * 1000 / n;
	})()`, v, in)
	var us float64
	for b.Loop() {
		us = browsertest.Eval[float64](b, ctx, js)
	}
	b.ReportMetric(us, "µs/predict")
}
