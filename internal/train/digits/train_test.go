package main

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
)

// loss is the cross-entropy of one image, through the model's forward pass.
func loss(n *digitnet.Net, a *digitnet.Activations, img []float32, y int) float64 {
	n.Forward(a, img)
	return -math.Log(float64(a.Out[y]))
}

func TestBackwardMatchesNumericalGradient(t *testing.T) {
	n := initNet(options{seed: 7, c1: 2, c2: 3, hidden: 5})
	r := newRNG(3)
	for _, p := range n.Params() { // non-zero biases too
		for i := range *p {
			(*p)[i] += float32(r.uniform(-0.05, 0.05))
		}
	}
	img := make([]float32, digitnet.InputLen)
	for i := range img {
		img[i] = float32(r.float())
	}
	const y = 3
	a := n.NewActivations()
	gr := newGrads(n)
	loss(n, a, img, y)
	backward(n, gr, a, img, y)

	names := []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
	grads := gr.g.Params()
	checked, bad := 0, 0
	for pi, p := range n.Params() {
		for i := 0; i < len(*p); i += 1 + len(*p)/40 {
			const eps = 5e-3
			old := (*p)[i]
			(*p)[i] = old + eps
			up := loss(n, a, img, y)
			(*p)[i] = old - eps
			down := loss(n, a, img, y)
			(*p)[i] = old
			num := (up - down) / (2 * eps)
			got := float64((*grads[pi])[i])
			checked++
			if math.Abs(got-num) > 2e-3+0.05*math.Abs(num) {
				bad++
				t.Logf("%s[%d]: backward %.5f, numerical %.5f", names[pi], i, got, num)
			}
		}
	}
	// A max-pool choice can flip within ±eps; allow a few such points.
	if bad > checked/50 {
		t.Fatalf("%d of %d gradients differ from the numerical ones", bad, checked)
	}
}

func TestTrainingIsReproducibleFromTheSeed(t *testing.T) {
	data, err := os.ReadFile("../../../examples/digits/testdata/mnist-test.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	set, err := testset.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	small := &testset.Set{Labels: set.Labels[:64], Pixels: set.Pixels[:64*digitnet.InputLen]}
	train := func(seed uint64) []byte {
		o := options{seed: seed, epochs: 1, c1: 2, c2: 4, hidden: 8, batch: 16, lr: 1e-3}
		n := initNet(o)
		fit(n, small, small, o)
		return n.Marshal()
	}
	a, b, c := train(1), train(1), train(2)
	if !bytes.Equal(a, b) {
		t.Error("two runs with seed 1 gave different weights")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 1 and 2 gave the same weights")
	}
}

func TestIconIsUpToDate(t *testing.T) {
	got := iconPNG()
	want, err := os.ReadFile("../../../examples/digits/web/icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("examples/digits/web/icon.png is not what iconPNG draws; run `go run ./internal/train/digits -icon-only`")
	}
	if !bytes.Equal(iconPNG(), got) {
		t.Fatal("iconPNG is not deterministic")
	}
}
