package main

import (
	"math"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
)

// adam is the Adam optimiser (Kingma and Ba) with its usual constants.
type adam struct {
	m, v [][]float32
	t    int
}

const (
	beta1 = 0.9
	beta2 = 0.999
	eps   = 1e-8
)

func newAdam(n *digitnet.Net) *adam {
	a := &adam{}
	for _, p := range n.Params() {
		a.m = append(a.m, make([]float32, len(*p)))
		a.v = append(a.v, make([]float32, len(*p)))
	}
	return a
}

// step sums the workers' gradients (in worker order), averages them over
// the batch, updates n and zeroes the gradients.
func (a *adam) step(n *digitnet.Net, _ *digitnet.Net, grad func(int) *digitnet.Net, workers, batch int, lr float64) {
	a.t++
	c1 := 1 - math.Pow(beta1, float64(a.t))
	c2 := 1 - math.Pow(beta2, float64(a.t))
	gs := make([][]*[]float32, workers)
	for w := range workers {
		gs[w] = grad(w).Params()
	}
	for pi, p := range n.Params() {
		params, m, v := *p, a.m[pi], a.v[pi]
		for i := range params {
			var g float32
			for w := range workers {
				g += (*gs[w][pi])[i]
				(*gs[w][pi])[i] = 0
			}
			g /= float32(batch)
			m[i] = float32(beta1*float64(m[i]) + (1-beta1)*float64(g))
			v[i] = float32(beta2*float64(v[i]) + (1-beta2)*float64(g)*float64(g))
			params[i] -= float32(lr * (float64(m[i]) / c1) / (math.Sqrt(float64(v[i])/c2) + eps))
		}
	}
}
