// Package kbench is the kernel work the bench times in every engine: a
// gemv and a gemm through package kernels, on buffers filled the same way
// as bench/ckernels/kernels.c fills its own. Natively it runs pure Go; in
// the wasip1 reactor (./reactor) it calls the WebAssembly kernels, or pure
// Go when built with -tags pwagen_nokernels.
package kbench

import (
	"math"

	"github.com/pwagen/pwagen/kernels"
)

// The shapes: gemv is the first dense layer of a 784→128 perceptron; gemm
// is examples/digits' second convolution as im2col makes it (32 output
// channels × 16·5·5 taps × 8·8 pixels).
const (
	GemvM, GemvN        = 128, 784
	GemmM, GemmK, GemmN = 32, 400, 64
	GemvMACs            = GemvM * GemvN
	GemmMACs            = GemmM * GemmK * GemmN
)

// Work holds the operands.
type Work struct {
	A, X, B, Y    []float32 // gemv: Y = A·X + B
	GA, GB, GBias []float32 // gemm: GC = GA·GB + GBias
	GC            []float32
}

// fill is what kernels.c's fill does: v[i] = 0.5·sin(seed + i).
func fill(n, seed int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(0.5 * math.Sin(float64(seed+i)))
	}
	return v
}

// New allocates and fills the operands.
func New() *Work {
	return &Work{
		A: fill(GemvM*GemvN, 1), X: fill(GemvN, 2), B: fill(GemvM, 3), Y: make([]float32, GemvM),
		GA: fill(GemmM*GemmK, 4), GB: fill(GemmK*GemmN, 5), GBias: fill(GemmM, 6), GC: make([]float32, GemmM*GemmN),
	}
}

// Gemv runs the gemv reps times and returns one output, so that nothing
// is optimised away.
func (w *Work) Gemv(reps int) float32 {
	for range reps {
		kernels.Gemv(w.Y, w.A, w.X, w.B)
	}
	return w.Y[GemvM-1]
}

// Gemm runs the gemm reps times.
func (w *Work) Gemm(reps int) float32 {
	for range reps {
		kernels.Gemm(w.GC, w.GA, w.GB, w.GBias, GemmM, GemmK, GemmN)
	}
	return w.GC[len(w.GC)-1]
}
