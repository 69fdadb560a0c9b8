// The model: an iris classifier, a small multilayer perceptron
// (4 inputs → hidden tanh layer → 3 softmax outputs).
//
// pwagen needs three things from this package (see pwagen_abi.go):
//
//	const inputLen = N                           // float32 values per input
//	func loadWeights(b []byte) error              // parse the weights file
//	func predict(in []float32) ([]float32, error) // one inference
//
// Everything here is plain Go with no build tags, so `go test ./model` runs
// it natively, and `go run ./model weights/iris.bin 5.1 3.5 1.4 0.2` prints
// the numbers the browser computes. The layers call package kernels
// (kernels/ in this project): plain Go natively, and in the browser
// WebAssembly kernels with 128-bit SIMD where the browser has it, which
// agree with native to about 1e-7. `kernels = false` under [model] in
// pwagen.toml builds the browser's model as plain Go as well.
//
// # Weights file format (version 1)
//
// All numbers are little-endian.
//
//	offset  size  field
//	0       4     magic "PWIR"
//	4       4     uint32 version = 1
//	8       4     uint32 in      = 4 (features)
//	12      4     uint32 hidden  (1..1024)
//	16      4     uint32 out     = 3 (classes)
//	20      ...   float32 values, in this order:
//	              mean[in], std[in]        feature standardisation
//	              w1[hidden][in], b1[hidden]
//	              w2[out][hidden], b2[out]
//
// The file is exactly 20 + 4*(2*in + hidden*in + hidden + out*hidden + out)
// bytes; for hidden = 16 that is 576 bytes. The model computes
//
//	x = (in - mean) / std
//	h = tanh(w1·x + b1)
//	p = softmax(w2·h + b2)
//
// It is written by the pwagen repository's internal/train/iris.
package main

import (
	"errors"
	"math"
	"strconv"

	"github.com/pwagen/pwagen/kernels"
)

// inputLen is the number of float32 values per input: sepal length, sepal
// width, petal length and petal width, in centimetres.
const inputLen = 4

// classNames are the species the outputs stand for, in output order.
var classNames = [...]string{"setosa", "versicolor", "virginica"}

const (
	weightsMagic   = "PWIR"
	weightsVersion = 1
	headerLen      = 20
	maxHidden      = 1024
)

// mlp is a parsed weights file.
type mlp struct {
	hidden, numClasses int
	mean, std          []float32
	w1, b1, w2, b2     []float32
	scratch            []float32 // hidden activations, reused by predict
	out                []float32 // the probabilities, reused by predict
}

// net is the model loadWeights installed; nil until then.
var net *mlp

// loadWeights parses a weights file (format above) and makes it the model
// predict uses. On error the previous model, if any, stays in place.
func loadWeights(b []byte) error {
	m, err := parseWeights(b)
	if err != nil {
		return err
	}
	net = m
	return nil
}

func parseWeights(b []byte) (*mlp, error) {
	if len(b) < headerLen {
		return nil, errorf("weights: got ", itoa(len(b)), " bytes, want at least ", itoa(headerLen), " for the header; this is not an iris weights file")
	}
	if string(b[:4]) != weightsMagic {
		return nil, errorf("weights: bad magic ", strconv.Quote(string(b[:4])), ", want ", strconv.Quote(weightsMagic), "; this is not an iris weights file")
	}
	if v := le32(b[4:]); v != weightsVersion {
		return nil, errorf("weights: format version ", utoa(v), ", want ", itoa(weightsVersion), "; retrain, or use a newer model/model.go")
	}
	in, hidden, out := le32(b[8:]), le32(b[12:]), le32(b[16:])
	if in != inputLen {
		return nil, errorf("weights: ", utoa(in), " input features, want ", itoa(inputLen))
	}
	if out != uint32(len(classNames)) {
		return nil, errorf("weights: ", utoa(out), " classes, want ", itoa(len(classNames)))
	}
	if hidden < 1 || hidden > maxHidden {
		return nil, errorf("weights: hidden layer of ", utoa(hidden), " units, want 1 to ", itoa(maxHidden))
	}
	ni, nh, no := int(in), int(hidden), int(out)
	count := 2*ni + nh*ni + nh + no*nh + no
	if want := headerLen + 4*count; len(b) != want {
		return nil, errorf("weights: got ", itoa(len(b)), " bytes, want ", itoa(want),
			" (header ", itoa(headerLen), " + ", itoa(count), " float32 values for ", itoa(ni), "→", itoa(nh), "→", itoa(no), ")")
	}
	vals := make([]float32, count)
	for i := range vals {
		off := headerLen + 4*i
		v := math.Float32frombits(le32(b[off:]))
		if !finite(v) {
			return nil, errorf("weights: value ", itoa(i), " (byte offset ", itoa(off), ") is ", ftoa(v), ", want a finite number")
		}
		vals[i] = v
	}
	next := func(n int) []float32 {
		s := vals[:n:n]
		vals = vals[n:]
		return s
	}
	m := &mlp{hidden: nh, numClasses: no}
	m.mean, m.std = next(ni), next(ni)
	m.w1, m.b1 = next(nh*ni), next(nh)
	m.w2, m.b2 = next(no*nh), next(no)
	m.scratch = make([]float32, nh)
	m.out = make([]float32, no)
	for i, s := range m.std {
		if !(s > 0) {
			return nil, errorf("weights: std[", itoa(i), "] = ", ftoa(s), ", want > 0")
		}
	}
	return m, nil
}

// predict returns the probabilities of the three classes (they sum to 1)
// for one flower's four measurements in centimetres. The slice is the
// model's own and holds them until the next predict (the loader copies it
// out at once): predict allocates nothing, so Go's garbage collector has
// nothing to do in the browser between or during predicts
// (TestPredictDoesNotAllocate). Keep it so as the model grows: scratch
// space made in loadWeights, no make, append or map per call.
func predict(in []float32) ([]float32, error) {
	if net == nil {
		return nil, errors.New("predict: no weights loaded; call loadWeights first")
	}
	if len(in) != inputLen {
		return nil, errorf("predict: got ", itoa(len(in)), " input values, want ", itoa(inputLen), " (sepal length, sepal width, petal length, petal width)")
	}
	for i, v := range in {
		if !finite(v) {
			return nil, errorf("predict: input ", itoa(i), " is ", ftoa(v), ", want a finite number")
		}
	}
	return net.forward(in)
}

// forward runs the network: one kernels call per dense layer.
func (m *mlp) forward(in []float32) ([]float32, error) {
	var x [inputLen]float32
	for i := range x {
		x[i] = (in[i] - m.mean[i]) / m.std[i]
	}
	h := m.scratch
	kernels.Gemv(h, m.w1, x[:], m.b1) // h = w1·x + b1
	for j, s := range h {
		h[j] = float32(math.Tanh(float64(s)))
	}
	out := m.out
	kernels.Gemv(out, m.w2, h, m.b2) // logits = w2·h + b2
	kernels.Softmax(out)
	for _, p := range out {
		if math.IsNaN(float64(p)) {
			return nil, errors.New("predict: result is not a number; the weights overflow float32 for this input")
		}
	}
	return out, nil
}

// argmax returns the index of the largest probability.
func argmax(p []float32) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// The helpers below stand in for fmt and encoding/binary: fmt would pull in
// package os, which adds five WASI imports and about 1 MB to the .wasm.

func errorf(parts ...string) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return errors.New(string(b))
}

func itoa(i int) string     { return strconv.Itoa(i) }
func utoa(u uint32) string  { return strconv.FormatUint(uint64(u), 10) }
func ftoa(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

func finite(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

// le32 reads a little-endian uint32.
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
