// Package mlp is a 784→128→10 perceptron built on package kernels: the
// test model of the kernels (tests and benchmarks, natively, under wazero
// and in Chromium). Its weights are drawn from a seed, so its weights
// file is 16 bytes.
package mlp

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pwagen/pwagen/kernels"
)

// Sizes of the layers.
const (
	In     = 784
	Hidden = 128
	Out    = 10
)

// Magic starts a weights file; a little-endian uint64 seed follows.
const Magic = "PWMLPv1\x00"

// Net is the perceptron: Out = softmax(W2·relu(W1·in + B1) + B2).
type Net struct {
	W1, B1, W2, B2 []float32
	h, out         []float32
}

// New draws the weights from seed, uniform in ±1/sqrt(fan-in).
func New(seed uint64) *Net {
	r := rand.New(rand.NewPCG(seed, 0x6d6c70))
	draw := func(n, fanIn int) []float32 {
		s := make([]float32, n)
		lim := float32(1 / math.Sqrt(float64(fanIn)))
		for i := range s {
			s[i] = (2*r.Float32() - 1) * lim
		}
		return s
	}
	return &Net{W1: draw(Hidden*In, In), B1: draw(Hidden, In), W2: draw(Out*Hidden, Hidden), B2: draw(Out, Hidden),
		h: make([]float32, Hidden), out: make([]float32, Out)}
}

// Weights is the weights file of seed.
func Weights(seed uint64) []byte {
	return binary.LittleEndian.AppendUint64([]byte(Magic), seed)
}

// Parse reads a weights file.
func Parse(b []byte) (*Net, error) {
	if len(b) != len(Magic)+8 || string(b[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("mlp: weights file of %d bytes; want %q and an 8-byte seed (16 bytes)", len(b), Magic)
	}
	return New(binary.LittleEndian.Uint64(b[len(Magic):])), nil
}

// Predict appends the Out class probabilities of each In-value image in in
// to out: one kernel call per layer.
func (n *Net) Predict(out, in []float32) ([]float32, error) {
	if len(in) == 0 || len(in)%In != 0 {
		return out, fmt.Errorf("mlp: input has %d values; want a positive multiple of %d", len(in), In)
	}
	for i := 0; i < len(in); i += In {
		kernels.Gemv(n.h, n.W1, in[i:i+In], n.B1)
		kernels.ReLU(n.h, n.h)
		kernels.Gemv(n.out, n.W2, n.h, n.B2)
		kernels.Softmax(n.out)
		out = append(out, n.out...)
	}
	return out, nil
}

// Input is a deterministic test image number i, values in [0, 1).
func Input(i int) []float32 {
	r := rand.New(rand.NewPCG(uint64(i), 0x696e))
	s := make([]float32, In)
	for j := range s {
		s[j] = r.Float32()
	}
	return s
}
