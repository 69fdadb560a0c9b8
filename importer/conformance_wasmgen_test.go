package importer

import (
	"context"
	"encoding/binary"
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
	check := func(what string, get func(i, j int) float64) error {
		for i, w := range c.want {
			for j := range w {
				a, b := get(i, j), float64(w[j])
				if math.IsNaN(a) && math.IsNaN(b) || a == b {
					continue
				}
				if math.Abs(a-b) > 1e-7+1e-3*math.Abs(b) || math.IsNaN(a) != math.IsNaN(b) {
					return fmt.Errorf("%s output %d[%d] = %g, want %g", what, i, j, a, b)
				}
			}
		}
		return nil
	}
	total := 0
	for _, w := range c.want {
		total += len(w)
	}
	if len(got) < total {
		return fmt.Errorf("%d output values, want %d", len(got), total)
	}
	starts := []int{0}
	for _, w := range c.want {
		starts = append(starts, starts[len(starts)-1]+len(w))
	}
	if err := check("v1", func(i, j int) float64 { return float64(got[starts[i]+j]) }); err != nil {
		return err
	}
	// The typed contract: each input and output in its own type.
	sig := m.Signature()
	offs, n := runner.Layout(sig.Inputs)
	buf := make([]byte, n)
	le := binary.LittleEndian
	for i, ti := range sig.Inputs {
		for j, v := range c.feed[i] {
			b := buf[offs[i]:]
			switch ti.DType {
			case "float32":
				le.PutUint32(b[4*j:], math.Float32bits(v))
			case "int64":
				le.PutUint64(b[8*j:], uint64(int64(v)))
			case "int32":
				le.PutUint32(b[4*j:], uint32(int32(v)))
			case "uint8":
				b[j] = byte(v)
			case "bool":
				if v != 0 {
					b[j] = 1
				}
			}
		}
	}
	ob, err := m.PredictTyped(ctx, buf)
	if err != nil {
		return err
	}
	ooffs, _ := runner.Layout(sig.Outputs)
	return check("typed", func(i, j int) float64 {
		b := ob[ooffs[i]:]
		switch sig.Outputs[i].DType {
		case "int64":
			return float64(int64(le.Uint64(b[8*j:])))
		case "int32":
			return float64(int32(le.Uint32(b[4*j:])))
		case "uint8", "bool":
			return float64(b[j])
		}
		return float64(math.Float32frombits(le.Uint32(b[4*j:])))
	})
}
