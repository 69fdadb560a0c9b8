package modules_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// BenchmarkKernel times single kernel calls under wazero (called from the
// host through the forwarder, so each includes wazero's call cost of about
// 0.1 µs) against the same call in native pure Go.
func BenchmarkKernel(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const m, n = 128, 784
	a, x, bias, y := rnd(r, m*n), rnd(r, n), rnd(r, m), make([]float32, m)
	// gemm shaped like a 5×5 convolution by im2col: 16 channels × 150 taps × 64 pixels
	const gm, gk, gn = 16, 150, 64
	ga, gb, gc := rnd(r, gm*gk), rnd(r, gk*gn), make([]float32, gm*gn)
	b.Run("gemv128x784/native-go", func(b *testing.B) {
		for b.Loop() {
			kernels.Gemv(y, a, x, bias)
		}
	})
	b.Run("gemm16x150x64/native-go", func(b *testing.B) {
		for b.Loop() {
			kernels.Gemm(gc, ga, gb, bias[:gm], gm, gk, gn)
		}
	})
	for _, v := range modules.Variants {
		h := newHarness(b, v)
		L := &layout{next: 1024}
		pa, px, pb, py := L.at(m*n), L.at(n), L.at(m), L.at(m)
		h.put(pa, a)
		h.put(px, x)
		h.put(pb, bias)
		qa, qb, qc := L.at(gm*gk), L.at(gk*gn), L.at(gm*gn)
		h.put(qa, ga)
		h.put(qb, gb)
		b.Run(fmt.Sprintf("gemv128x784/wazero-%s", v), func(b *testing.B) {
			f := h.k.ExportedFunction("gemv")
			for b.Loop() {
				f.Call(h.ctx, uint64(py), uint64(pa), uint64(px), uint64(pb), m, n)
			}
		})
		b.Run(fmt.Sprintf("gemm16x150x64/wazero-%s", v), func(b *testing.B) {
			f := h.k.ExportedFunction("gemm")
			for b.Loop() {
				f.Call(h.ctx, uint64(qc), uint64(qa), uint64(qb), uint64(pb), gm, gk, gn)
			}
		})
	}
}
