// Package digits_test holds the example's browser tests and the native
// reference they compare with. (The example's Go code is in model/.)
package digits_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
	"github.com/pwagen/pwagen/packager"
)

// Native is the Go reference for the browser: the shipped weights and test
// digits, classified natively by the same code the .wasm runs.
type Native struct {
	Set   *testset.Set
	net   *digitnet.Net
	input []float32
}

// LoadNative reads weights/digits.bin and testdata/mnist-test.bin.gz.
func LoadNative(t testing.TB) *Native {
	t.Helper()
	w, err := os.ReadFile("weights/digits.bin")
	if err != nil {
		t.Fatal(err)
	}
	n, err := digitnet.Unmarshal(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/mnist-test.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	set, err := testset.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return &Native{Set: set, net: n}
}

// Probabilities returns the ten class probabilities of test digit i, computed
// natively from the float32 input pixel/255 (what the page feeds the loader).
func (nv *Native) Probabilities(i int) []float32 {
	nv.input = nv.Set.Image(nv.input, i)
	p, err := nv.net.Predict(nil, nv.input)
	if err != nil {
		panic(err) // Image always has InputLen values
	}
	return p
}

// Pixels returns the bytes of test digits [0, n), 784 per digit.
func (nv *Native) Pixels(n int) []byte { return nv.Set.Pixels[:n*digitnet.InputLen] }

// A packaging of the example: with the kernels (the default) or without
// ([model] kernels = false, the baseline).
type packaging struct {
	once sync.Once
	dir  string
	err  error
}

var withKernels, withoutKernels packaging

// packaged runs `pwagen package examples/digits` once per test binary, into
// a temporary folder, and returns that folder.
func packaged(t testing.TB) string { return withKernels.get(t, true) }

// packagedBaseline packages the example with kernels = false: the model
// runs as pure Go inside the .wasm, and the package has no kernel files.
func packagedBaseline(t testing.TB) string { return withoutKernels.get(t, false) }

func (p *packaging) get(t testing.TB, kernels bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips packaging the example (go build of the .wasm) and the tests that use it")
	}
	p.once.Do(func() {
		var dir string
		if dir, p.err = os.MkdirTemp("", "pwagen-digits-"); p.err != nil {
			return
		}
		p.dir = filepath.Join(dir, "dist")
		var cfg *config.Config
		if cfg, p.err = config.Load("."); p.err != nil {
			return
		}
		cfg.Model.Kernels = kernels
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		p.err = packager.Run(ctx, packager.NewBuild(cfg, p.dir))
	})
	if p.err != nil {
		t.Fatalf("pwagen package examples/digits (kernels = %v): %v", kernels, p.err)
	}
	return p.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if libOnce.dir != "" {
		os.RemoveAll(filepath.Dir(libOnce.dir))
	}
	for _, p := range []*packaging{&withKernels, &withoutKernels} {
		if p.dir != "" {
			os.RemoveAll(filepath.Dir(p.dir))
		}
	}
	os.Exit(code)
}

// modelWasm returns the name of the package's model-<h8>.wasm.
func modelWasm(t testing.TB, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "model-*.wasm"))
	if len(m) != 1 {
		t.Fatalf("%s has %d model-*.wasm files, want 1", dir, len(m))
	}
	return filepath.Base(m[0])
}

// kernelFiles returns the package's kernel modules by role ("forwarder",
// "simd", "scalar"), as names relative to dir.
func kernelFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "kernels", "*.wasm"))
	files := map[string]string{}
	for _, f := range m {
		base := filepath.Base(f)
		role := base[:strings.LastIndexByte(base, '-')]
		files[role] = "kernels/" + base
	}
	return files
}

// serve serves the packaged folder like a static host: index.html at "/"
// (http.FileServer would answer /index.html with a redirect, which a service
// worker must not cache), everything else as files.
func serve(t testing.TB, dir string) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			f, err := os.Open(filepath.Join(dir, "index.html"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer f.Close()
			fi, _ := f.Stat()
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, "index.html", fi.ModTime(), f)
			return
		}
		if r.URL.Path == "/weights-src/digits.bin" { // the unsharded file, for TestBrowserTiming
			http.ServeFile(w, r, "weights/digits.bin")
			return
		}
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}
