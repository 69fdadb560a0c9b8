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

var (
	pkgOnce sync.Once
	pkgDir  string
	pkgErr  error
)

// packaged runs `pwagen package examples/digits` once per test binary, into
// a temporary folder, and returns that folder.
func packaged(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips packaging the example (go build of the .wasm) and the tests that use it")
	}
	pkgOnce.Do(func() {
		var dir string
		if dir, pkgErr = os.MkdirTemp("", "pwagen-digits-"); pkgErr != nil {
			return
		}
		pkgDir = filepath.Join(dir, "dist")
		var cfg *config.Config
		if cfg, pkgErr = config.Load("."); pkgErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		pkgErr = packager.Run(ctx, packager.NewBuild(cfg, pkgDir))
	})
	if pkgErr != nil {
		t.Fatalf("pwagen package examples/digits: %v", pkgErr)
	}
	return pkgDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkgDir != "" {
		os.RemoveAll(filepath.Dir(pkgDir))
	}
	os.Exit(code)
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
