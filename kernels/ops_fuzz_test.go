package kernels_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// fuzzBytes hands out the fuzz input a byte at a time (0 when used up).
type fuzzBytes []byte

func (b *fuzzBytes) next(n int) int {
	if len(*b) == 0 {
		return 0
	}
	v := int((*b)[0])
	*b = (*b)[1:]
	return v % n
}

// shapeErrOnly runs f; a panic must be a *ShapeError, and then dst must be
// untouched. It reports whether f returned normally.
func shapeErrOnly(t *testing.T, dst []float32, f func()) (ran bool) {
	t.Helper()
	before := append([]float32(nil), dst...)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		var se *kernels.ShapeError
		if err, ok := r.(error); !ok || !errors.As(err, &se) {
			panic(r)
		}
		for i := range before {
			if dst[i] != before[i] && !(dst[i] != dst[i] && before[i] != before[i]) {
				t.Fatalf("%v, yet dst[%d] was written", se, i)
			}
		}
		ran = false
	}()
	f()
	return true
}

// FuzzConv derives small convolutions, some with bad parameters, from the
// input: a call either refuses with a *ShapeError and writes nothing, or
// matches the definition.
func FuzzConv(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0, 5, 5, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 0})
	f.Add([]byte{0, 1, 3, 2, 1, 9, 3, 2, 1, 2, 3, 1, 2, 2, 2, 2, 1})
	f.Add([]byte{1, 1, 3, 2, 2, 7, 6, 2, 2, 1, 2, 1, 2, 1, 0, 2, 7, 200, 100})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		r := 1 + b.next(2)
		p := kernels.ConvParams{N: b.next(3), InC: 1 + b.next(4), Group: 1 + b.next(4)}
		p.OutC = p.Group * (1 + b.next(3))
		if b.next(8) == 0 {
			p.OutC++ // sometimes not a multiple
		}
		for range r {
			in, k, s, d, pad := 1+b.next(8), 1+b.next(4), b.next(4), 1+b.next(3), b.next(4)
			out := max(0, (in+pad-d*(k-1)-1)) / max(s, 1)
			out += b.next(4)
			p.In, p.Kernel, p.Stride = append(p.In, in), append(p.Kernel, k), append(p.Stride, s)
			p.Dilation, p.Pad, p.Out = append(p.Dilation, d), append(p.Pad, pad), append(p.Out, out)
		}
		p.Act = kernels.Act{Op: kernels.ActOp(b.next(28)), Alpha: float32(b.next(5)) / 4, Beta: float32(b.next(9)) - 1}
		rng := rand.New(rand.NewPCG(uint64(len(data)), uint64(b.next(256))))
		src := randSlice(rng, p.N*p.InC*prod(p.In))
		w := randSlice(rng, p.OutC*(p.InC/p.Group)*prod(p.Kernel))
		var bias []float32
		if b.next(2) == 1 {
			bias = randSlice(rng, p.OutC)
		}
		dst := make([]float32, p.N*p.OutC*prod(p.Out))
		ran := shapeErrOnly(t, dst, func() {
			kernels.Conv(dst, src, w, bias, make([]float32, kernels.ConvScratch(p)), p)
		})
		if !ran {
			return
		}
		// The fused activation is Activate on the convolution (tested on
		// its own), bit for bit; the convolution matches the definition.
		act := p.Act
		p.Act = kernels.Act{}
		lin := make([]float32, len(dst))
		kernels.Conv(lin, src, w, bias, make([]float32, kernels.ConvScratch(p)), p)
		want, abs := refConvOp(src, w, bias, p)
		check(t, "Conv", lin, want, abs, 1e-5)
		kernels.Activate(lin, lin, act)
		for i := range lin {
			if math.Float32bits(lin[i]) != math.Float32bits(dst[i]) {
				t.Fatalf("Conv with act %d: [%d] = %v, Activate of Conv gives %v", act.Op, i, dst[i], lin[i])
			}
		}
	})
}

// FuzzPool does the same for MaxPool and AveragePool.
func FuzzPool(f *testing.F) {
	f.Add([]byte{1, 1, 2, 6, 2, 2, 1, 0, 0, 0, 6, 2, 2, 1, 0, 0, 0, 0})
	f.Add([]byte{0, 2, 1, 7, 3, 2, 2, 1, 1, 1, 1})
	f.Add([]byte{1, 1, 1, 5, 3, 2, 1, 2, 0, 1, 4, 2, 1, 2, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		r := 1 + b.next(2)
		p := kernels.PoolParams{N: b.next(3), C: 1 + b.next(3)}
		for range r {
			in, k, s, d, pad, padEnd := 1+b.next(8), 1+b.next(4), b.next(4), 1+b.next(3), b.next(3), b.next(3)
			num := in + pad + padEnd - d*(k-1) - 1
			out := max(num, 0)/max(s, 1) + b.next(4)
			p.In, p.Kernel, p.Stride, p.Dilation = append(p.In, in), append(p.Kernel, k), append(p.Stride, s), append(p.Dilation, d)
			p.Pad, p.PadEnd, p.Out = append(p.Pad, pad), append(p.PadEnd, padEnd), append(p.Out, out)
		}
		p.CountIncludePad = b.next(2) == 1
		rng := rand.New(rand.NewPCG(uint64(len(data)), 7))
		src := randSlice(rng, p.N*p.C*prod(p.In))
		dst := make([]float32, p.N*p.C*prod(p.Out))
		if shapeErrOnly(t, dst, func() { kernels.MaxPool(dst, src, p) }) {
			check(t, "MaxPool", dst, refPool(src, p, true), nil, 0)
		}
		if shapeErrOnly(t, dst, func() { kernels.AveragePool(dst, src, p) }) {
			check(t, "AveragePool", dst, refPool(src, p, false), nil, 1e-6)
		}
	})
}

// FuzzBinary derives shapes of rank 0 to 4 with every kind of broadcast
// (and some shapes that do not broadcast) and every op.
func FuzzBinary(f *testing.F) {
	f.Add([]byte{3, 2, 0, 0, 3, 0, 1, 4, 1, 0, 0})
	f.Add([]byte{4, 1, 2, 3, 2, 3, 1, 0, 2, 5, 0, 1, 3, 2, 7})
	f.Add([]byte{0, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		r := b.next(5)
		var out, as, bs []int
		for range r {
			d := b.next(5)
			out = append(out, d)
			for _, s := range []*[]int{&as, &bs} {
				switch b.next(5) {
				case 0, 1:
					*s = append(*s, 1)
				case 2:
					*s = append(*s, d+1) // does not broadcast
				default:
					*s = append(*s, d)
				}
			}
		}
		op := kernels.BinOp(b.next(9))
		rng := rand.New(rand.NewPCG(uint64(len(data)), 9))
		a, bb := randSlice(rng, prod(as)), randSlice(rng, prod(bs))
		dst := make([]float32, prod(out))
		alias := b.next(3)
		if alias == 1 && len(a) == len(dst) {
			dst = a
			a = append([]float32(nil), a...)
			copy(dst, a)
		}
		if shapeErrOnly(t, dst, func() { kernels.Binary(dst, a, bb, op, out, as, bs) }) {
			check(t, "Binary", dst, refBinary(a, bb, op, out, as, bs), nil, 1e-6)
		}
	})
}
