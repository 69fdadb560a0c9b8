// Package digitsk runs examples/digits' network (package digitnet, read
// only) with package kernels: its convolutions as Conv2D (im2col and Gemm), its
// dense layers as Gemv. It measures what the kernels do for that model;
// examples/digits itself stays as its owner writes it.
package digitsk

import (
	"fmt"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/kernels"
)

const k = 5 // digitnet's kernel size

// Net is a digitnet.Net with the scratch space of a kernels forward pass.
type Net struct {
	*digitnet.Net
	a *digitnet.Activations
}

// Parse reads a digitnet weights file.
func Parse(b []byte) (*Net, error) {
	n, err := digitnet.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	return &Net{Net: n, a: n.NewActivations()}, nil
}

func conv(dst, col, src []float32, inC, h, w int, wt, b []float32, outC int) {
	oh, ow := h-k+1, w-k+1
	kernels.Conv2D(dst[:outC*oh*ow], col[:inC*k*k*oh*ow], src, wt, b, inC, h, w, outC, k)
}

// Predict appends the ten class probabilities of each image in in to out.
func (n *Net) Predict(out, in []float32) ([]float32, error) {
	if len(in) == 0 || len(in)%digitnet.InputLen != 0 {
		return out, fmt.Errorf("digitsk: %d input values; want a positive multiple of %d", len(in), digitnet.InputLen)
	}
	a := n.a
	const s1, p1, s2 = digitnet.Side - k + 1, (digitnet.Side - k + 1) / 2, (digitnet.Side-k+1)/2 - k + 1
	for i := 0; i < len(in); i += digitnet.InputLen {
		conv(a.Conv1, a.Col, in[i:i+digitnet.InputLen], 1, digitnet.Side, digitnet.Side, n.Conv1W, n.Conv1B, n.C1)
		kernels.ReLU(a.Conv1, a.Conv1)
		digitnet.MaxPool2(a.Pool1, a.Conv1, n.C1, s1, s1, nil)
		conv(a.Conv2, a.Col, a.Pool1, n.C1, p1, p1, n.Conv2W, n.Conv2B, n.C2)
		kernels.ReLU(a.Conv2, a.Conv2)
		digitnet.MaxPool2(a.Pool2, a.Conv2, n.C2, s2, s2, nil)
		kernels.Gemv(a.Hidden, n.FC1W, a.Pool2, n.FC1B)
		kernels.ReLU(a.Hidden, a.Hidden)
		kernels.Gemv(a.Out, n.FC2W, a.Hidden, n.FC2B)
		kernels.Softmax(a.Out)
		out = append(out, a.Out...)
	}
	return out, nil
}
