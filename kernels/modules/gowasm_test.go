package modules_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// goWasm builds a Go package for wasip1 with go (args such as "test", "-c")
// once per test binary run, into a temporary folder.
var (
	buildMu sync.Mutex
	built   = map[string][]byte{}
)

func goWasm(t testing.TB, args ...string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Go for wasip1; skipped with -short")
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	key := strings.Join(args, " ")
	if w, ok := built[key]; ok {
		return w
	}
	out := filepath.Join(t.TempDir(), "out.wasm")
	cmd := exec.Command("go", append([]string{args[0], "-o", out}, args[1:]...)...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, msg)
	}
	w, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	built[key] = w
	return w
}

var cache = wazero.NewCompilationCache()

// newRuntime is a fresh runtime with WASI, sharing one compilation cache.
func newRuntime(t testing.TB) wazero.Runtime {
	ctx := t.Context()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2).WithCompilationCache(cache))
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	return rt
}

// TestPackageKernelsInWasm runs package kernels' own tests compiled for
// wasip1 under wazero: with each kernel module linked (the Go side calls
// //go:wasmimport functions), and built with -tags pwagen_nokernels (pure
// Go in wasm, no kernel imports).
func TestPackageKernelsInWasm(t *testing.T) {
	withKernels := goWasm(t, "test", "-c", "../")
	without := goWasm(t, "test", "-c", "-tags", "pwagen_nokernels", "../")
	for _, tt := range []struct {
		name string
		wasm []byte
		v    modules.Variant
	}{{"simd", withKernels, modules.SIMD}, {"scalar", withKernels, modules.Scalar}, {"nokernels", without, modules.Baseline}} {
		t.Run(tt.name, func(t *testing.T) {
			rt := newRuntime(t)
			cm, err := rt.CompileModule(t.Context(), tt.wasm)
			if err != nil {
				t.Fatal(err)
			}
			var imports int
			for _, f := range cm.ImportedFunctions() {
				if mod, _, _ := f.Import(); mod == modules.Module {
					imports++
				}
			}
			if (imports > 0) != (tt.v != modules.Baseline) {
				t.Fatalf("the test binary imports %d kernel functions; variant %s", imports, tt.v)
			}
			var out bytes.Buffer
			// Only the Test functions: examples need a temp folder.
			cfg := wazero.NewModuleConfig().WithArgs("kernels.test", "-test.v", "-test.run", "^Test").WithStdout(&out).WithStderr(&out)
			_, err = modules.Link(t.Context(), rt, cm, tt.v, cfg, "_start")
			var exit *sys.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == 0 {
				err = nil
			}
			if err != nil || !strings.Contains(out.String(), "\nPASS") {
				t.Fatalf("kernels tests under wazero (%s): %v\n%s", tt.v, err, out.String())
			}
			if !strings.Contains(out.String(), "--- PASS: TestShapesCheckedBeforeCalling") {
				t.Errorf("TestShapesCheckedBeforeCalling did not run:\n%s", out.String())
			}
		})
	}
}
