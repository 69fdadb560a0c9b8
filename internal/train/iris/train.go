package main

import (
	"math"
	"math/rand/v2"
)

// result is one training run's output.
type result struct {
	train, test               []sample
	weights                   []byte // iris.bin
	testset                   []byte // testset_test.go
	trainCorrect, testCorrect int    // with the stored float32 weights
}

// params are the network's parameters in float64 while training, in the
// order of the weights file.
type params struct {
	mean, std, w1, b1, w2, b2 []float64
}

func train(c config) (*result, error) {
	data, err := readCSV(c.data)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(c.seed, 0x1715))
	tr, te, err := split(data, c.testPer, rng)
	if err != nil {
		return nil, err
	}
	nh, no := c.hidden, len(classes)
	p := params{
		mean: make([]float64, inputLen), std: make([]float64, inputLen),
		w1: make([]float64, nh*inputLen), b1: make([]float64, nh),
		w2: make([]float64, no*nh), b2: make([]float64, no),
	}
	standardisation(tr, p.mean, p.std)
	xavier(p.w1, inputLen, nh, rng)
	xavier(p.w2, nh, no, rng)
	fit(&p, tr, c, rng)

	w := encodeWeights(nh, no, p)
	m, err := decodeWeights(w)
	if err != nil {
		return nil, err
	}
	src, err := testsetSource(te)
	if err != nil {
		return nil, err
	}
	return &result{
		train: tr, test: te, weights: w,
		testset:      src,
		trainCorrect: m.correct(tr),
		testCorrect:  m.correct(te),
	}, nil
}

// standardisation sets mean and (population) standard deviation per feature.
func standardisation(data []sample, mean, std []float64) {
	n := float64(len(data))
	for i := range mean {
		var s, ss float64
		for _, d := range data {
			s += d.x[i]
		}
		mean[i] = s / n
		for _, d := range data {
			ss += (d.x[i] - mean[i]) * (d.x[i] - mean[i])
		}
		std[i] = math.Sqrt(ss / n)
	}
}

// xavier fills w uniformly in ±sqrt(6/(fanIn+fanOut)).
func xavier(w []float64, fanIn, fanOut int, rng *rand.Rand) {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := range w {
		w[i] = (2*rng.Float64() - 1) * a
	}
}

// fit minimises the mean cross-entropy with Adam over shuffled mini-batches.
func fit(p *params, data []sample, c config, rng *rand.Rand) {
	nh, no := c.hidden, len(classes)
	trained := [][]float64{p.w1, p.b1, p.w2, p.b2}
	grads := make([][]float64, len(trained))
	m1 := make([][]float64, len(trained))
	m2 := make([][]float64, len(trained))
	for i, t := range trained {
		grads[i] = make([]float64, len(t))
		m1[i] = make([]float64, len(t))
		m2[i] = make([]float64, len(t))
	}
	gw1, gb1, gw2, gb2 := grads[0], grads[1], grads[2], grads[3]
	const beta1, beta2, eps = 0.9, 0.999, 1e-8
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	x := make([]float64, inputLen)
	h := make([]float64, nh)
	dh := make([]float64, nh)
	z := make([]float64, no)
	step := 0
	for range c.epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < len(order); start += c.batch {
			batch := order[start:min(start+c.batch, len(order))]
			for _, g := range grads {
				clear(g)
			}
			for _, k := range batch {
				d := data[k]
				for i := range x {
					x[i] = (d.x[i] - p.mean[i]) / p.std[i]
				}
				for j := range h {
					s := p.b1[j]
					for i := range x {
						s += p.w1[j*inputLen+i] * x[i]
					}
					h[j] = math.Tanh(s)
				}
				for o := range z {
					s := p.b2[o]
					for j := range h {
						s += p.w2[o*nh+j] * h[j]
					}
					z[o] = s
				}
				softmax(z)
				z[d.label]-- // dLoss/dlogits = p - onehot
				clear(dh)
				for o := range z {
					gb2[o] += z[o]
					for j := range h {
						gw2[o*nh+j] += z[o] * h[j]
						dh[j] += z[o] * p.w2[o*nh+j]
					}
				}
				for j := range h {
					g := dh[j] * (1 - h[j]*h[j])
					gb1[j] += g
					for i := range x {
						gw1[j*inputLen+i] += g * x[i]
					}
				}
			}
			step++
			scale := 1 / float64(len(batch))
			c1 := 1 - math.Pow(beta1, float64(step))
			c2 := 1 - math.Pow(beta2, float64(step))
			for t, w := range trained {
				for i := range w {
					g := grads[t][i] * scale
					m1[t][i] = beta1*m1[t][i] + (1-beta1)*g
					m2[t][i] = beta2*m2[t][i] + (1-beta2)*g*g
					w[i] -= c.lr * (m1[t][i] / c1) / (math.Sqrt(m2[t][i]/c2) + eps)
				}
			}
		}
	}
}

func softmax(z []float64) {
	top := math.Inf(-1)
	for _, v := range z {
		top = max(top, v)
	}
	var sum float64
	for i, v := range z {
		z[i] = math.Exp(v - top)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}
