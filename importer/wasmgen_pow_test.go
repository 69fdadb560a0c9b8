package importer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/runner"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// powRefSrc is the reference: Go's own math.Pow, built for wasip1 (the
// pure-Go pow.go, Exp and Log the Go back end's module runs; natively,
// amd64 has assembly Exp and Log). It reads (x, y) float64 pairs from
// stdin and writes Pow(x, y) for each.
const powRefSrc = `package main

import (
	"encoding/binary"
	"io"
	"math"
	"os"
)

func main() {
	in, _ := io.ReadAll(os.Stdin)
	out := make([]byte, len(in)/2)
	for i := 0; i+16 <= len(in); i += 16 {
		x := math.Float64frombits(binary.LittleEndian.Uint64(in[i:]))
		y := math.Float64frombits(binary.LittleEndian.Uint64(in[i+8:]))
		binary.LittleEndian.PutUint64(out[i/2:], math.Float64bits(math.Pow(x, y)))
	}
	os.Stdout.Write(out)
}
`

var powRef struct {
	once  sync.Once
	rt    wazero.Runtime
	cm    wazero.CompiledModule // powRefSrc for wasip1, compiled once
	err   error
	cache wazero.CompilationCache // the Pow modules' kernels, compiled once
}

// goWasmPow returns math.Pow(x[i], y[i]) as Go computes it on
// GOARCH=wasm, running powRefSrc under wazero.
func goWasmPow(t testing.TB, x, y []float64) []float64 {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Go's math.Pow for wasip1; skipped with -short")
	}
	powRef.once.Do(func() {
		dir, err := os.MkdirTemp("", "powref")
		if err != nil {
			powRef.err = err
			return
		}
		defer os.RemoveAll(dir)
		src, out := filepath.Join(dir, "main.go"), filepath.Join(dir, "powref.wasm")
		if powRef.err = os.WriteFile(src, []byte(powRefSrc), 0o644); powRef.err != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", out, src)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
		if msg, err := cmd.CombinedOutput(); err != nil {
			powRef.err = fmt.Errorf("go build for wasip1: %v\n%s", err, msg)
			return
		}
		wasm, err := os.ReadFile(out)
		if err != nil {
			powRef.err = err
			return
		}
		ctx := context.Background()
		powRef.cache = wazero.NewCompilationCache()
		powRef.rt = wazero.NewRuntime(ctx) // kept for the test binary's life
		wasi_snapshot_preview1.MustInstantiate(ctx, powRef.rt)
		powRef.cm, powRef.err = powRef.rt.CompileModule(ctx, wasm)
	})
	if powRef.err != nil {
		t.Fatal(powRef.err)
	}
	in := make([]byte, 16*len(x))
	for i := range x {
		binary.LittleEndian.PutUint64(in[16*i:], math.Float64bits(x[i]))
		binary.LittleEndian.PutUint64(in[16*i+8:], math.Float64bits(y[i]))
	}
	ctx := context.Background()
	var out bytes.Buffer
	mod, err := powRef.rt.InstantiateModule(ctx, powRef.cm, wazero.NewModuleConfig().WithName("").WithStdin(bytes.NewReader(in)).WithStdout(&out))
	if mod != nil {
		mod.Close(ctx)
	}
	var exit *sys.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 0) {
		t.Fatal(err)
	}
	if out.Len() != 8*len(x) {
		t.Fatalf("reference wrote %d bytes, want %d", out.Len(), 8*len(x))
	}
	r := make([]float64, len(x))
	for i := range r {
		r[i] = math.Float64frombits(binary.LittleEndian.Uint64(out.Bytes()[8*i:]))
	}
	return r
}

// powSpecials are the x and y values math/pow.go branches on, or near.
func powSpecials() []float64 {
	return []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		1, -1, 0.5, -0.5, 2, -2, 3, -3, 1.5, -1.5, 2.5, -2.5, 0.25, 0.75, 0.51, 0.49, 1.0 / 3, 7, -7, 10, -10,
		math.E, math.Pi, 0.1, -0.1, 1 + 0x1p-52, 1 - 0x1p-53, -1 - 0x1p-52,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-310, -1e-310, 2.2250738585072014e-308,
		1e-300, 1e300, -1e300, math.MaxFloat64, -math.MaxFloat64,
		1 << 53, 1<<53 - 1, -(1<<53 - 1), 1<<53 + 2, 1 << 63, -(1 << 63), 1 << 64, 1e20, -1e20,
		1023, 1024, 1025, -1022, -1074, -1075, 4096, 4097, 0x1p-30, 123.456, -123.456,
		float64(float32(1e-45)), float64(float32(3e38)), float64(math.MaxFloat32), float64(float32(1.1))}
}

// powPairs is every pair of specials plus random pairs: random bits,
// float32 values (what Pow nodes feed it) against small integers, halves
// and reals, and bases near 1 against large exponents.
func powPairs() (xs, ys []float64) {
	sp := powSpecials()
	for _, x := range sp {
		for _, y := range sp {
			xs, ys = append(xs, x), append(ys, y)
		}
	}
	r := rand.New(rand.NewPCG(17, 1))
	f32 := func() float64 {
		return float64(math.Float32frombits(r.Uint32()))
	}
	for range 4000 {
		xs, ys = append(xs, math.Float64frombits(r.Uint64())), append(ys, math.Float64frombits(r.Uint64()))
		xs, ys = append(xs, f32()), append(ys, float64(r.IntN(41)-20))
		xs, ys = append(xs, f32()), append(ys, float64(r.IntN(41)-20)/2)
		xs, ys = append(xs, f32()), append(ys, f32())
		xs, ys = append(xs, r.Float64()*20-10), append(ys, r.Float64()*20-10)
		xs, ys = append(xs, 1+(r.Float64()-0.5)*1e-3), append(ys, (r.Float64()-0.5)*1e7)
		xs, ys = append(xs, r.Float64()*4), append(ys, float64(r.Int64N(1<<40)))
	}
	return xs, ys
}

// powModule is a module exporting the generated pow64 as "pow".
func powModule() []byte {
	var m wasmbin.Module
	f64 := wasmbin.FuncType{Params: []byte{wasmbin.F64}, Results: []byte{wasmbin.F64}}
	exp := m.Func(f64, expLocals, expBody())
	log := m.Func(f64, logLocals, logBody())
	pow := m.Func(helperSig("pow64"), powLocals, powBody(exp, log))
	m.Export("pow", 0, pow)
	return m.Bytes()
}

// sameF64 tells whether a and b have the same bits, or are both NaN.
func sameF64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// TestWasmPow64Bits: the generated pow64 function gives Go's math.Pow
// bits on GOARCH=wasm (special values crossed with each other, random
// pairs), NaN for NaN.
func TestWasmPow64Bits(t *testing.T) {
	xs, ys := powPairs()
	want := goWasmPow(t, xs, ys)
	ctx := context.Background()
	for _, cfg := range []struct {
		name string
		rc   wazero.RuntimeConfig
	}{{"compiler", wazero.NewRuntimeConfig()}, {"interpreter", wazero.NewRuntimeConfigInterpreter()}} {
		t.Run(cfg.name, func(t *testing.T) {
			rt := wazero.NewRuntimeWithConfig(ctx, cfg.rc)
			defer rt.Close(ctx)
			mod, err := rt.Instantiate(ctx, powModule())
			if err != nil {
				t.Fatal(err)
			}
			fn := mod.ExportedFunction("pow")
			bad := 0
			for i := range xs {
				r, err := fn.Call(ctx, api.EncodeF64(xs[i]), api.EncodeF64(ys[i]))
				if err != nil {
					t.Fatalf("pow(%g, %g): %v", xs[i], ys[i], err)
				}
				got := api.DecodeF64(r[0])
				if !sameF64(got, want[i]) {
					if bad++; bad <= 10 {
						t.Errorf("pow(%g, %g) = %g (%#x), Go on wasm gives %g (%#x)", xs[i], ys[i], got, math.Float64bits(got), want[i], math.Float64bits(want[i]))
					}
				}
			}
			if bad > 10 {
				t.Errorf("%d of %d values differ", bad, len(xs))
			}
		})
	}
}

// FuzzWasmPow: for any pair of float64 bit patterns, the generated pow64
// gives Go's math.Pow bits on GOARCH=wasm.
func FuzzWasmPow(f *testing.F) {
	for _, p := range [][2]float64{{2, 0.5}, {-2, 3}, {-8, 1.0 / 3}, {0x1p-1074, -0.5}, {math.Inf(-1), -3}, {1 - 0x1p-53, 1e18}, {0.7, 1025.5}} {
		f.Add(math.Float64bits(p[0]), math.Float64bits(p[1]))
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, powModule())
	if err != nil {
		f.Fatal(err)
	}
	fn := mod.ExportedFunction("pow")
	goWasmPow(f, nil, nil) // the reference's build, before the fuzzing's deadlines
	f.Fuzz(func(t *testing.T, xb, yb uint64) {
		x, y := math.Float64frombits(xb), math.Float64frombits(yb)
		want := goWasmPow(t, []float64{x, y, float64(float32(x))}, []float64{y, x, float64(float32(y))})
		for i, p := range [][2]float64{{x, y}, {y, x}, {float64(float32(x)), float64(float32(y))}} {
			r, err := fn.Call(ctx, api.EncodeF64(p[0]), api.EncodeF64(p[1]))
			if err != nil {
				t.Fatal(err)
			}
			if got := api.DecodeF64(r[0]); !sameF64(got, want[i]) {
				t.Errorf("pow(%g, %g) = %g (%#x), Go on wasm gives %g (%#x)", p[0], p[1], got, math.Float64bits(got), want[i], math.Float64bits(want[i]))
			}
		}
	})
}

// TestWasmPowBits: Pow nodes in every form the wasm back end lowers them
// (vector-vector, vector-scalar, scalar-vector, broadcast blocks of each
// kind, a constant or a run-time exponent) give float32(math.Pow(float64(a),
// float64(b))) with Go's bits on GOARCH=wasm, under the scalar and SIMD
// kernels. Pow by a constant 2 squares (Go's vector-scalar loop squares in
// float64, its other loops call math.Pow: the same bits).
func TestWasmPowBits(t *testing.T) {
	in := actInputs()
	n := len(in)
	exps := make([]float32, n) // one exponent per value: specials, then a sweep
	sp := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, -2, 3, -3, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e-45, 127, -149, 0.3, 7}
	for i := range exps {
		if i < len(sp) {
			exps[i] = sp[i]
		} else {
			exps[i] = float32(i%37)*0.25 - 4
		}
	}
	// Every input against every special exponent too.
	var xx, yy []float32
	for _, s := range sp {
		for _, v := range in {
			xx, yy = append(xx, v), append(yy, s)
		}
	}
	konst := func(name string, shape []int, f []float32) *Value {
		return constOf(name, &Tensor{DType: Float32, Shape: shape, F: f})
	}
	input := func(name string, shape []int) *Value {
		return &Value{Name: name, DType: Float32, Shape: shape, Input: true}
	}
	rows := 4
	cols := n / rows
	block := in[:rows*cols]
	colExp, rowExp := exps[:cols], []float32{1.5, -0.5, 3, 0.3}
	for _, tc := range []struct {
		name     string
		a, b     *Value
		out      []int
		fa, fb   []float32 // the values of a and b
		runtimeB bool
	}{
		{"vv const", input("x", []int{1, n}), konst("e", []int{1, n}, exps), []int{1, n}, in, exps, false},
		{"vv inputs", input("x", []int{1, len(xx)}), input("e", []int{1, len(yy)}), []int{1, len(xx)}, xx, yy, true},
		{"vs 2", input("x", []int{1, n}), konst("e", []int{1, 1}, []float32{2}), []int{1, n}, in, []float32{2}, false},
		{"vv 2", input("x", []int{1, n}), konst("e", []int{1, n}, fill(n, 2)), []int{1, n}, in, fill(n, 2), false},
		{"vs 1.5", input("x", []int{1, n}), konst("e", []int{1, 1}, []float32{1.5}), []int{1, n}, in, []float32{1.5}, false},
		{"vs -3", input("x", []int{1, n}), konst("e", []int{1, 1}, []float32{-3}), []int{1, n}, in, []float32{-3}, false},
		{"vs 2 input", input("x", []int{1, n}), input("e", []int{1, 1}), []int{1, n}, in, []float32{2}, true},
		{"vs 0.5 input", input("x", []int{1, n}), input("e", []int{1, 1}), []int{1, n}, in, []float32{0.5}, true},
		{"sv", input("x", []int{1, 1}), konst("e", []int{1, n}, exps), []int{1, n}, []float32{-2}, exps, false},
		{"sv 1.7", input("x", []int{1, 1}), konst("e", []int{1, n}, exps), []int{1, n}, []float32{1.7}, exps, false},
		{"blocks vs", input("x", []int{rows, cols}), konst("e", []int{rows, 1}, rowExp), []int{rows, cols}, block, rowExp, false},
		{"blocks vv", input("x", []int{rows, cols}), konst("e", []int{1, cols}, colExp), []int{rows, cols}, block, colExp, false},
		{"blocks sv", input("x", []int{rows, 1}), konst("e", []int{1, cols}, colExp), []int{rows, cols}, []float32{-2, 0.5, 3, -0.25}, colExp, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.out
			total := out[0] * out[1]
			xs, ys := make([]float64, total), make([]float64, total)
			for i := range total {
				r, c := i/out[1], i%out[1]
				xs[i] = float64(tc.fa[(r%tc.a.Shape[0])*tc.a.Shape[1]+c%tc.a.Shape[1]])
				ys[i] = float64(tc.fb[(r%tc.b.Shape[0])*tc.b.Shape[1]+c%tc.b.Shape[1]])
			}
			ref := goWasmPow(t, xs, ys)
			want := make([]float32, total)
			for i, v := range ref {
				want[i] = float32(v)
			}
			ins := []*Value{tc.a}
			feed := append([]float32(nil), tc.fa...)
			if tc.runtimeB {
				ins = append(ins, tc.b)
				feed = append(feed, tc.fb...)
			}
			y := &Value{Name: "y", DType: Float32, Shape: out}
			g := &Graph{Name: "g", Opset: 17, Inputs: ins, Outputs: []*Value{y},
				Nodes: []*Node{{Op: "Pow", Name: "n", In: []*Value{tc.a, tc.b}, Out: []*Value{y}}}}
			pl, err := Lower(g)
			if err != nil {
				t.Fatal(err)
			}
			wo, err := GenerateWasm(pl)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for _, v := range []modules.Variant{modules.Scalar, modules.SIMD} {
				m, err := runner.Load(ctx, wo.Module, wo.Weights, runner.Options{Variant: v, Cache: powRef.cache})
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Predict(ctx, feed)
				m.Close(ctx)
				if err != nil {
					t.Fatal(err)
				}
				bad := 0
				for i, w := range want {
					if math.Float32bits(got[i]) != math.Float32bits(w) && !(w != w && got[i] != got[i]) {
						if bad++; bad <= 5 {
							t.Errorf("%s: Pow(%g, %g) is %g (%#x), Go on wasm gives %g (%#x)", v, xs[i], ys[i], got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
						}
					}
				}
				if bad > 5 {
					t.Errorf("%s: %d of %d values differ", v, bad, total)
				}
			}
		})
	}
}

func fill(n int, v float32) []float32 {
	f := make([]float32, n)
	for i := range f {
		f[i] = v
	}
	return f
}
