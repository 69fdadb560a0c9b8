package digits_test

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// reactor is the packaged model-<h8>.wasm under wazero's compiler, driven
// through the ABI in the order the browser loader uses.
type reactor struct {
	ctx context.Context
	mod api.Module
}

func newReactor(tb testing.TB) *reactor {
	tb.Helper()
	wasms, _ := filepath.Glob(filepath.Join(packaged(tb), "model-*.wasm"))
	if len(wasms) != 1 {
		tb.Fatalf("packaged folder has %d model-*.wasm files, want 1", len(wasms))
	}
	wasm, err := os.ReadFile(wasms[0])
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	tb.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		tb.Fatal(err)
	}
	r := &reactor{ctx, mod}
	r.call(tb, "_initialize")
	weights, err := os.ReadFile("weights/digits.bin")
	if err != nil {
		tb.Fatal(err)
	}
	ptr := r.call(tb, "pwagen_alloc_weights", uint64(len(weights)))
	if !mod.Memory().Write(uint32(ptr), weights) {
		tb.Fatal("weights do not fit in memory")
	}
	if rc := int32(r.call(tb, "pwagen_load_weights")); rc != 0 {
		tb.Fatalf("pwagen_load_weights = %d", rc)
	}
	return r
}

func (r *reactor) call(tb testing.TB, name string, args ...uint64) uint64 {
	f := r.mod.ExportedFunction(name)
	if f == nil {
		tb.Fatalf("the module does not export %s", name)
	}
	res, err := f.Call(r.ctx, args...)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

// predict runs the model on in (any number of digits) and returns the outputs.
func (r *reactor) predict(tb testing.TB, in []float32, out []float32) []float32 {
	ptr := uint32(r.call(tb, "pwagen_alloc_input", uint64(len(in))))
	buf := make([]byte, 4*len(in))
	for i, v := range in {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	r.mod.Memory().Write(ptr, buf)
	n := int32(r.call(tb, "pwagen_predict"))
	if n < 0 {
		tb.Fatalf("pwagen_predict failed")
	}
	o := uint32(r.call(tb, "pwagen_output"))
	raw, _ := r.mod.Memory().Read(o, uint32(4*n))
	out = out[:0]
	for i := range int(n) {
		out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
	}
	return out
}

func TestWazeroMatchesNativeOnAllTestDigits(t *testing.T) {
	nv := LoadNative(t)
	r := newReactor(t)
	const batch = 100
	var in, out []float32
	img := make([]float32, digitnet.InputLen)
	for start := 0; start < nv.Set.Len(); start += batch {
		in = in[:0]
		for i := start; i < start+batch; i++ {
			in = append(in, nv.Set.Image(img, i)...)
		}
		out = r.predict(t, in, out)
		for i := range batch {
			want := nv.Probabilities(start + i)
			for k, w := range want {
				if got := out[i*10+k]; got != w {
					t.Fatalf("digit %d class %d: wasm %v, native %v", start+i, k, got, w)
				}
			}
		}
	}
}

func BenchmarkWazero(b *testing.B) {
	nv := LoadNative(b)
	r := newReactor(b)
	for _, n := range []int{1, 100} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var in, out []float32
			img := make([]float32, digitnet.InputLen)
			for i := range n {
				in = append(in, nv.Set.Image(img, i)...)
			}
			for b.Loop() {
				out = r.predict(b, in, out)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/digit")
		})
	}
}
