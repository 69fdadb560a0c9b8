package importer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/ci"
	"github.com/pwagen/pwagen/runner"
	"github.com/tetratelabs/wazero"
)

// TestConformanceWasm runs every ONNX node test that passes in-process
// through the wasm back end too, when it compiles the plan: the module,
// under wazero with the SIMD kernels, must meet ONNX's tolerance on the
// test's outputs. Which tests take the wasm back end is pinned
// (testdata/wasm/conformance.golden, -update): one that falls back to Go
// after a change fails here, and so does one that newly compiles, until
// the golden says so.
var logRefused = flag.Bool("wasm-refused", false, "TestConformanceWasm: log why each passing node test falls back to Go")

func TestConformanceWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs some 400 modules under wazero")
	}
	dirs, _ := filepath.Glob(filepath.Join(nodeTests, "test_*"))
	if len(dirs) == 0 {
		ci.Missing(t, "no ONNX node tests in %s; apt-get install -y libonnx-testdata", nodeTests)
	}
	ctx := context.Background()
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	var list strings.Builder
	taken, passing := 0, 0
	for _, d := range dirs {
		c := runNodeTest(d)
		if c.status != "pass" {
			continue
		}
		passing++
		out, err := GenerateWasm(c.pl)
		var un *WasmUnsupported
		if errors.As(err, &un) {
			if *logRefused {
				t.Logf("refused %s %s: %v", c.name, c.op, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		taken++
		fmt.Fprintf(&list, "%s %s\n", c.name, c.op)
		if err := runWasmNodeTest(ctx, cache, out, c); err != nil {
			t.Errorf("%s (op %s), wasm back end: %v", c.name, c.op, err)
		}
	}
	t.Logf("%d of %d passing node tests take the wasm back end", taken, passing)
	checkGolden(t, "testdata/wasm/conformance.golden", []byte(list.String()))
}

func runWasmNodeTest(ctx context.Context, cache wazero.CompilationCache, out *WasmOutput, c conformance) error {
	m, err := runner.Load(ctx, out.Module, out.Weights, runner.Options{Cache: cache})
	if err != nil {
		return err
	}
	defer m.Close(ctx)
	var in []float32
	for _, f := range c.feed {
		in = append(in, f...)
	}
	got, err := m.Predict(ctx, in)
	if err != nil {
		return err
	}
	at := 0
	for i, w := range c.want {
		if at+len(w) > len(got) {
			return fmt.Errorf("%d output values, want more", len(got))
		}
		for j := range w {
			a, b := float64(got[at+j]), float64(w[j])
			if math.IsNaN(a) && math.IsNaN(b) || a == b {
				continue
			}
			if math.Abs(a-b) > 1e-7+1e-3*math.Abs(b) || math.IsNaN(a) != math.IsNaN(b) {
				return fmt.Errorf("output %d[%d] = %g, want %g", i, j, a, b)
			}
		}
		at += len(w)
	}
	return nil
}
