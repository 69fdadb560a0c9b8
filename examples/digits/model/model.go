// Command model is the digit classifier as a pwagen model: built with
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared it is the WebAssembly reactor
// that the app's loader runs. The network lives in package digitnet so that
// the trainer and the tests run exactly this code natively.
package main

import (
	"errors"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
)

// inputLen is one 28×28 greyscale image, 0 (paper) to 1 (ink), row by row.
// predict also accepts several images one after another, and then returns
// ten probabilities per image.
const inputLen = digitnet.InputLen

var net *digitnet.Net

// out is reused between calls, so predict does not allocate after the first.
var out []float32

// loadWeights parses weights/digits.bin (format in digitnet/format.go).
func loadWeights(b []byte) error {
	n, err := digitnet.Unmarshal(b)
	if err != nil {
		return err
	}
	net = n
	return nil
}

// predict returns the ten class probabilities of each image in in.
func predict(in []float32) ([]float32, error) {
	if net == nil {
		return nil, errors.New("predict before the weights were loaded: call pwagen_load_weights first")
	}
	var err error
	out, err = net.Predict(out[:0], in)
	return out, err
}
