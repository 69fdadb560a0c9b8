// Package langid_test holds the example's tests beside its model: the page's
// vocabulary file and the browser tests. (The model and its native test are
// in model/, the Go tokenizer in vocab/.)
package langid_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/packager"
)

var pkg struct {
	once sync.Once
	dir  string
	err  error
}

// packaged runs `pwagen package examples/langid` once per test binary, into
// a temporary folder, and returns that folder.
func packaged(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips packaging the example (go build of the .wasm) and the tests that use it")
	}
	pkg.once.Do(func() {
		var dir string
		if dir, pkg.err = os.MkdirTemp("", "pwagen-langid-"); pkg.err != nil {
			return
		}
		pkg.dir = filepath.Join(dir, "dist")
		var cfg *config.Config
		if cfg, pkg.err = config.Load("."); pkg.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		pkg.err = packager.Run(ctx, packager.NewBuild(cfg, pkg.dir))
	})
	if pkg.err != nil {
		t.Fatalf("pwagen package examples/langid: %v", pkg.err)
	}
	return pkg.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkg.dir != "" {
		os.RemoveAll(filepath.Dir(pkg.dir))
	}
	os.Exit(code)
}

// serve serves the packaged folder like a static host (browsertest.Static).
func serve(t testing.TB, dir string) *browsertest.Server {
	t.Helper()
	return browsertest.Start(t, browsertest.Static(dir))
}

// nativeRow is one line of testdata/native.txt: a held-out word, its
// language, the language the model says natively and its logits.
type nativeRow struct {
	Code, Word, Pred string
	Logits           []float64
}

func loadNative(t testing.TB) []nativeRow {
	t.Helper()
	b, err := os.ReadFile("testdata/native.txt")
	if err != nil {
		t.Fatal(err)
	}
	var rows []nativeRow
	for n, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("testdata/native.txt:%d: %d fields, want 4", n+1, len(f))
		}
		r := nativeRow{Code: f[0], Word: f[1], Pred: f[2]}
		for _, s := range strings.Split(f[3], ",") {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("testdata/native.txt:%d: %v", n+1, err)
			}
			r.Logits = append(r.Logits, x)
		}
		rows = append(rows, r)
	}
	return rows
}
