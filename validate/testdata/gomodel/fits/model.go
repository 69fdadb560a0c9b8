// A linear model small enough for any budget: out = W·in + b, with W and b
// read from the weights file as little-endian float32 values (8 inputs, 3
// outputs: 27 values, 108 bytes). The test copies pwagen_abi.go beside it.
package main

import (
	"encoding/binary"
	"fmt"
	"math"
)

const (
	inputLen = 8
	outLen   = 3
)

var w, b []float32

func loadWeights(buf []byte) error {
	want := 4 * (inputLen*outLen + outLen)
	if len(buf) != want {
		return fmt.Errorf("weights: %d bytes, want %d (%d float32 values)", len(buf), want, want/4)
	}
	v := make([]float32, want/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	w, b = v[:inputLen*outLen], v[inputLen*outLen:]
	return nil
}

func predict(in []float32) ([]float32, error) {
	if w == nil {
		return nil, fmt.Errorf("predict before pwagen_load_weights")
	}
	if len(in) != inputLen {
		return nil, fmt.Errorf("input has %d values, want %d", len(in), inputLen)
	}
	out := make([]float32, outLen)
	for o := range out {
		s := b[o]
		for i, x := range in {
			s += w[o*inputLen+i] * x
		}
		out[o] = s
	}
	return out, nil
}
