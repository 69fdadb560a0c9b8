package native_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/kernels/native"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// memPages is the probe's memory: 8 MiB.
const memPages = 128

// probe is a model that imports every kernel from module "kernels" and
// exports a function of the same name that calls it, with its memory:
// calling an export calls the kernel from WebAssembly as a model does.
func probe() []byte {
	var m wasmbin.Module
	vt := func(names []string) []byte {
		var b []byte
		for _, n := range names {
			b = append(b, map[string]byte{"i32": wasmbin.I32, "f32": wasmbin.F32}[n])
		}
		return b
	}
	for _, f := range modules.Funcs {
		m.ImportFunc(modules.Module, f.Name, wasmbin.FuncType{Params: vt(f.Params), Results: vt(f.Results)})
	}
	for i, f := range modules.Funcs {
		var c wasmbin.Code
		for j := range f.Params {
			c.Get(uint32(j))
		}
		c.Call(uint32(i))
		m.Export(f.Name, 0, m.Func(wasmbin.FuncType{Params: vt(f.Params), Results: vt(f.Results)}, nil, c.B))
	}
	m.Memory(memPages)
	m.Export("memory", 2, 0)
	return m.Bytes()
}

// pair is the probe linked twice: natively and with the SIMD module.
type pair struct {
	t                testing.TB
	ctx              context.Context
	native, wasm     api.Module
	nativeMem, wsMem api.Memory
	flush            func() // the native Pair's
}

func newPair(t testing.TB) *pair {
	t.Helper()
	if !native.Available() {
		t.Skip("the native kernels need an amd64 build with GOEXPERIMENT=simd and a CPU with AVX2")
	}
	ctx := context.Background()
	p := &pair{t: t, ctx: ctx}
	for i, link := range []func(wazero.Runtime, wazero.CompiledModule) (*modules.Pair, error){
		func(rt wazero.Runtime, cm wazero.CompiledModule) (*modules.Pair, error) {
			return native.Link(ctx, rt, cm, wazero.NewModuleConfig())
		},
		func(rt wazero.Runtime, cm wazero.CompiledModule) (*modules.Pair, error) {
			return modules.Link(ctx, rt, cm, modules.SIMD, wazero.NewModuleConfig())
		},
	} {
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
		t.Cleanup(func() { rt.Close(ctx) })
		cm, err := rt.CompileModule(ctx, probe())
		if err != nil {
			t.Fatal(err)
		}
		lp, err := link(rt, cm)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			p.native, p.nativeMem, p.flush = lp.Model, lp.Model.Memory(), lp.Flush
		} else {
			p.wasm, p.wsMem = lp.Model, lp.Model.Memory()
		}
	}
	return p
}

// write puts the same bytes at p in both memories.
func (p *pair) write(addr uint32, b []byte) {
	if !p.nativeMem.Write(addr, b) || !p.wsMem.Write(addr, b) {
		p.t.Fatalf("write of %d bytes at %d: outside memory", len(b), addr)
	}
}

// call runs kernel name with args in both and compares the results and
// the whole memories, bit for bit (NaN payloads aside: any NaN equals any
// NaN).
func (p *pair) call(name string, args ...uint64) {
	p.t.Helper()
	rn, err := p.native.ExportedFunction(name).Call(p.ctx, args...)
	p.flush()
	if err != nil {
		p.t.Fatalf("native %s%v: %v", name, args, err)
	}
	rw, err := p.wasm.ExportedFunction(name).Call(p.ctx, args...)
	if err != nil {
		p.t.Fatalf("wasm %s%v: %v", name, args, err)
	}
	for i := range rn {
		if !sameBits(uint32(rn[i]), uint32(rw[i])) {
			p.t.Fatalf("%s%v returned %v natively, %v in the SIMD module", name, args, f32(rn[i]), f32(rw[i]))
		}
	}
	p.same(name, args)
}

// same checks that the two memories are equal, but for NaNs' payloads,
// after call name(args).
func (p *pair) same(name string, args []uint64) {
	p.t.Helper()
	a, _ := p.nativeMem.Read(0, p.nativeMem.Size())
	b, _ := p.wsMem.Read(0, p.wsMem.Size())
	if bytes.Equal(a, b) {
		return
	}
	// A differing byte must lie in a value that is NaN in both, at one of
	// the four alignments (operands may be unaligned).
	for j := range a {
		if a[j] == b[j] {
			continue
		}
		ok := false
		for s := max(j-3, 0); s <= j && s+4 <= len(a); s++ {
			ok = ok || sameBits(binary.LittleEndian.Uint32(a[s:]), binary.LittleEndian.Uint32(b[s:])) &&
				binary.LittleEndian.Uint32(a[s:]) != binary.LittleEndian.Uint32(b[s:])
		}
		if !ok {
			s := j &^ 3
			x, y := binary.LittleEndian.Uint32(a[s:]), binary.LittleEndian.Uint32(b[s:])
			p.t.Fatalf("%s%v: byte %d differs; at %d natively %v (%#08x), in the SIMD module %v (%#08x)", name, args, j, s,
				math.Float32frombits(x), x, math.Float32frombits(y), y)
		}
	}
	copy(a, b) // NaNs with other payloads: keep the memories equal
}

func sameBits(x, y uint32) bool {
	isNaN := func(v uint32) bool { return v&0x7f800000 == 0x7f800000 && v&0x7fffff != 0 }
	return x == y || isNaN(x) && isNaN(y)
}

func f32(v uint64) float32 { return math.Float32frombits(uint32(v)) }

// gen makes the operands of one call.
type gen struct {
	r       *rand.Rand
	p       *pair
	next    uint32
	special bool // mix NaN, ±Inf, ±0, denormals into the values
	stride1 bool // geometries of stride 1
	wide    bool // geometries of 5 to 20 channels (the depthwise's eight channels in the lanes)
}

const base = 1 << 16

// region returns the address of n fresh float32 values, filled at random,
// most 4-byte aligned, some not.
func (g *gen) region(n int) uint64 {
	addr := (g.next + 63) &^ 63
	if g.r.IntN(8) == 0 {
		addr += uint32(1 + g.r.IntN(3))
	}
	g.next = addr + uint32(4*n) + 256
	if g.next > memPages<<16-base {
		g.p.t.Fatalf("the operands need more than %d bytes", g.next)
	}
	b := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(g.value()))
	}
	g.p.write(addr, b)
	return uint64(addr)
}

var specials = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 1e-40, math.MaxFloat32, -math.MaxFloat32, 1, -1, 6, -3, 88, -104, 200}

func (g *gen) value() float32 {
	if g.special && g.r.IntN(6) == 0 {
		return specials[g.r.IntN(len(specials))]
	}
	return float32(g.r.NormFloat64() * 2)
}

func (g *gen) n(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// opt is a region or 0 (none), one time in three.
func (g *gen) opt(n int) uint64 {
	if g.r.IntN(3) == 0 {
		return 0
	}
	return g.region(n)
}

func (g *gen) f(v float32) uint64 { return uint64(math.Float32bits(v)) }

// geom writes a consistent geometry block (package kernels' geom) and
// returns its address and sizes: planes c, input ih×iw, output oh×ow,
// kernel kh×kw.
func (g *gen) geom(op int32, alpha, beta float32) (addr uint64, c, ih, iw, oh, ow, kh, kw int) {
	for {
		c, ih, iw = g.n(1, 6), g.n(1, 14), g.n(1, 40)
		if g.wide {
			c = 2 + 3*c // 5, 8, 11, 14, 17, 20: full and partial groups of eight
		}
		if g.r.IntN(4) == 0 {
			ih = 1 // 1-D
		}
		kh, kw = g.n(1, min(ih+1, 5)), g.n(1, 5)
		sh, sw, dh, dw := g.n(1, 3), g.n(1, 5), g.n(1, 2), g.n(1, 2)
		ph, pw, eh, ew := g.n(0, 3), g.n(0, 3), g.n(0, 2), g.n(0, 2)
		if kh > 3 || ih == 1 {
			dh = 1
		}
		if g.stride1 {
			sh, sw = 1, 1
		}
		oh = (ih+ph+eh-(dh*(kh-1)+1))/sh + 1
		ow = (iw+pw+ew-(dw*(kw-1)+1))/sw + 1
		if ih+ph+eh < dh*(kh-1)+1 || iw+pw+ew < dw*(kw-1)+1 || oh < 1 || ow < 1 {
			continue
		}
		w := []int32{int32(c), int32(ih), int32(iw), int32(oh), int32(ow), int32(kh), int32(kw), int32(sh), int32(sw), int32(dh), int32(dw),
			int32(ph), int32(pw), int32(ih + eh), int32(iw + ew), op, int32(math.Float32bits(alpha)), int32(math.Float32bits(beta))}
		b := make([]byte, 4*len(w))
		for i, v := range w {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
		}
		a := (g.next + 63) &^ 63
		g.next = a + uint32(len(b))
		g.p.write(a, b)
		return uint64(a), c, ih, iw, oh, ow, kh, kw
	}
}

// acts are the activations of act and dwconv: those the kernels know, and
// one they leave as it is.
var acts = []kernels.Act{
	{Op: kernels.ActNone}, {Op: kernels.ActRelu}, {Op: kernels.ActLeakyRelu, Alpha: 0.1}, {Op: kernels.ActHardSigmoid, Alpha: 0.2, Beta: 0.5},
	{Op: kernels.ActHardSwish}, {Op: kernels.ActClip, Alpha: 0, Beta: 6}, {Op: kernels.ActClip, Alpha: -1, Beta: 1},
	{Op: kernels.ActClip, Alpha: float32(math.Copysign(0, -1)), Beta: 0}, {Op: kernels.ActClip, Alpha: 0, Beta: float32(math.Copysign(0, -1))},
	{Op: kernels.ActScale, Alpha: 1.5, Beta: -0.25}, {Op: kernels.ActSigmoid}, {Op: kernels.ActTanh}, {Op: kernels.ActExp},
}

// args makes the operands of one call of kernel name and returns its
// arguments.
func (g *gen) args(name string) []uint64 {
	u := func(n int) uint64 { return uint64(n) }
	switch name {
	case "dot":
		n := g.n(0, 300)
		return []uint64{g.region(n), g.region(n), u(n)}
	case "axpy":
		n := g.n(0, 300)
		return []uint64{g.f(g.value()), g.region(n), g.region(n), u(n)}
	case "gemv", "f16gemv":
		m, n := g.n(1, 40), g.n(1, 90)
		return []uint64{g.region(m), g.region(m * n), g.region(n), g.opt(m), u(m), u(n)}
	case "gemm":
		m, k, n := g.n(1, 40), g.n(0, 70), g.n(1, 90)
		return []uint64{g.region(m * n), g.region(m * k), g.region(k * n), g.opt(m), u(m), u(k), u(n)}
	case "add", "mul":
		n := g.n(0, 300)
		x, y := g.region(n), g.region(n)
		dst := g.region(n)
		switch g.r.IntN(3) {
		case 0:
			dst = x
		case 1:
			dst = y
		}
		return []uint64{dst, x, y, u(n)}
	case "relu", "gelu":
		n := g.n(0, 300)
		x := g.region(n)
		dst := x
		if g.r.IntN(2) == 0 {
			dst = g.region(n)
		}
		if name == "gelu" {
			return []uint64{dst, x, u(n), u(g.r.IntN(2))}
		}
		return []uint64{dst, x, u(n)}
	case "softmax":
		n := g.n(1, 200)
		return []uint64{g.region(n), u(n)}
	case "im2col":
		c, h, w := g.n(1, 4), g.n(1, 12), g.n(1, 12)
		k := g.n(1, min(h, w))
		return []uint64{g.region(c * k * k * (h - k + 1) * (w - k + 1)), g.region(c * h * w), u(c), u(h), u(w), u(k)}
	case "im2col_conv":
		a, c, ih, iw, oh, ow, kh, kw := g.geom(0, 0, 0)
		return []uint64{g.region(c * kh * kw * oh * ow), g.region(c * ih * iw), a}
	case "dwconv":
		act := acts[g.r.IntN(len(acts))]
		a, c, ih, iw, oh, ow, kh, kw := g.geom(int32(act.Op), act.Alpha, act.Beta)
		return []uint64{g.region(c * oh * ow), g.region(c * ih * iw), g.region(c * kh * kw), g.opt(c), a}
	case "pool":
		a, c, ih, iw, oh, ow, _, _ := g.geom(int32(g.r.IntN(4)), 0, 0)
		return []uint64{g.region(c * oh * ow), g.region(c * ih * iw), a}
	case "act":
		act := acts[g.r.IntN(len(acts))]
		n := g.n(0, 300)
		x := g.region(n)
		dst := x
		if g.r.IntN(2) == 0 {
			dst = g.region(n)
		}
		return []uint64{dst, x, u(n), uint64(act.Op), g.f(act.Alpha), g.f(act.Beta)}
	case "layernorm":
		rows, cols := g.n(1, 8), g.n(1, 100)
		return []uint64{g.region(rows * cols), g.region(rows * cols), g.region(cols), g.opt(cols), u(rows), u(cols), g.f(1e-5)}
	case "softmax_rows":
		rows, n := g.n(1, 8), g.n(1, 100)
		return []uint64{g.region(rows * n), g.region(rows * n), u(rows), u(n)}
	case "bmm":
		batch, m, k, n := g.n(1, 4), g.n(1, 12), g.n(1, 20), g.n(1, 40)
		sa, sb := m*k, k*n
		if g.r.IntN(3) == 0 {
			sa = 0
		}
		if g.r.IntN(3) == 0 {
			sb = 0
		}
		return []uint64{g.region(batch * m * n), g.region((batch-1)*sa + m*k), g.region((batch-1)*sb + k*n), u(batch), u(m), u(k), u(n), u(sa), u(sb)}
	}
	return nil
}

// tested are the kernels the tests call: every native one, and those the
// host leaves to the SIMD module (f16gemv, the transformer primitives).
func tested() []string {
	var out []string
	for _, f := range modules.Funcs {
		// The quantized kernels other than f16gemv need operands this
		// generator does not make.
		if !strings.HasPrefix(f.Name, "q8") && f.Name != "f16gemm" {
			out = append(out, f.Name)
		}
	}
	return out
}

// TestNativeKernelsMatchSIMD: every native kernel export, on random and
// special values and shapes, unaligned addresses and aliased operands,
// leaves the memory bit for bit as the SIMD module does.
func TestNativeKernelsMatchSIMD(t *testing.T) {
	p := newPair(t)
	want := []string{"dot", "axpy", "gemv", "gemm", "add", "mul", "relu", "im2col", "im2col_conv", "dwconv", "pool", "act", "bmm"}
	if got := native.Natives(); !slices.Equal(got, want) {
		t.Errorf("native kernels %v, want %v", got, want)
	}
	for _, name := range tested() {
		t.Run(name, func(t *testing.T) {
			p.t = t
			for i := range 100 {
				g := &gen{r: rand.New(rand.NewPCG(uint64(i), 17)), p: p, next: base, special: i%3 == 2}
				p.call(name, g.args(name)...)
			}
		})
	}
	// The depthwise and the pool on 5 to 20 channels: planes 1 to 40
	// wide, strides 1 to 5, padding.
	for _, name := range []string{"dwconv", "pool"} {
		t.Run(name+"/wide", func(t *testing.T) {
			p.t = t
			for i := range 200 {
				g := &gen{r: rand.New(rand.NewPCG(uint64(i), 17)), p: p, next: base, special: i%3 == 2, wide: true}
				p.call(name, g.args(name)...)
			}
		})
	}
}

// FuzzNativeKernels is TestNativeKernelsMatchSIMD for one kernel (k's
// low 7 bits modulo their number) and one seed; k's top bit asks for
// geometries of 5 to 20 channels (gen.wide).
func FuzzNativeKernels(f *testing.F) {
	for i := range 20 {
		f.Add(uint8(i), uint64(i)*7919, i%2 == 0)
	}
	p := newPair(f)
	f.Fuzz(func(t *testing.T, k uint8, seed uint64, special bool) {
		p.t = t
		names := tested()
		name := names[int(k&127)%len(names)]
		g := &gen{r: rand.New(rand.NewPCG(seed, 17)), p: p, next: base, special: special, wide: k&128 != 0}
		p.call(name, g.args(name)...)
	})
}

// TestNativeBadAddress: an address outside memory is an error of the
// call, as the SIMD module's trap is, not a crash.
func TestNativeBadAddress(t *testing.T) {
	p := newPair(t)
	for _, args := range [][]uint64{
		{1 << 31, 64, 4, 0, 2, 2, 2}, // c beyond memory
		{64, 64, 64, 0, 1 << 20, 1 << 20, 8},
	} {
		_, err := p.native.ExportedFunction("gemm").Call(p.ctx, args...)
		if err == nil {
			t.Errorf("gemm%v: no error", args)
		} else if !bytes.Contains([]byte(err.Error()), []byte("kernels:")) {
			t.Errorf("gemm%v: %v, want the kernel's reason", args, err)
		}
		_, err = p.wasm.ExportedFunction("gemm").Call(p.ctx, args...)
		if err == nil {
			t.Errorf("SIMD module: gemm%v: no error", args)
		}
	}
}

// TestNativeDirectConv: im2col_conv then a gemm of its matrix, as a model
// calls them for a Conv, leave the memory as the SIMD module does but
// for the matrix, which a stride-1 convolution never writes (the gemm
// computes it from the input directly); the other geometries write it.
// Without the direct path the matrix is written every time and the test
// fails.
func TestNativeDirectConv(t *testing.T) {
	p := newPair(t)
	direct := 0
	for i := range 300 {
		if directConvCase(p, uint64(i), i%3 == 2, i%4 != 0) {
			direct++
		}
	}
	if direct < 100 {
		t.Errorf("%d of 300 convolutions ran directly, want at least 100 (3 in 4 have stride 1; the narrow ones take im2col)", direct)
	}
}

// FuzzNativeDirectConv is TestNativeDirectConv for one seed.
func FuzzNativeDirectConv(f *testing.F) {
	for i := range 12 {
		f.Add(uint64(i)*104729, i%3 == 0, i%2 == 0)
	}
	p := newPair(f)
	f.Fuzz(func(t *testing.T, seed uint64, special, stride1 bool) {
		p.t = t
		directConvCase(p, seed, special, stride1)
	})
}

// directConvCase calls im2col_conv and a gemm of its matrix on random
// operands in both instances, checks the memories (the matrix aside
// where the native kernels did not write it), and reports whether they
// did not.
func directConvCase(p *pair, seed uint64, special, stride1 bool) bool {
	p.t.Helper()
	g := &gen{r: rand.New(rand.NewPCG(seed, 29)), p: p, next: base, special: special, stride1: stride1}
	ga, c, ih, iw, oh, ow, kh, kw := g.geom(0, 0, 0)
	k, n := c*kh*kw, oh*ow
	col, src := g.region(k*n), g.region(c*ih*iw)
	m := g.n(1, 40)
	if seed%5 == 0 {
		m = g.n(1, 6)
	}
	out, w, bias := g.region(m*n), g.region(m*k), g.opt(m)
	before, _ := p.nativeMem.Read(uint32(col), uint32(4*k*n))
	before = bytes.Clone(before)
	for j, mod := range []api.Module{p.native, p.wasm} {
		if _, err := mod.ExportedFunction("im2col_conv").Call(p.ctx, col, src, ga); err != nil {
			p.t.Fatal(err)
		}
		if _, err := mod.ExportedFunction("gemm").Call(p.ctx, out, w, col, bias, uint64(m), uint64(k), uint64(n)); err != nil {
			p.t.Fatal(err)
		}
		if j == 0 {
			p.flush()
		}
	}
	after, _ := p.nativeMem.Read(uint32(col), uint32(4*k*n))
	ws, _ := p.wsMem.Read(uint32(col), uint32(4*k*n))
	direct := bytes.Equal(after, before) && !bytes.Equal(after, ws)
	if direct {
		copy(after, ws) // the matrix the native kernels did not write
	}
	p.same("im2col_conv+gemm", []uint64{col, src, ga, out, w, col, bias, uint64(m), uint64(k), uint64(n)})
	return direct
}
