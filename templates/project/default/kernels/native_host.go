//go:build !wasip1

package kernels

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"
)

// HostKernel is the native twin of one export of the WebAssembly kernel
// module, for a host that runs a model's .wasm natively (package
// kernels/native links them under wazero). mem is the model's linear
// memory; stack holds the call's arguments as the host passes them (i32 in
// the low 32 bits, f32 as its bits) and takes the result in stack[0]. It
// returns false, having done nothing, for a call it leaves to the kernel
// module (an activation it has no vector code for). An address or size
// outside mem panics, where the kernel module would trap.
type HostKernel func(mem []byte, stack []uint64) bool

// HostKernels returns the native twins of the SIMD kernel module's
// exports by name, or nil when this build has none: they need AVX2 (an
// amd64 build with GOEXPERIMENT=simd on a CPU that has it), since the
// SIMD module's dot and gemv sum in lanes that only the AVX2 code
// reproduces. Each gives the SIMD module's answers bit for bit (the same
// operations in the same order, no FMA). act runs ReLU, Clip, LeakyRelu,
// Tanh and Sigmoid natively (Tanh and Sigmoid on 8 lanes in two float64
// halves, as the module's $tanh4 and $sigmoid4 do on 4) and leaves the
// other ops to the module. The kernels left out are as fast or faster in
// the module (its 4-lane exp against the scalar Go twins: softmax,
// layernorm, softmax_rows, gelu) or have no twin (q8gemv, q8gemm,
// f16gemv, f16gemm): the host keeps the module's.
//
// Each call returns a fresh set, for one model instance: im2col_conv
// defers its matrix, and a gemm that multiplies that matrix right after
// computes the convolution directly from the input instead (stride 1:
// avx2ConvDirect, the same bits), so the matrix is never written. Any
// other call completes the deferred im2col first; the host calls the
// HostFlush entry before each kernel it runs in the module, which may
// read it.
func HostKernels() map[string]HostKernel {
	if !useAVX2 {
		return nil
	}
	p := new(pendingIm2col)
	hk := make(map[string]HostKernel, len(hostKernels)+1)
	for name, k := range hostKernels {
		hk[name] = func(mem []byte, s []uint64) bool {
			p.flush(mem)
			return k(mem, s)
		}
	}
	hk["im2col_conv"] = func(mem []byte, s []uint64) bool {
		p.flush(mem)
		p.defer_(mem, s)
		return true
	}
	hk["gemm"] = func(mem []byte, s []uint64) bool {
		if p.conv(mem, s) {
			return true
		}
		p.flush(mem)
		return hostKernels["gemm"](mem, s)
	}
	hk[HostFlush] = func(mem []byte, _ []uint64) bool {
		p.flush(mem)
		return true
	}
	return hk
}

// HostFlush names the entry of HostKernels that completes deferred work
// (an im2col matrix not written yet): the host calls it before any kernel
// it leaves to the kernel module. Its stack may be nil.
const HostFlush = "$flush"

// pendingIm2col is an im2col_conv call not carried out yet: its
// arguments (output, input and geometry addresses).
type pendingIm2col struct {
	set           bool
	col, src, geo uint64
}

// defer_ records an im2col_conv call after checking its arguments as the
// call itself would (an address outside the memory panics now).
func (p *pendingIm2col) defer_(mem []byte, s []uint64) {
	g := hostGeom(mem, s[2])
	d := g.dims()
	hf32s(mem, s[0], hsize(uint64(d.c), uint64(d.kh), uint64(d.kw), uint64(d.oh), uint64(d.ow)))
	hf32s(mem, s[1], hsize(uint64(d.c), uint64(d.ih), uint64(d.iw)))
	*p = pendingIm2col{true, s[0], s[1], s[2]}
}

// flush writes the deferred im2col matrix, if any.
func (p *pendingIm2col) flush(mem []byte) {
	if !p.set {
		return
	}
	p.set = false
	hostKernels["im2col_conv"](mem, []uint64{p.col, p.src, p.geo})
}

// conv runs gemm call s as a direct convolution when it multiplies the
// deferred im2col matrix (its b) by weights of its k columns; it returns
// false, having done nothing, otherwise.
func (p *pendingIm2col) conv(mem []byte, s []uint64) bool {
	if !p.set || hu(s[2]) != hu(p.col) {
		return false
	}
	g := hostGeom(mem, p.geo)
	d := g.dims()
	m, k, n := hu(s[4]), hu(s[5]), hu(s[6])
	if !directConv(g) || !directPays(g) || m == 0 || k != hsize(uint64(d.c), uint64(d.kh), uint64(d.kw)) || n != hsize(uint64(d.oh), uint64(d.ow)) {
		return false
	}
	c := hf32s(mem, s[0], hsize(m, n))
	a := hf32s(mem, s[1], hsize(m, k))
	hf32s(mem, s[2], hsize(k, n)) // the matrix's bounds, as gemm checks them
	bias := hopt(mem, s[3], m)
	src := hf32s(mem, p.src, hsize(uint64(d.c), uint64(d.ih), uint64(d.iw)))
	p.set = false
	avx2ConvDirect(c, src, a, bias, g, int(m))
	return true
}

var hostKernels = map[string]HostKernel{
	"dot": func(mem []byte, s []uint64) bool {
		n := hu(s[2])
		s[0] = uint64(math.Float32bits(avx2Dot(hf32s(mem, s[0], n), hf32s(mem, s[1], n))))
		return true
	},
	"axpy": func(mem []byte, s []uint64) bool {
		n := hu(s[3])
		avx2Axpy(math.Float32frombits(uint32(s[0])), hf32s(mem, s[1], n), hf32s(mem, s[2], n))
		return true
	},
	"gemv": func(mem []byte, s []uint64) bool {
		m, n := hu(s[4]), hu(s[5])
		avx2Gemv(hf32s(mem, s[0], m), hf32s(mem, s[1], hsize(m, n)), hf32s(mem, s[2], n), hopt(mem, s[3], m), int(m), int(n))
		return true
	},
	"gemm": func(mem []byte, s []uint64) bool {
		m, k, n := hu(s[4]), hu(s[5]), hu(s[6])
		avx2Gemm(hf32s(mem, s[0], hsize(m, n)), hf32s(mem, s[1], hsize(m, k)), hf32s(mem, s[2], hsize(k, n)), hopt(mem, s[3], m), int(m), int(k), int(n))
		return true
	},
	"add": func(mem []byte, s []uint64) bool {
		n := hu(s[3])
		avx2Add(hf32s(mem, s[0], n), hf32s(mem, s[1], n), hf32s(mem, s[2], n))
		return true
	},
	"mul": func(mem []byte, s []uint64) bool {
		n := hu(s[3])
		avx2Mul(hf32s(mem, s[0], n), hf32s(mem, s[1], n), hf32s(mem, s[2], n))
		return true
	},
	"relu": func(mem []byte, s []uint64) bool {
		n := hu(s[2])
		avx2ReLU(hf32s(mem, s[0], n), hf32s(mem, s[1], n))
		return true
	},
	"im2col": func(mem []byte, s []uint64) bool {
		c, h, w, k := hu(s[2]), hu(s[3]), hu(s[4]), hu(s[5])
		if k < 1 || k > h || k > w {
			panic(fmt.Sprintf("kernels: im2col of a %d×%d kernel over %d×%d", k, k, h, w))
		}
		goIm2col(hf32s(mem, s[0], hsize(c, k, k, h-k+1, w-k+1)), hf32s(mem, s[1], hsize(c, h, w)), int(c), int(h), int(w), int(k))
		return true
	},
	"im2col_conv": func(mem []byte, s []uint64) bool {
		g := hostGeom(mem, s[2])
		d := g.dims()
		avx2Im2colConv(hf32s(mem, s[0], hsize(uint64(d.c), uint64(d.kh), uint64(d.kw), uint64(d.oh), uint64(d.ow))), hf32s(mem, s[1], hsize(uint64(d.c), uint64(d.ih), uint64(d.iw))), g)
		return true
	},
	"dwconv": func(mem []byte, s []uint64) bool {
		g := hostGeom(mem, s[4])
		d := g.dims()
		c := uint64(d.c)
		avx2DwConv(hf32s(mem, s[0], hsize(c, uint64(d.oh), uint64(d.ow))), hf32s(mem, s[1], hsize(c, uint64(d.ih), uint64(d.iw))),
			hf32s(mem, s[2], hsize(c, uint64(d.kh), uint64(d.kw))), hopt(mem, s[3], c), g)
		return true
	},
	"pool": func(mem []byte, s []uint64) bool {
		g := hostGeom(mem, s[2])
		d := g.dims()
		c := uint64(d.c)
		avx2Pool(hf32s(mem, s[0], hsize(c, uint64(d.oh), uint64(d.ow))), hf32s(mem, s[1], hsize(c, uint64(d.ih), uint64(d.iw))), g)
		return true
	},
	"act": func(mem []byte, s []uint64) bool {
		n := hu(s[2])
		a := Act{Op: ActOp(int32(s[3])), Alpha: math.Float32frombits(uint32(s[4])), Beta: math.Float32frombits(uint32(s[5]))}
		if !hostAct(a) {
			return false
		}
		avx2Act(hf32s(mem, s[0], n), hf32s(mem, s[1], n), a)
		return true
	},
	"bmm": func(mem []byte, s []uint64) bool {
		batch, m, k, n, sa, sb := hu(s[3]), hu(s[4]), hu(s[5]), hu(s[6]), hu(s[7]), hu(s[8])
		if batch == 0 {
			return true
		}
		c := hf32s(mem, s[0], hsize(batch, m, n))
		a := hf32s(mem, s[1], hadd(hsize(batch-1, sa), hsize(m, k)))
		b := hf32s(mem, s[2], hadd(hsize(batch-1, sb), hsize(k, n)))
		for i := range int(batch) {
			ia, ib := i*int(sa), i*int(sb)
			avx2Gemm(c[i*int(m*n):(i+1)*int(m*n)], a[ia:ia+int(m*k)], b[ib:ib+int(k*n)], nil, int(m), int(k), int(n))
		}
		return true
	},
}

// hu reads an i32 argument as the kernels do: unsigned.
func hu(v uint64) uint64 { return uint64(uint32(v)) }

// hsize multiplies sizes, panicking past what any memory holds.
func hsize(n ...uint64) uint64 {
	p := uint64(1)
	for _, v := range n {
		hi, lo := bits.Mul64(p, v)
		if hi != 0 || lo > 1<<32 {
			panic("kernels: a size larger than any WebAssembly memory")
		}
		p = lo
	}
	return p
}

func hadd(a, b uint64) uint64 {
	if a > 1<<32 || b > 1<<32 {
		panic("kernels: a size larger than any WebAssembly memory")
	}
	return a + b
}

// hf32s is the n float32 values at byte address p of mem, without a copy.
func hf32s(mem []byte, p, n uint64) []float32 {
	p = hu(p)
	if n > 1<<32 || p+4*n > uint64(len(mem)) {
		panic(fmt.Sprintf("kernels: %d float32 values at address %d lie outside the %d-byte memory", n, p, len(mem)))
	}
	if n == 0 {
		return []float32{}
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[p])), n)
}

// hopt is f32s, or nil for address 0 (the kernels' "none").
func hopt(mem []byte, p, n uint64) []float32 {
	if hu(p) == 0 {
		return nil
	}
	return hf32s(mem, p, n)
}

// hostGeom reads the geom block at byte address p. Its words are the
// model's; a negative size panics.
func hostGeom(mem []byte, p uint64) *geom {
	p = hu(p)
	if p+4*geomLen > uint64(len(mem)) {
		panic(fmt.Sprintf("kernels: the geometry block at %d lies outside the %d-byte memory", p, len(mem)))
	}
	g := new(geom)
	for i := range g {
		g[i] = int32(uint32(mem[p+4*uint64(i)]) | uint32(mem[p+4*uint64(i)+1])<<8 | uint32(mem[p+4*uint64(i)+2])<<16 | uint32(mem[p+4*uint64(i)+3])<<24)
	}
	for i := gC; i <= gEW; i++ {
		if i != gPH && i != gPW && g[i] < 0 {
			panic(fmt.Sprintf("kernels: geometry word %d is %d", i, g[i]))
		}
	}
	for _, i := range []int{gSH, gSW, gDH, gDW} {
		if g[i] < 1 {
			panic(fmt.Sprintf("kernels: geometry word %d is %d, want at least 1", i, g[i]))
		}
	}
	return g
}
