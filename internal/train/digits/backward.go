package main

import "github.com/pwagen/pwagen/examples/digits/model/digitnet"

// grads holds the gradient buffers of one worker.
type grads struct {
	g                             *digitnet.Net // same shapes as the network
	dOut, dHidden, dPool2, dConv2 []float32
	dPool1, dConv1                []float32
}

func newGrads(n *digitnet.Net) *grads {
	a := n.NewActivations()
	return &grads{
		g:       digitnet.New(n.C1, n.C2, n.Hidden),
		dOut:    make([]float32, len(a.Out)),
		dHidden: make([]float32, len(a.Hidden)),
		dPool2:  make([]float32, len(a.Pool2)),
		dConv2:  make([]float32, len(a.Conv2)),
		dPool1:  make([]float32, len(a.Pool1)),
		dConv1:  make([]float32, len(a.Conv1)),
	}
}

// backward adds to gr the gradient of the cross-entropy loss of one image
// img with label y, whose forward pass left a.
func backward(n *digitnet.Net, gr *grads, a *digitnet.Activations, img []float32, y int) {
	g := gr.g
	copy(gr.dOut, a.Out)
	gr.dOut[y] -= 1
	denseBack(gr.dHidden, g.FC2W, g.FC2B, n.FC2W, a.Hidden, gr.dOut)
	reluBack(gr.dHidden, a.Hidden)
	denseBack(gr.dPool2, g.FC1W, g.FC1B, n.FC1W, a.Pool2, gr.dHidden)
	poolBack(gr.dConv2, gr.dPool2, a.Arg2)
	reluBack(gr.dConv2, a.Conv2)
	convBack(gr.dPool1, g.Conv2W, g.Conv2B, n.Conv2W, a.Pool1, gr.dConv2, n.C1, 12, n.C2)
	poolBack(gr.dConv1, gr.dPool1, a.Arg1)
	reluBack(gr.dConv1, a.Conv1)
	convBack(nil, g.Conv1W, g.Conv1B, n.Conv1W, img, gr.dConv1, 1, 28, n.C1)
}

// denseBack: out = W·in + b. Adds dW, db; sets dIn (if not nil).
func denseBack(dIn, dW, dB, w, in, dOut []float32) {
	ni := len(in)
	for i := range dIn {
		dIn[i] = 0
	}
	for o, d := range dOut {
		dB[o] += d
		if d == 0 {
			continue
		}
		row, grow := w[o*ni:o*ni+ni], dW[o*ni:o*ni+ni]
		for i, v := range in {
			grow[i] += float32(d * v)
		}
		for i := range dIn {
			dIn[i] += float32(d * row[i])
		}
	}
}

// reluBack zeroes the gradient where the ReLU output was zero.
func reluBack(d, out []float32) {
	for i, v := range out {
		if v <= 0 {
			d[i] = 0
		}
	}
}

// poolBack routes each pooled gradient to the input that was the maximum.
func poolBack(dIn, dOut []float32, arg []int32) {
	for i := range dIn {
		dIn[i] = 0
	}
	for o, d := range dOut {
		dIn[arg[o]] += d
	}
}

// convBack is the gradient of digitnet.Conv with kernel 5 over an input of
// inC×h×h. Adds dW, dB; sets dIn (if not nil).
func convBack(dIn, dW, dB, w, in, dOut []float32, inC, h, outC int) {
	const k = 5
	oh := h - k + 1
	for i := range dIn {
		dIn[i] = 0
	}
	for oc := range outC {
		d := dOut[oc*oh*oh : (oc+1)*oh*oh]
		var sb float32
		for _, v := range d {
			sb += v
		}
		dB[oc] += sb
		for ic := range inC {
			plane := in[ic*h*h : (ic+1)*h*h]
			for ky := range k {
				for kx := range k {
					wi := ((oc*inC+ic)*k+ky)*k + kx
					var s float32
					for oy := range oh {
						row := d[oy*oh : oy*oh+oh]
						src := plane[(oy+ky)*h+kx : (oy+ky)*h+kx+oh]
						for ox, v := range row {
							s += float32(v * src[ox])
						}
					}
					dW[wi] += s
					if dIn == nil {
						continue
					}
					wv := w[wi]
					dplane := dIn[ic*h*h : (ic+1)*h*h]
					for oy := range oh {
						row := d[oy*oh : oy*oh+oh]
						dst := dplane[(oy+ky)*h+kx : (oy+ky)*h+kx+oh]
						for ox, v := range row {
							dst[ox] += float32(wv * v)
						}
					}
				}
			}
		}
	}
}
