package digits_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/validate"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// reactor is the packaged model-<h8>.wasm under wazero's compiler, linked
// with one kernel variant the way the browser loader links it
// (kernels/modules.Link), and driven through the ABI in the loader's order.
type reactor struct {
	ctx context.Context
	mod api.Module
}

// variants are the ways the example runs: the kernels package's wasm with
// each kernel module, and the package built with kernels = false.
var variants = []modules.Variant{modules.SIMD, modules.Scalar, modules.Baseline}

// packageOf returns the package that runs variant v.
func packageOf(tb testing.TB, v modules.Variant) string {
	if v == modules.Baseline {
		return packagedBaseline(tb)
	}
	return packaged(tb)
}

func newReactor(tb testing.TB, v modules.Variant) *reactor {
	tb.Helper()
	dir := packageOf(tb, v)
	wasm, err := os.ReadFile(filepath.Join(dir, modelWasm(tb, dir)))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	tb.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	pair, err := modules.Link(ctx, rt, cm, v, wazero.NewModuleConfig(), "_initialize")
	if err != nil {
		tb.Fatalf("linking the model with the %s kernels: %v", v, err)
	}
	r := &reactor{ctx, pair.Model}
	weights, err := os.ReadFile("weights/digits.bin")
	if err != nil {
		tb.Fatal(err)
	}
	ptr := r.call(tb, "pwagen_alloc_weights", uint64(len(weights)))
	if !r.mod.Memory().Write(uint32(ptr), weights) {
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

// TestPackagesHaveTheirKernels: the default package imports the kernels
// and carries the three kernel modules; the kernels = false one imports
// none and carries none.
func TestPackagesHaveTheirKernels(t *testing.T) {
	for _, tt := range []struct {
		dir     string
		kernels bool
	}{{packaged(t), true}, {packagedBaseline(t), false}} {
		wasm, err := os.ReadFile(filepath.Join(tt.dir, modelWasm(t, tt.dir)))
		if err != nil {
			t.Fatal(err)
		}
		imports, err := validate.KernelImports(wasm)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, im := range imports {
			names = append(names, im.Name)
		}
		files := kernelFiles(t, tt.dir)
		if tt.kernels {
			// pool: the max-pooling runs in the kernels, not as a Go loop
			// compiled to WebAssembly (a third of the call's time).
			for _, want := range []string{"gemm", "gemv", "im2col", "pool", "relu", "softmax"} {
				if !slices.Contains(names, want) {
					t.Errorf("kernels = true: the model imports %v from module kernels, want %s among them", names, want)
				}
			}
			for _, role := range []string{"forwarder", "simd", "scalar"} {
				if files[role] == "" {
					t.Errorf("kernels = true: no kernels/%s-<h8>.wasm in the package (it has %v)", role, files)
				}
			}
		} else {
			if len(imports) > 0 || len(files) > 0 {
				t.Errorf("kernels = false: the model imports %v from module kernels and the package has kernel files %v; want none", names, files)
			}
		}
	}
}

// TestWazeroMatchesNativeOnAllTestDigits runs the 2,000 test digits under
// wazero with each variant. Without kernels and with the scalar kernels the
// outputs are the same bits as natively; the SIMD kernels sum the dense
// layers in four lanes, so they may differ in the last bits (at most 1e-5
// here), never in the class.
func TestWazeroMatchesNativeOnAllTestDigits(t *testing.T) {
	nv := LoadNative(t)
	for _, v := range variants {
		t.Run(string(v), func(t *testing.T) {
			r := newReactor(t, v)
			const batch = 100
			var in, out []float32
			img := make([]float32, digitnet.InputLen)
			worst, identical := 0.0, 0
			for start := 0; start < nv.Set.Len(); start += batch {
				in = in[:0]
				for i := start; i < start+batch; i++ {
					in = append(in, nv.Set.Image(img, i)...)
				}
				out = r.predict(t, in, out)
				for i := range batch {
					want := nv.Probabilities(start + i)
					got := out[i*10 : i*10+10]
					same := true
					for k, w := range want {
						d := math.Abs(float64(got[k] - w))
						worst = max(worst, d)
						same = same && got[k] == w
						if v != modules.SIMD && got[k] != w {
							t.Fatalf("digit %d class %d: wasm (%s) %v, native %v; want the same bits", start+i, k, v, got[k], w)
						}
						if d > 1e-5 {
							t.Fatalf("digit %d class %d: wasm (%s) %v, native %v, differ by %.3g > 1e-5", start+i, k, v, got[k], w, d)
						}
					}
					if digitnet.Argmax(got) != digitnet.Argmax(want) {
						t.Fatalf("digit %d: wasm (%s) reads %d, native %d", start+i, v, digitnet.Argmax(got), digitnet.Argmax(want))
					}
					if same {
						identical++
					}
				}
			}
			t.Logf("%s: %d of %d digits bit-identical to native, largest difference %.3g", v, identical, nv.Set.Len(), worst)
		})
	}
}

func BenchmarkWazero(b *testing.B) {
	nv := LoadNative(b)
	for _, v := range variants {
		r := newReactor(b, v)
		for _, n := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/%d", v, n), func(b *testing.B) {
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
}

// TestModelTestsInWasm runs the model package's own tests of predict,
// compiled for wasip1 and linked with the SIMD kernels under wazero, as the
// browser runs it: in the WebAssembly model too, predict allocates nothing
// after its first call (so Go's garbage collector never runs there), and
// gives Forward's probabilities.
func TestModelTestsInWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the model's tests for wasip1")
	}
	bin := filepath.Join(t.TempDir(), "model.test.wasm")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./model")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	wasm, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cfg := wazero.NewModuleConfig().
		WithArgs("model.test", "-test.v", "-test.run", "^TestPredict(DoesNotAllocate|MatchesForward)$").
		WithFSConfig(wazero.NewFSConfig().WithReadOnlyDirMount(here, "/digits")).
		WithEnv("PWD", "/digits/model").
		WithStdout(&out).WithStderr(&out)
	_, err = modules.Link(ctx, rt, cm, modules.SIMD, cfg, "_start")
	var exit *sys.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 0 {
		err = nil
	}
	if err != nil || !strings.Contains(out.String(), "\nPASS") {
		t.Fatalf("the model's tests under wazero with the SIMD kernels: %v\n%s", err, out.String())
	}
	for _, name := range []string{"TestPredictDoesNotAllocate", "TestPredictMatchesForward"} {
		if !strings.Contains(out.String(), "--- PASS: "+name) {
			t.Errorf("%s did not run:\n%s", name, out.String())
		}
	}
}
