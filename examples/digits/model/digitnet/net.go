package digitnet

import (
	"errors"

	"github.com/pwagen/pwagen/kernels"
)

// Image geometry and classes.
const (
	Side     = 28          // images are Side×Side pixels
	InputLen = Side * Side // float32 values per image, 0 (paper) to 1 (ink), row by row
	Classes  = 10          // digits 0 to 9

	kernel = 5 // convolution kernels are kernel×kernel
)

// Net is a small convolutional network:
//
//	28×28 → conv 5×5 (C1) → ReLU → max-pool 2 → conv 5×5 (C2) → ReLU → max-pool 2
//	      → dense (C2·4·4 → Hidden) → ReLU → dense (Hidden → 10) → softmax
//
// The channel counts C1, C2 and Hidden come from the weights file.
type Net struct {
	C1, C2, Hidden int

	Conv1W, Conv1B []float32 // C1×1×5×5, C1
	Conv2W, Conv2B []float32 // C2×C1×5×5, C2
	FC1W, FC1B     []float32 // Hidden×(C2·16), Hidden
	FC2W, FC2B     []float32 // 10×Hidden, 10

	act   Activations // scratch space for Predict
	pools [2]kernels.PoolParams
}

// Geometry of the intermediate layers.
const (
	conv1Side = Side - kernel + 1      // 24
	pool1Side = conv1Side / 2          // 12
	conv2Side = pool1Side - kernel + 1 // 8
	pool2Side = conv2Side / 2          // 4
)

// FlatLen is the length of the flattened output of the second pooling layer.
func (n *Net) FlatLen() int { return n.C2 * pool2Side * pool2Side }

// New returns a network with the given sizes and zero weights.
func New(c1, c2, hidden int) *Net {
	n := &Net{C1: c1, C2: c2, Hidden: hidden}
	for _, t := range n.tensors() {
		*t.data = make([]float32, t.size())
	}
	return n
}

// Params lists the weight tensors in file order, for the trainer.
func (n *Net) Params() []*[]float32 {
	var ps []*[]float32
	for _, t := range n.tensors() {
		ps = append(ps, t.data)
	}
	return ps
}

type tensor struct {
	name string
	dims []int
	data *[]float32
}

func (t tensor) size() int {
	s := 1
	for _, d := range t.dims {
		s *= d
	}
	return s
}

func (n *Net) tensors() []tensor {
	return []tensor{
		{"conv1.weight", []int{n.C1, 1, kernel, kernel}, &n.Conv1W},
		{"conv1.bias", []int{n.C1}, &n.Conv1B},
		{"conv2.weight", []int{n.C2, n.C1, kernel, kernel}, &n.Conv2W},
		{"conv2.bias", []int{n.C2}, &n.Conv2B},
		{"fc1.weight", []int{n.Hidden, n.FlatLen()}, &n.FC1W},
		{"fc1.bias", []int{n.Hidden}, &n.FC1B},
		{"fc2.weight", []int{Classes, n.Hidden}, &n.FC2W},
		{"fc2.bias", []int{Classes}, &n.FC2B},
	}
}

// Activations holds every intermediate result of one forward pass.
type Activations struct {
	Conv1, Pool1, Conv2, Pool2, Hidden, Out []float32
	Arg1, Arg2                              []int32   // max-pool choices
	Col                                     []float32 // scratch space for Conv
}

// NewActivations allocates the buffers for one forward pass of n.
func (n *Net) NewActivations() *Activations {
	return &Activations{
		Conv1:  make([]float32, n.C1*conv1Side*conv1Side),
		Pool1:  make([]float32, n.C1*pool1Side*pool1Side),
		Arg1:   make([]int32, n.C1*pool1Side*pool1Side),
		Conv2:  make([]float32, n.C2*conv2Side*conv2Side),
		Pool2:  make([]float32, n.FlatLen()),
		Arg2:   make([]int32, n.FlatLen()),
		Hidden: make([]float32, n.Hidden),
		Out:    make([]float32, Classes),
		Col:    make([]float32, max(ColLen(1, Side, Side, kernel), ColLen(n.C1, pool1Side, pool1Side, kernel))),
	}
}

// Forward runs one image (InputLen values) through the network, leaving
// every intermediate result and the class probabilities (a.Out) in a.
func (n *Net) Forward(a *Activations, img []float32) {
	Conv(a.Conv1, img, a.Col, 1, Side, Side, n.Conv1W, n.Conv1B, n.C1, kernel)
	ReLU(a.Conv1)
	MaxPool2(a.Pool1, a.Conv1, n.C1, conv1Side, conv1Side, a.Arg1)
	Conv(a.Conv2, a.Pool1, a.Col, n.C1, pool1Side, pool1Side, n.Conv2W, n.Conv2B, n.C2, kernel)
	ReLU(a.Conv2)
	MaxPool2(a.Pool2, a.Conv2, n.C2, conv2Side, conv2Side, a.Arg2)
	Dense(a.Hidden, a.Pool2, n.FC1W, n.FC1B)
	ReLU(a.Hidden)
	Dense(a.Out, a.Hidden, n.FC2W, n.FC2B)
	Softmax(a.Out)
}

// Predict classifies len(in)/InputLen images and appends their class
// probabilities (Classes values per image) to out. It reuses scratch space in
// n, so one Net must not predict in two goroutines at once. After its first
// call it allocates nothing (TestPredictDoesNotAllocate), so Go's garbage
// collector never runs inside the browser's model.
func (n *Net) Predict(out, in []float32) ([]float32, error) {
	if len(in) == 0 || len(in)%InputLen != 0 {
		return out, errors.New("digitnet: input has " + itoa(len(in)) + " values; want a positive multiple of " + itoa(InputLen) + " (28×28 pixels per image)")
	}
	if n.act.Out == nil {
		n.act = *n.NewActivations()
		n.act.Arg1, n.act.Arg2 = nil, nil
		n.pools = [2]kernels.PoolParams{pool2x2(n.C1, conv1Side), pool2x2(n.C2, conv2Side)}
	}
	for i := 0; i < len(in); i += InputLen {
		n.infer(&n.act, in[i:i+InputLen])
		out = append(out, n.act.Out...)
	}
	return out, nil
}

// infer is Forward without what only training needs, every layer one
// kernel call: it pools with kernels.Pool (no Go loop over the pixels, no
// record of which pixel won) and applies ReLU after pooling, on a quarter
// of the values. max and ReLU commute (ReLU never lowers an order), and the
// two orders differ at most in the sign of a zero, which no later sum or
// the softmax can see, so the probabilities are Forward's bit for bit
// (TestPredictMatchesForward).
func (n *Net) infer(a *Activations, img []float32) {
	Conv(a.Conv1, img, a.Col, 1, Side, Side, n.Conv1W, n.Conv1B, n.C1, kernel)
	kernels.Pool(a.Pool1, a.Conv1, n.pools[0], true)
	ReLU(a.Pool1)
	Conv(a.Conv2, a.Pool1, a.Col, n.C1, pool1Side, pool1Side, n.Conv2W, n.Conv2B, n.C2, kernel)
	kernels.Pool(a.Pool2, a.Conv2, n.pools[1], true)
	ReLU(a.Pool2)
	Dense(a.Hidden, a.Pool2, n.FC1W, n.FC1B)
	ReLU(a.Hidden)
	Dense(a.Out, a.Hidden, n.FC2W, n.FC2B)
	Softmax(a.Out)
}

// pool2x2 is a 2×2 max-pool with stride 2 of c planes of side×side.
func pool2x2(c, side int) kernels.PoolParams {
	return kernels.PoolParams{
		N: 1, C: c,
		In: []int{side, side}, Out: []int{side / 2, side / 2},
		Kernel: []int{2, 2}, Stride: []int{2, 2}, Dilation: []int{1, 1},
		Pad: []int{0, 0}, PadEnd: []int{0, 0},
	}
}

// Argmax returns the index of the largest value (the first one on ties).
func Argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
