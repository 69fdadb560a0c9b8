package digitnet

import (
	"math"
	"testing"
)

func TestConvMatchesTheDefinition(t *testing.T) {
	const inC, h, w, outC, k = 2, 6, 7, 3, 3
	src := make([]float32, inC*h*w)
	for i := range src {
		src[i] = float32(i%11)*0.37 - 1.9 // not exact in binary: sums depend on their order
	}
	wt := make([]float32, outC*inC*k*k)
	for i := range wt {
		wt[i] = float32(i%7)*0.29 - 0.8
	}
	b := []float32{0.5, -1, 2}
	dst := make([]float32, outC*(h-k+1)*(w-k+1))
	Conv(dst, src, make([]float32, ColLen(inC, h, w, k)), inC, h, w, wt, b, outC, k)
	for oc := range outC {
		for y := range h - k + 1 {
			for x := range w - k + 1 {
				want, want32 := float64(b[oc]), b[oc]
				for ic := range inC {
					for ky := range k {
						for kx := range k {
							wv, xv := wt[((oc*inC+ic)*k+ky)*k+kx], src[(ic*h+y+ky)*w+x+kx]
							want += float64(wv) * float64(xv)
							want32 += float32(wv * xv)
						}
					}
				}
				got := dst[(oc*(h-k+1)+y)*(w-k+1)+x]
				if math.Abs(float64(got)-want) > 1e-4 {
					t.Fatalf("out[%d,%d,%d] = %v, want %v", oc, y, x, got, want)
				}
				// the same bits as the plain float32 loop, in the definition's order
				if got != want32 {
					t.Fatalf("out[%d,%d,%d] = %v, the plain float32 loop gives %v", oc, y, x, got, want32)
				}
			}
		}
	}
}

func TestDenseIsBiasPlusTheSumOfProducts(t *testing.T) {
	src := []float32{0.1, -2, 3.5, 0.25, 7, -0.3}
	wt := make([]float32, 3*len(src))
	for i := range wt {
		wt[i] = float32(i%5)/3 - 0.7
	}
	b := []float32{1, -0.5, 0.125}
	dst := make([]float32, 3)
	Dense(dst, src, wt, b)
	for o := range dst {
		var s float32
		for i, v := range src {
			s += float32(wt[o*len(src)+i] * v)
		}
		if want := b[o] + s; dst[o] != want {
			t.Errorf("out[%d] = %v, want %v", o, dst[o], want)
		}
	}
}

func TestMaxPool2PicksTheMaximum(t *testing.T) {
	src := []float32{
		1, 5, 2, 0,
		3, 4, 9, 8,
		-1, -2, 0, 0,
		-3, -4, 0, 7,
	}
	dst := make([]float32, 4)
	arg := make([]int32, 4)
	MaxPool2(dst, src, 1, 4, 4, arg)
	if want := []float32{5, 9, -1, 7}; [4]float32(dst) != [4]float32(want) {
		t.Errorf("pooled %v, want %v", dst, want)
	}
	if want := []int32{1, 6, 8, 15}; [4]int32(arg) != [4]int32(want) {
		t.Errorf("argmax %v, want %v", arg, want)
	}
}

func TestSoftmaxIsAStableDistribution(t *testing.T) {
	x := []float32{1000, 1000, -1000, 0}
	Softmax(x)
	if x[0] != 0.5 || x[1] != 0.5 || x[2] != 0 || x[3] != 0 {
		t.Errorf("softmax = %v, want [0.5 0.5 0 0]", x)
	}
}
