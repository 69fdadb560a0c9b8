package main

import (
	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/kernels/internal/digitsk"
)

const inputLen = digitnet.InputLen

var (
	net *digitsk.Net
	out []float32
)

func loadWeights(b []byte) error {
	n, err := digitsk.Parse(b)
	if err != nil {
		return err
	}
	net = n
	return nil
}

func predict(in []float32) ([]float32, error) {
	var err error
	out, err = net.Predict(out[:0], in)
	return out, err
}
