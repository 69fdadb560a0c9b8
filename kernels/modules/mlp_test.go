package modules_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/pwagen/pwagen/kernels/internal/mlp"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// model is the test perceptron (kernels/testdata/mlp) linked under wazero.
type model struct {
	tb  testing.TB
	ctx context.Context
	m   api.Module
	fns map[string]api.Function
	in  uint32
}

func mlpWasm(tb testing.TB, v modules.Variant) []byte {
	if v == modules.Baseline {
		return goWasm(tb, "build", "-buildmode=c-shared", "-tags", "pwagen_nokernels", "../testdata/mlp/model")
	}
	return goWasm(tb, "build", "-buildmode=c-shared", "../testdata/mlp/model")
}

func newModel(tb testing.TB, v modules.Variant) *model {
	w, _ := os.ReadFile("../testdata/mlp/weights/mlp.bin")
	return newModelFrom(tb, mlpWasm(tb, v), w, v, mlp.In)
}

// newModelFrom links a pwagen model with variant v under wazero, loads
// weights w and allocates an input of inLen values.
func newModelFrom(tb testing.TB, wasm, w []byte, v modules.Variant, inLen int) *model {
	rt := newRuntime(tb)
	cm, err := rt.CompileModule(tb.Context(), wasm)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := modules.Link(tb.Context(), rt, cm, v, wazero.NewModuleConfig().WithStderr(os.Stderr), "_initialize")
	if err != nil {
		tb.Fatalf("link %s: %v", v, err)
	}
	md := &model{tb: tb, ctx: tb.Context(), m: p.Model, fns: map[string]api.Function{}}
	ptr := md.call("pwagen_alloc_weights", uint64(len(w)))
	md.m.Memory().Write(ptr, w)
	if rc := md.call("pwagen_load_weights"); rc != 0 {
		tb.Fatalf("pwagen_load_weights = %d", int32(rc))
	}
	md.in = md.call("pwagen_alloc_input", uint64(inLen))
	return md
}

func (md *model) call(name string, args ...uint64) uint32 {
	f := md.fns[name]
	if f == nil {
		f = md.m.ExportedFunction(name)
		md.fns[name] = f
	}
	res, err := f.Call(md.ctx, args...)
	if err != nil {
		md.tb.Fatalf("%s: %v", name, err)
	}
	if len(res) == 0 {
		return 0
	}
	return uint32(res[0])
}

func (md *model) predict(in []float32) []float32 {
	b := make([]byte, 4*len(in))
	for i, v := range in {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	md.m.Memory().Write(md.in, b)
	n := md.call("pwagen_predict")
	if int32(n) < 0 {
		md.tb.Fatalf("pwagen_predict = %d", int32(n))
	}
	ob, _ := md.m.Memory().Read(md.call("pwagen_output"), 4*n)
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(ob[4*i:]))
	}
	return out
}

var allVariants = []modules.Variant{modules.SIMD, modules.Scalar, modules.Baseline}

// TestMLPUnderWazero runs the Go-built model with each variant against the
// same model run natively.
func TestMLPUnderWazero(t *testing.T) {
	w, _ := os.ReadFile("../testdata/mlp/weights/mlp.bin")
	native, err := mlp.Parse(w)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range allVariants {
		t.Run(string(v), func(t *testing.T) {
			md := newModel(t, v)
			var worst float64
			for i := range 20 {
				in := mlp.Input(i)
				want, _ := native.Predict(nil, in)
				got := md.predict(in)
				if len(got) != mlp.Out {
					t.Fatalf("%d outputs, want %d", len(got), mlp.Out)
				}
				for j := range want {
					worst = max(worst, math.Abs(float64(got[j]-want[j])))
				}
			}
			if worst > 1e-5 {
				t.Errorf("outputs differ from native Go by up to %g, want at most 1e-5", worst)
			}
			t.Logf("%s: worst difference from native Go %g", v, worst)
		})
	}
}

// BenchmarkMLP is one predict of the 784→128→10 perceptron: natively in
// pure Go, and under wazero as Go wasm without kernels (baseline) and with
// each kernel module.
func BenchmarkMLP(b *testing.B) {
	in := mlp.Input(0)
	b.Run("native-go", func(b *testing.B) {
		net := mlp.New(1)
		for b.Loop() {
			net.Predict(nil, in)
		}
	})
	for _, v := range allVariants {
		b.Run(fmt.Sprintf("wazero-%s", v), func(b *testing.B) {
			md := newModel(b, v)
			for b.Loop() {
				md.predict(in)
			}
		})
	}
}
