package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// refGemm is ONNX Gemm by definition.
func refGemm(a, b, c []float32, p kernels.GemmParams) (out, abs []float64) {
	out, abs = make([]float64, p.M*p.N), make([]float64, p.M*p.N)
	for i := range p.M {
		for j := range p.N {
			var s, sa float64
			for k := range p.K {
				av := a[i*p.K+k]
				if p.TransA {
					av = a[k*p.M+i]
				}
				bv := b[k*p.N+j]
				if p.TransB {
					bv = b[j*p.K+k]
				}
				s += float64(av) * float64(bv)
				sa += math.Abs(float64(av) * float64(bv))
			}
			s *= float64(p.Alpha)
			sa *= math.Abs(float64(p.Alpha))
			if c != nil && p.Beta != 0 {
				ci, cj := i, j
				if p.CRows == 1 {
					ci = 0
				}
				if p.CCols == 1 {
					cj = 0
				}
				cv := float64(p.Beta) * float64(c[ci*p.CCols+cj])
				s += cv
				sa += math.Abs(cv)
			}
			out[i*p.N+j] = refAct(p.Act, s)
			abs[i*p.N+j] = sa + math.Abs(out[i*p.N+j])
		}
	}
	return out, abs
}

func TestGemmExEveryForm(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, mkn := range [][3]int{{3, 4, 5}, {1, 7, 6}, {4, 1, 3}, {5, 3, 1}, {2, 0, 3}, {0, 2, 3}} {
		m, k, n := mkn[0], mkn[1], mkn[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, cs := range [][2]int{{0, 0}, {1, 1}, {1, n}, {m, 1}, {m, n}} {
					for _, ab := range [][2]float32{{1, 1}, {0.5, 2}, {1, 0}, {-1, 1}} {
						for _, act := range []kernels.Act{{}, {Op: kernels.ActRelu}} {
							p := kernels.GemmParams{M: m, N: n, K: k, TransA: ta, TransB: tb, Alpha: ab[0], Beta: ab[1], CRows: cs[0], CCols: cs[1], Act: act}
							a, b := randSlice(r, m*k), randSlice(r, k*n)
							var c []float32
							if cs[0] > 0 {
								c = randSlice(r, cs[0]*cs[1])
							}
							y := make([]float32, m*n)
							for i := range y {
								y[i] = float32(math.NaN())
							}
							kernels.GemmEx(y, a, b, c, p)
							want, abs := refGemm(a, b, c, p)
							check(t, "GemmEx", y, want, abs, 1e-6)
							if t.Failed() {
								t.Fatalf("params %+v", p)
							}
						}
					}
				}
			}
		}
	}
}

// refMatMul is numpy matmul by definition, batch index by batch index.
func refMatMul(a, b []float32, p kernels.MatMulParams) (out, abs []float64) {
	nb := prod(p.Batch)
	out, abs = make([]float64, nb*p.M*p.N), make([]float64, nb*p.M*p.N)
	for bi := range nb {
		c := coords(bi, p.Batch)
		ca, cb := make([]int, len(c)), make([]int, len(c))
		for i := range c {
			if p.ABatch[i] != 1 {
				ca[i] = c[i]
			}
			if p.BBatch[i] != 1 {
				cb[i] = c[i]
			}
		}
		ao, bo := flat(ca, p.ABatch)*p.M*p.K, flat(cb, p.BBatch)*p.K*p.N
		for i := range p.M {
			for j := range p.N {
				var s, sa float64
				for k := range p.K {
					v := float64(a[ao+i*p.K+k]) * float64(b[bo+k*p.N+j])
					s += v
					sa += math.Abs(v)
				}
				out[(bi*p.M+i)*p.N+j], abs[(bi*p.M+i)*p.N+j] = s, sa
			}
		}
	}
	return out, abs
}

func TestMatMulBatchBroadcast(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	for _, tt := range []kernels.MatMulParams{
		{M: 3, K: 4, N: 5},
		{M: 1, K: 6, N: 2},
		{M: 3, K: 4, N: 2, Batch: ints(2), ABatch: ints(2), BBatch: ints(2)},
		{M: 3, K: 4, N: 2, Batch: ints(3), ABatch: ints(3), BBatch: ints(1)},
		{M: 3, K: 4, N: 2, Batch: ints(3), ABatch: ints(1), BBatch: ints(3)},
		{M: 2, K: 3, N: 4, Batch: ints(2, 3), ABatch: ints(2, 1), BBatch: ints(1, 3)},
		{M: 2, K: 3, N: 4, Batch: ints(2, 3), ABatch: ints(1, 3), BBatch: ints(2, 1)},
		{M: 2, K: 3, N: 2, Batch: ints(2, 2, 3), ABatch: ints(2, 2, 3), BBatch: ints(1, 2, 1)},
		{M: 5, K: 8, N: 3, Batch: ints(2, 4), ABatch: ints(2, 4), BBatch: ints(1, 1)},
		{M: 2, K: 0, N: 2, Batch: ints(2), ABatch: ints(2), BBatch: ints(2)},
		{M: 2, K: 3, N: 2, Batch: ints(0), ABatch: ints(0), BBatch: ints(1)},
	} {
		a, b := randSlice(r, prod(tt.ABatch)*tt.M*tt.K), randSlice(r, prod(tt.BBatch)*tt.K*tt.N)
		dst := make([]float32, prod(tt.Batch)*tt.M*tt.N)
		for i := range dst {
			dst[i] = float32(math.NaN())
		}
		kernels.MatMul(dst, a, b, tt)
		want, abs := refMatMul(a, b, tt)
		check(t, "MatMul "+shapeStr(tt.Batch, tt.ABatch, tt.BBatch), dst, want, abs, 1e-6)
	}
}
