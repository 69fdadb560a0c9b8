package main

import "github.com/pwagen/pwagen/kernels/internal/mlp"

const inputLen = mlp.In

var net *mlp.Net

func loadWeights(b []byte) error {
	n, err := mlp.Parse(b)
	if err != nil {
		return err
	}
	net = n
	return nil
}

func predict(in []float32) ([]float32, error) { return net.Predict(nil, in) }
